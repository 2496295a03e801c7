"""Stories as the catalogue keeps them: each article's cluster (the id of its story's
first article), and the MinHash bands and sketch of each story's first article, by which
a new copy finds its story. How stories are made is stories.py's; this is what it reads
and writes, and the lists of stories that `dupes` and `show` print."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from conflictcli.store.article_rows import Articles
from conflictcli.store.connection import reading
from conflictcli.store.damage import Damaged, as_day, date_flaw, is_id, shown, text_flaw, warn
from conflictcli.store.stats import Stats

# the band keys of each text (stories.bands): what drop_articles needs to find the bands
# of a story's first article
BandsOf = Callable[[Iterable[str]], list[list[int]]]


def _prefix(article_id: str) -> int:
    """The first 8 hex digits of an id as a signed 32-bit number (bands.article)."""
    try:
        n = int(article_id[:8], 16)
    except ValueError:  # ids are hex; any other is one number, its stories still compared
        n = 0
    return n - (1 << 32) if n >= 1 << 31 else n


def _groups(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _number(article_id: str) -> int | None:
    """An id (16 hex digits) as a signed 64-bit number (sketches.article); None for
    any other."""
    if not is_id(article_id):
        return None
    n = int(article_id, 16)
    return n - (1 << 64) if n >= 1 << 63 else n


class Clusters(Articles, Stats):
    def drop_articles(self, ids: Iterable[str], bands_of: BandsOf) -> None:
        """Articles forgotten, with the bands of those that open a story, found from
        their texts by `bands_of` (stories.bands)."""
        ids = list(ids)
        leaders = [i for i in ids if self._opens_story(i)]
        if leaders:
            texts = self.bodies(leaders)
            for aid, keys in zip(leaders, bands_of(texts[i] for i in leaders), strict=True):
                self.conn.executemany(
                    "DELETE FROM bands WHERE key = ? AND article = ?",
                    ((k, _prefix(aid)) for k in keys),
                )
            numbers = [(n,) for i in leaders if (n := _number(i)) is not None]
            self.conn.executemany("DELETE FROM sketches WHERE article = ?", numbers)
        self.conn.executemany("DELETE FROM articles WHERE id = ?", ((i,) for i in ids))

    def _opens_story(self, article_id: str) -> bool:
        row = self.conn.execute(
            "SELECT cluster = id FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return bool(row and row[0])

    @reading
    def story_candidates(self, keys: list[int], limit: int = 20, per_band: int = 100) -> list[str]:
        """The first articles of stories that share a band with these keys, those that
        share the most first (then by id), at most `limit` of them. At most `per_band`
        are read for one key (the first in the table's order, by id), so that what an
        article costs stays bounded when thousands of stories share a band; whether
        each story found through another key shares that one too is looked up, so that
        it counts every band it shares."""
        shared = self._shared_bands(list(dict.fromkeys(keys)), per_band)
        out = []
        for p in sorted(shared, key=lambda p: (-shared[p], p))[:limit]:
            # the first articles of stories whose ids start so
            low = f"{p & 0xFFFFFFFF:08x}"
            high = low + "g"  # after every id that starts with `low`
            out += [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM articles WHERE id >= ? AND id < ? AND cluster = id",
                    (low, high),
                )
                if is_id(r[0])
            ]
        return out

    def _shared_bands(self, keys: list[int], per_band: int) -> Counter[int]:
        """How many of these keys each story found shares (by the prefix of its first
        article's id: bands.article)."""
        if not keys:
            return Counter()
        one = "SELECT * FROM (SELECT key, article FROM bands WHERE key = ? ORDER BY article LIMIT ?) b"
        rows = self.conn.execute(
            " UNION ALL ".join([one] * len(keys)), [v for k in keys for v in (k, per_band)]
        ).fetchall()
        read: dict[int, list[int]] = {}
        for k, p in rows:
            if type(p) is int:  # a damaged band finds nothing
                read.setdefault(k, []).append(p)
        shared = Counter(p for found in read.values() for p in found)
        for k, found in read.items():
            if len(found) < per_band:
                continue
            # read in part: the stories found past what was read are looked up
            unknown = [p for p in shared if p > found[-1]]
            for group in _groups(unknown):
                marks = ",".join("?" * len(group))
                sql = f"SELECT article FROM bands WHERE key = ? AND article IN ({marks})"
                shared.update(r[0] for r in self.conn.execute(sql, [k, *group]))
        return shared

    def put_bands(self, article_id: str, keys: list[int]) -> None:
        prefix = _prefix(article_id)
        self.conn.executemany(
            "INSERT OR IGNORE INTO bands (key, article) VALUES (?, ?)",
            ((k, prefix) for k in keys),
        )

    @reading
    def sketches(self, ids: list[str], size: int) -> dict[str, bytes]:
        """The sketch kept of each of these articles (stories.Fingerprint.sketch) that has
        one of `size` bytes; another value is none (and is never read whole)."""
        numbers = {n: i for i in ids if (n := _number(i)) is not None}
        if not numbers:
            return {}
        marks = ",".join("?" * len(numbers))
        try:
            rows = self.conn.execute(
                f"SELECT article, sketch FROM sketches WHERE article IN ({marks})"
                " AND typeof(sketch) = 'blob' AND length(sketch) = ?",
                [*numbers, size],
            ).fetchall()
        except sqlite3.OperationalError as e:  # a catalogue made before sketches
            if "no such table" not in str(e):
                raise
            return {}
        return {numbers[n]: s for n, s in rows if n in numbers}

    def put_sketch(self, article_id: str, sketch: bytes) -> None:
        n = _number(article_id)
        if n is not None:
            self.conn.execute("INSERT OR REPLACE INTO sketches VALUES (?, ?)", (n, sketch))

    @reading
    def all_bands(self) -> tuple[list[tuple[int, int]], list[tuple[int, bytes]]]:
        """Every band row and every sketch, as `conflict copy` takes them over."""
        bands = [(int(k), int(a)) for k, a in self.conn.execute("SELECT key, article FROM bands")]
        sketches = [
            (int(a), bytes(x))
            for a, x in self.conn.execute("SELECT article, sketch FROM sketches")
            if isinstance(x, bytes | memoryview)
        ]
        return bands, sketches

    def put_all_bands(
        self, bands: list[tuple[int, int]], sketches: list[tuple[int, bytes]]
    ) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO bands (key, article) VALUES (?, ?)", bands)
        self.conn.executemany("INSERT OR IGNORE INTO sketches VALUES (?, ?)", sketches)

    def clear_bands(self) -> None:
        """Every band and sketch (made another way: stories.SCHEME)."""
        self.conn.execute("DELETE FROM bands")
        self.conn.execute("DELETE FROM sketches")

    def set_cluster(self, article_id: str, cluster: str) -> None:
        self.conn.execute("UPDATE articles SET cluster = ? WHERE id = ?", (cluster, article_id))

    @reading
    def unclustered(self) -> list[str]:
        """Articles not yet in a story (held before stories were made), oldest first."""
        sql = "SELECT id FROM articles WHERE cluster IS NULL ORDER BY added_at, rowid"
        return [r[0] for r in self.conn.execute(sql)]

    @reading
    def clusters_of(self, ids: list[str]) -> dict[str, str]:
        """The story of each of these articles that has one (dupes QUERY, rm)."""
        if "cluster" not in self._columns:
            return {}
        out: dict[str, str] = {}
        for group in _groups(ids):
            marks = ",".join("?" * len(group))
            sql = f"SELECT id, cluster FROM articles WHERE id IN ({marks})"
            out.update((i, c) for i, c in self.conn.execute(sql, group) if type(c) is str)
        return out

    @reading
    def members_of(self, clusters: list[str]) -> list[str]:
        """The articles of these stories, in the order they came (rm: those whose
        story's first article goes)."""
        if "cluster" not in self._columns:
            return []
        rows: list[tuple[str, str, int]] = []
        for group in _groups(clusters):
            marks = ",".join("?" * len(group))
            sql = f"SELECT id, added_at, rowid FROM articles WHERE cluster IN ({marks})"
            rows += self.conn.execute(sql, group).fetchall()
        return [r[0] for r in sorted(rows, key=lambda r: (str(r[1]), r[2])) if is_id(r[0])]

    @reading
    def story_leaders(self) -> list[str]:
        """The articles whose bands the catalogue keeps: each story's first article."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE cluster = id")]

    @reading
    def story(self, cluster: str) -> list[tuple[str, str | None, str | None, str]]:
        """The members of a story: (id, date, source, title), in the order they came
        (the first article first). A damaged member is left out, with a warning."""
        if "cluster" not in self._columns:
            return []
        rows = self.conn.execute(
            "SELECT id, date, source, title FROM articles WHERE cluster = ?"
            " ORDER BY id != ?, added_at, rowid",
            (cluster, cluster),
        )
        out = []
        for aid, date, source, title in rows:
            flaw = self._member_flaw(aid, date, source, title)
            if flaw is not None:
                warn(flaw, "It is left out of its story.")
                continue
            out.append((aid, date, source, title))
        return out

    def _member_flaw(self, aid: Any, date: Any, source: Any, title: Any) -> Damaged | None:
        """What is wrong with an article as a list of stories shows it, or None."""
        if not is_id(aid):
            return self.damaged("id_invalid", f"its id is {shown(aid)}, not 16 hex digits")
        if date is not None and as_day(date) is None:
            return self.damaged("date_invalid", date_flaw(date), aid)
        for name, value in (("title", title), ("source", source)):
            if (value is not None or name == "title") and (why := text_flaw(value)):
                return self.damaged("field_invalid", f"its {name} is {why}", aid)
        return None

    @reading
    def largest_stories(self, limit: int) -> list[tuple[str, int, str | None, str | None]]:
        """The stories with more than one article, the largest first: (cluster,
        articles, first date, last date)."""
        if "cluster" not in self._columns:
            return []
        rows = self.conn.execute(
            "SELECT cluster, count(*) AS n, min(date), max(date) FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING count(*) > 1"
            " ORDER BY n DESC, cluster LIMIT ?",
            (limit,),
        ).fetchall()
        out = []
        for cluster, n, first, last in rows:
            if not is_id(cluster):
                raise self.damaged(
                    "field_invalid", f"a story (cluster) is {shown(cluster)}, not an id"
                )
            if any(d is not None and as_day(d) is None for d in (first, last)):
                first, last = self._span("cluster = ?", (cluster,))
            out.append((cluster, n, first, last))
        return out

    @reading
    def story_counts(self) -> tuple[int, int]:
        """Stories with more than one article, and the articles they hold."""
        if "cluster" not in self._columns:
            return 0, 0
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING count(*) > 1) s"
        ).fetchone()
        return int(row[0]), int(row[1])
