"""The catalogue: every article with its text and metadata, the files it came from
(with their content hashes), and the ingest runs. SQLite from the standard library.

The catalogue lets `show`, `stats` and the "has this file changed?" check of an
incremental ingest run without opening the search engine, and gives ingest a
transaction to lean on. The search engine (index.py) holds only what it needs to find
and rank; the catalogue is the record of what the archive contains.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from conflictcli.articles import Article, outlet_key
from conflictcli.errors import ArchiveBusy, DataError

BUSY_MS = 30_000  # how long a statement waits for another process's write

# 2: links name the row of a CSV or the line of a JSON Lines file; 3: stories (clusters
# of near-duplicate articles) and the bands that find them
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    date TEXT,
    title TEXT NOT NULL,
    title_derived INTEGER NOT NULL,
    source TEXT,
    url TEXT,
    body TEXT NOT NULL,
    words INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    author TEXT,
    cluster TEXT  -- the story: the id of its first article (stories.py), NULL until made
);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    ingested_at TEXT NOT NULL
);
-- which articles a file holds, and where: row 0 for a whole file, row n for row n of a
-- CSV (the header is row 1) or line n of a JSON Lines file; shown as path:n
CREATE TABLE IF NOT EXISTS links (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    row INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL REFERENCES articles(id),
    PRIMARY KEY (path, row, article_id)
);
CREATE INDEX IF NOT EXISTS links_article ON links(article_id);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    summary TEXT NOT NULL
);
"""

# the story of each article, and the MinHash bands of each story's first article: how a
# new copy finds its story (stories.py); added to older catalogues by upgrade()
STORIES = [
    "CREATE INDEX IF NOT EXISTS articles_cluster ON articles(cluster)",
    # `article` is the first 8 hex digits of the article's id as a number: a band row
    # takes about 16 bytes (measured on ukraine-media; a text id would add 13 more)
    """CREATE TABLE IF NOT EXISTS bands (
        key INTEGER NOT NULL,
        article INTEGER NOT NULL,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID""",
]

# the gazetteer as the search reads it (names.py): made by an ingest, so that a search
# looks up only the spellings its query holds instead of reading every one of them
NAMES = [
    "CREATE TABLE IF NOT EXISTS name_keys (key TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS name_entries (id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID",
]

# watchlists (archive.watch_*): saved searches, and the articles each has shown
WATCHES = [
    "CREATE TABLE IF NOT EXISTS watches (name TEXT PRIMARY KEY, query TEXT NOT NULL,"
    " filters TEXT NOT NULL, created TEXT NOT NULL, last_run TEXT)",
    "CREATE TABLE IF NOT EXISTS watch_seen (name TEXT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (name, article_id)) WITHOUT ROWID",
]

ARTICLE_COLUMNS = "id, date, title, title_derived, source, url, body, {author}, {cluster}"


class FileRecord(NamedTuple):  # a tuple: a million of them are made on every ingest
    path: str
    sha256: str
    size: int
    mtime: float


def _prefix(article_id: str) -> int:
    """The first 8 hex digits of an id as a signed 32-bit number (bands.article)."""
    try:
        n = int(article_id[:8], 16)
    except ValueError:  # ids are hex; any other is one number, its stories still compared
        n = 0
    return n - (1 << 32) if n >= 1 << 31 else n


def _place(path: str, row: int) -> str:
    return f"{path}:{row}" if row else path


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


Packed = tuple[bytes, int]


def pack(a: Article, zdict: bytes | None = None) -> Packed:
    """The body as the catalogue stores it, compressed (zlib: news text takes about
    half its size; with the archive's dictionary, see Dictionary, a sixth less again),
    and its word count; made in a worker process at ingest."""
    data = a.body.encode("utf-8")
    if zdict is None:
        return zlib.compress(data, ZLIB_LEVEL), a.words
    primed = _PRIMED.get(zdict)
    if primed is None:  # the dictionary read into a compressor once; each body a copy
        _PRIMED.clear()
        primed = _PRIMED[zdict] = zlib.compressobj(ZLIB_LEVEL, zdict=zdict)
    c = primed.copy()
    return c.compress(data) + c.flush(), a.words


ZLIB_LEVEL = 6
_PRIMED: dict[bytes, Any] = {}


class Dictionary:
    """The archive's zlib dictionary: the word pairs most frequent in the first
    SAMPLE articles it stored, the most frequent last (nearest the text, so the
    cheapest to point back to), at most zlib's 32 KiB window. A news body of a few KB
    compresses by a sixth to a fifth more with it (on ukraine-media-2022 0.461 -> 0.388
    of the raw text, on the Kremlin's press releases 0.428 -> 0.352). It is made from
    the archive's own articles, kept in its catalogue (table dictionaries, by the
    Adler-32 checksum that a zlib stream made with it names), and never replaced, so
    every body can be read back; bodies stored before it are plain zlib."""

    SAMPLE = 300  # articles the dictionary is made from
    PAIRS = 8_000  # word pairs it may hold
    SIZE = 32 * 1024

    @classmethod
    def make(cls, bodies: list[str]) -> bytes:
        from collections import Counter

        pairs: Counter[str] = Counter()
        for body in bodies:
            words = body.split()
            pairs.update(f"{a} {b}" for a, b in itertools.pairwise(words))
        common = [p for p, n in pairs.most_common(cls.PAIRS) if n > 1]
        return " ".join(reversed(common)).encode("utf-8")[-cls.SIZE :]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_MS / 1000)
        self._zdict: bytes | None = None
        self._zdicts: dict[int, bytes] | None = None
        self._samples: list[str] = []
        self.conn.execute("PRAGMA foreign_keys = ON")
        # Only a new catalogue is written to here, so that opening one to read never
        # waits for an ingest that holds the write lock (WAL lets readers go on).
        if not self._has_schema():
            # pages of 16 KiB hold compressed bodies of 1-3 KB with less left unused
            # than 4 KiB ones: the catalogue of ukraine-media-2022 35 -> 31 MB
            self.conn.execute("PRAGMA page_size = 16384")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.executescript(SCHEMA + ";\n".join(STORIES))
            self.conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

        # a catalogue of schema 1 has no rows in its links until an ingest upgrades it
        self._row = "row" if self._links_have_rows() else "0"
        self._columns = self._article_columns()

    def _article_columns(self) -> str:
        has = set(r[1] for r in self.conn.execute("PRAGMA table_info(articles)"))
        return ARTICLE_COLUMNS.format(
            author="author" if "author" in has else "NULL",
            cluster="cluster" if "cluster" in has else "NULL",
        )

    def _links_have_rows(self) -> bool:
        return self._has_column("links", "row")

    def _has_column(self, table: str, column: str) -> bool:
        return any(r[1] == column for r in self.conn.execute(f"PRAGMA table_info({table})"))

    def upgrade(self) -> None:
        """Bring a catalogue made by an older version to SCHEMA_VERSION, inside the
        caller's write transaction."""
        if not self._has_column("articles", "author"):
            self.conn.execute("ALTER TABLE articles ADD COLUMN author TEXT")
        if not self._has_column("articles", "cluster"):  # stories are made by the ingest
            self.conn.execute("ALTER TABLE articles ADD COLUMN cluster TEXT")
            for statement in STORIES:
                self.conn.execute(statement)
        self._columns = self._article_columns()
        self._set_schema_version()
        if self._links_have_rows():
            return
        # one statement at a time: executescript() would commit the caller's transaction
        for statement in [
            """CREATE TABLE links_2 (
                path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
                row INTEGER NOT NULL DEFAULT 0,
                article_id TEXT NOT NULL REFERENCES articles(id),
                PRIMARY KEY (path, row, article_id))""",
            "INSERT INTO links_2 (path, row, article_id) SELECT path, 0, article_id FROM links",
            "DROP TABLE links",
            "ALTER TABLE links_2 RENAME TO links",
            "CREATE INDEX IF NOT EXISTS links_article ON links(article_id)",
        ]:
            self.conn.execute(statement)
        self._row = "row"

    def _set_schema_version(self) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    def _has_schema(self) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------
    @contextmanager
    def batch(self, wait: bool = True) -> Iterator[None]:
        """A write transaction that is rolled back on any error; the caller commits."""
        self.begin(wait)
        try:
            yield
        except BaseException:
            self.rollback()
            raise

    def begin(self, wait: bool = True) -> None:
        """Start a write transaction; without `wait`, fail at once when another process
        writes (ArchiveBusy) instead of waiting for it."""
        if wait:
            self.conn.execute("BEGIN IMMEDIATE")
            return
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise ArchiveBusy() from e
            raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._zdict = self._zdicts = None  # a dictionary made in it is gone with it

    # -- files ----------------------------------------------------------------------
    def all_files(self) -> dict[str, FileRecord]:
        """Every known file: its content hash, size and modification time."""
        rows = self.conn.execute("SELECT path, sha256, size, mtime FROM files")
        return {r[0]: FileRecord(*r) for r in rows}

    def put_file(self, rec: FileRecord, places: Iterable[tuple[int, str]]) -> None:
        """A file and the (row, article id) it holds: row 0 for a whole file."""
        self.conn.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
            (rec.path, rec.sha256, rec.size, rec.mtime, now_iso()),
        )
        self.conn.execute("DELETE FROM links WHERE path = ?", (rec.path,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO links (path, row, article_id) VALUES (?, ?, ?)",
            ((rec.path, row, i) for row, i in places),
        )

    def add_links(self, path: str, places: Iterable[tuple[int, str]]) -> None:
        """More (row, article id) of a file put before: a large file, as it streams."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO links (path, row, article_id) VALUES (?, ?, ?)",
            ((path, row, i) for row, i in places),
        )

    def touch_file(self, rec: FileRecord) -> None:
        """A file whose content is unchanged but whose size or time moved, or a large
        file read to its end: remember its hash and stat, so that the next ingest does
        not read it again."""
        self.conn.execute(
            "UPDATE files SET sha256 = ?, size = ?, mtime = ? WHERE path = ?",
            (rec.sha256, rec.size, rec.mtime, rec.path),
        )

    def drop_file(self, path: str) -> list[str]:
        """Forget a file; return the ids of articles that no file holds any more."""
        ids = self.article_ids_of(path)
        self.conn.execute("DELETE FROM files WHERE path = ?", (path,))
        return [i for i in ids if not self.paths(i)]

    def article_ids_of(self, path: str, row: int | None = None) -> list[str]:
        """The articles a file holds (in row order), or the one at a row of it."""
        if row is None:
            sql = f"SELECT article_id FROM links WHERE path = ? ORDER BY {self._row}"
            return [r[0] for r in self.conn.execute(sql, (path,))]
        sql = f"SELECT article_id FROM links WHERE path = ? AND {self._row} = ?"
        return [r[0] for r in self.conn.execute(sql, (path, row))]

    # -- articles -------------------------------------------------------------------
    def has_article(self, article_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
            is not None
        )

    # -- the dictionary bodies are compressed with (Dictionary) -----------------------
    def dictionary(self) -> bytes | None:
        """The dictionary new bodies are compressed with (None until it is made)."""
        if self._zdict is None:
            found = self._dictionaries()
            self._zdict = min(found.items())[1] if found else None
        return self._zdict

    def _dictionaries(self) -> dict[int, bytes]:
        """Every dictionary of the catalogue, by its Adler-32 checksum."""
        if self._zdicts is None:
            try:
                rows = self.conn.execute("SELECT id, data FROM dictionaries").fetchall()
            except sqlite3.OperationalError:  # a catalogue made before dictionaries
                rows = []
            self._zdicts = {int(i): bytes(d) for i, d in rows}
        return self._zdicts

    def _sample(self, body: str) -> None:
        """Keep the body towards the dictionary; make it once SAMPLE bodies are in."""
        self._samples.append(body)
        if len(self._samples) < Dictionary.SAMPLE:
            return
        zdict = Dictionary.make(self._samples)
        self._samples = []
        if not zdict:
            return
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"
        )
        key = zlib.adler32(zdict)
        self.conn.execute("INSERT OR IGNORE INTO dictionaries VALUES (?, ?)", (key, zdict))
        self._zdicts = None  # read again when a text names it
        self._zdict = zdict

    def text(self, body: bytes | str) -> str:
        """A body as stored, read back: compressed (with the dictionary its zlib stream
        names, or none), or plain text (catalogues made before compression)."""
        if not isinstance(body, bytes):
            return body
        again = "Restore the archive from a copy, or ingest the files again into a new one."
        try:
            if len(body) > 5 and body[1] & 0x20:  # FDICT: a dictionary, named by checksum
                key = int.from_bytes(body[2:6], "big")
                zdict = self._dictionaries().get(key)
                if zdict is None:
                    raise DataError(
                        f"The catalogue {self.path} lacks the dictionary {key:08x} "
                        "that some of its texts were compressed with.",
                        again,
                    )
                d = zlib.decompressobj(zdict=zdict)
                return (d.decompress(body) + d.flush()).decode("utf-8")
            return zlib.decompress(body).decode("utf-8")
        except (zlib.error, UnicodeDecodeError) as e:
            raise DataError(
                f"A text in the catalogue {self.path} cannot be read back: {e}.", again
            ) from e

    def put_article(self, a: Article, packed: Packed | None = None) -> None:
        zdict = self.dictionary()
        if zdict is None:
            self._sample(a.body)
        body, words = packed or pack(a, zdict)
        self.conn.execute(
            "INSERT OR REPLACE INTO articles"
            " (id, date, title, title_derived, source, url, body, words, added_at, author,"
            " cluster) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.id,
                a.date.isoformat() if a.date else None,
                a.title,
                int(a.title_derived),
                a.source,
                a.url,
                body,
                words,
                now_iso(),
                a.author,
                a.cluster,
            ),
        )

    def drop_articles(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        leaders = [i for i in ids if self._opens_story(i)]
        if leaders:  # their bands go too, found from their texts
            from conflictcli.stories import bands

            texts = self.bodies(leaders)
            for aid, keys in zip(leaders, bands(texts[i] for i in leaders), strict=True):
                self.conn.executemany(
                    "DELETE FROM bands WHERE key = ? AND article = ?",
                    ((k, _prefix(aid)) for k in keys),
                )
        self.conn.executemany("DELETE FROM articles WHERE id = ?", ((i,) for i in ids))

    def _opens_story(self, article_id: str) -> bool:
        row = self.conn.execute(
            "SELECT cluster = id FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return bool(row and row[0])

    # -- stories (near-duplicates, stories.py) --------------------------------------------
    def story_candidates(self, keys: list[int], limit: int = 20) -> list[str]:
        """The first articles of stories that share a band with these keys, those that
        share the most first."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        prefixes = self.conn.execute(
            f"SELECT article FROM bands WHERE key IN ({marks})"
            " GROUP BY article ORDER BY count(*) DESC, article LIMIT ?",
            [*keys, limit],
        ).fetchall()
        out = []
        for (p,) in prefixes:  # the first articles of stories whose ids start so
            low = f"{p & 0xFFFFFFFF:08x}"
            high = low + "g"  # after every id that starts with `low`
            out += [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM articles WHERE id >= ? AND id < ? AND cluster = id",
                    (low, high),
                )
            ]
        return out

    def put_bands(self, article_id: str, keys: list[int]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO bands (key, article) VALUES (?, ?)",
            ((k, _prefix(article_id)) for k in keys),
        )

    def set_cluster(self, article_id: str, cluster: str) -> None:
        self.conn.execute("UPDATE articles SET cluster = ? WHERE id = ?", (cluster, article_id))

    def unclustered(self) -> list[str]:
        """Articles not yet in a story (held before stories were made), oldest first."""
        sql = "SELECT id FROM articles WHERE cluster IS NULL ORDER BY added_at, rowid"
        return [r[0] for r in self.conn.execute(sql)]

    def story_leaders(self) -> list[str]:
        """The articles whose bands the catalogue keeps: each story's first article."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE cluster = id")]

    def clear_bands(self) -> None:
        self.conn.execute("DELETE FROM bands")

    def bodies(self, ids: list[str]) -> dict[str, str]:
        """The texts of these articles (those that exist)."""
        out: dict[str, str] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            for aid, body in self.conn.execute(
                f"SELECT id, body FROM articles WHERE id IN ({marks})", chunk
            ):
                out[aid] = self.text(body)
        return out

    def story(self, cluster: str) -> list[tuple[str, str | None, str | None, str]]:
        """The members of a story: (id, date, source, title), in the order they came
        (the first article first)."""
        if not self._has_column("articles", "cluster"):
            return []
        rows = self.conn.execute(
            "SELECT id, date, source, title FROM articles WHERE cluster = ?"
            " ORDER BY id != ?, added_at, rowid",
            (cluster, cluster),
        )
        return [tuple(r) for r in rows]

    def largest_stories(self, limit: int) -> list[tuple[str, int, str | None, str | None]]:
        """The stories with more than one article, the largest first: (cluster,
        articles, first date, last date)."""
        if not self._has_column("articles", "cluster"):
            return []
        rows = self.conn.execute(
            "SELECT cluster, count(*) AS n, min(date), max(date) FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING n > 1"
            " ORDER BY n DESC, cluster LIMIT ?",
            (limit,),
        )
        return [tuple(r) for r in rows]

    def story_counts(self) -> tuple[int, int]:
        """Stories with more than one article, and the articles they hold."""
        if not self._has_column("articles", "cluster"):
            return 0, 0
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING n > 1)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def paths(self, article_id: str) -> list[str]:
        """Every place the article came from: a file's path, or path:row."""
        sql = f"SELECT path, {self._row} FROM links WHERE article_id = ? ORDER BY path, 2"
        return [_place(p, r) for p, r in self.conn.execute(sql, (article_id,))]

    def articles(self, ids: list[str], texts: bool = True) -> dict[str, Article]:
        """The articles with these ids (those that exist), each with its paths; without
        `texts`, their bodies are left unread (""): a long page of ids and titles does
        not decompress a text it does not show."""
        out: dict[str, Article] = {}
        columns = self._columns if texts else self._columns.replace(", body,", ", NULL,")
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {columns} FROM articles WHERE id IN ({marks})", chunk
            ).fetchall()
            paths: dict[str, list[str]] = {}
            for aid, path, row in self.conn.execute(
                f"SELECT article_id, path, {self._row} FROM links"
                f" WHERE article_id IN ({marks}) ORDER BY path, 3",
                chunk,
            ):
                paths.setdefault(aid, []).append(_place(path, row))
            for row in rows:
                out[row[0]] = self._article(row, paths.get(row[0], []))
        return out

    def dates_and_sources(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """The date (YYYY-MM-DD) and the source of each of these articles that exists."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, date, source FROM articles WHERE id IN ({marks})"
            out.update((aid, (date, source)) for aid, date, source in self.conn.execute(sql, chunk))
        return out

    def iter_articles(self) -> Iterator[Article]:
        for row in self.conn.execute(f"SELECT {self._columns} FROM articles"):
            yield self._article(row)

    def _article(self, row: tuple[Any, ...], paths: list[str] | None = None) -> Article:
        aid, date, title, derived, source, url, body, author, cluster = row
        body = "" if body is None else self.text(body)
        return Article(
            id=aid,
            date=dt.date.fromisoformat(date) if date else None,
            title=title,
            body=body,
            source=source,
            url=url,
            author=author,
            cluster=cluster,
            title_derived=bool(derived),
            paths=self.paths(aid) if paths is None else paths,
        )

    def ids_with_prefix(self, prefix: str, limit: int = 20) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                (escaped + "%", limit),
            )
        ]

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def date_range(self) -> tuple[str | None, str | None]:
        row = self.conn.execute("SELECT min(date), max(date) FROM articles").fetchone()
        return row[0], row[1]

    def by_month(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT substr(date, 1, 7) AS m, count(*) FROM articles "
            "WHERE date IS NOT NULL GROUP BY m ORDER BY m"
        )
        return {m: n for m, n in rows}

    def sources(self) -> list[tuple[str | None, int, str | None, str | None]]:
        """Every outlet (None: articles that name none) with its article count and its
        first and last date, the largest first. Spellings that differ only in case are
        one outlet, as --source matches them (outlet_key), shown as the most common."""
        rows = self.conn.execute(
            "SELECT source, count(*), min(date), max(date) FROM articles GROUP BY source"
        )
        merged: dict[str | None, list[Any]] = {}  # key -> [spellings by count, n, first, last]
        for source, n, first, last in rows:
            key = outlet_key(source) if source is not None else None
            have = merged.setdefault(key, [[], 0, first, last])
            have[0].append((-n, source))
            have[1] += n
            have[2] = min((d for d in (have[2], first) if d), default=None)
            have[3] = max((d for d in (have[3], last) if d), default=None)
        out = [(min(names)[1], n, first, last) for names, n, first, last in merged.values()]
        return sorted(out, key=lambda r: (-r[1], r[0] is None, r[0] or ""))

    def undated_count(self) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM articles WHERE date IS NULL").fetchone()[0]
        )

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- watchlists -------------------------------------------------------------------
    def _watch_tables(self) -> None:  # made by the first watch, in its transaction
        for statement in WATCHES:
            self.conn.execute(statement)

    def watches(self) -> list[tuple[str, str, str, str, str | None]]:
        """Every watch: name, query, filters (JSON), created, last run; by name."""
        if not self._has_table("watches"):
            return []
        sql = "SELECT name, query, filters, created, last_run FROM watches ORDER BY name"
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self.conn.execute(sql)]

    def add_watch(self, name: str, query: str, filters: str, seen: list[str]) -> bool:
        """A new watch, the articles `seen` marked as shown; False if the name is taken."""
        with self.batch():
            self._watch_tables()
            got = self.conn.execute(
                "INSERT OR IGNORE INTO watches VALUES (?, ?, ?, ?, NULL)",
                (name, query, filters, now_iso()),
            )
            if got.rowcount:
                self._mark_seen(name, seen)
        self.commit()
        return bool(got.rowcount)

    def remove_watch(self, name: str) -> bool:
        if not self._has_table("watches"):
            return False
        with self.batch():
            self.conn.execute("DELETE FROM watch_seen WHERE name = ?", (name,))
            gone = self.conn.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount
        self.commit()
        return bool(gone)

    def unseen(self, name: str, ids: list[str]) -> list[str]:
        """Of these articles, those the watch has not shown, in the same order."""
        seen = {
            r[0]
            for r in self.conn.execute("SELECT article_id FROM watch_seen WHERE name = ?", (name,))
        }
        return [i for i in ids if i not in seen]

    def watched(self, name: str, shown: list[str]) -> None:
        """The watch ran and showed these articles."""
        with self.batch():
            self._mark_seen(name, shown)
            self.conn.execute("UPDATE watches SET last_run = ? WHERE name = ?", (now_iso(), name))
        self.commit()

    def _mark_seen(self, name: str, ids: list[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO watch_seen VALUES (?, ?)", ((name, i) for i in ids)
        )

    def _has_table(self, table: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.conn.execute(sql, (table,)).fetchone() is not None

    # -- names (the gazetteer as the search reads it) ----------------------------------
    def put_names(
        self, signature: str, keys: Iterable[tuple[str, str]], entries: Iterable[tuple[str, str]]
    ) -> None:
        """The gazetteer's spellings and entries (names.Gazetteer.records()), in place of
        those held, in the caller's write transaction."""
        for statement in NAMES:
            self.conn.execute(statement)
        self.conn.execute("DELETE FROM name_keys")
        self.conn.execute("DELETE FROM name_entries")
        self.conn.executemany("INSERT INTO name_keys VALUES (?, ?)", keys)
        self.conn.executemany("INSERT INTO name_entries VALUES (?, ?)", entries)
        self.set_meta("names", signature)

    def name_records(self, table: str, keys: list[str]) -> dict[str, str]:
        """The records of these spellings (`name_keys`) or entries (`name_entries`)."""
        assert table in ("name_keys", "name_entries")
        marks = ",".join("?" * len(keys))
        sql = f"SELECT key, record FROM {table} WHERE key IN ({marks})"
        if table == "name_entries":
            sql = f"SELECT id, record FROM {table} WHERE id IN ({marks})"
        return dict(self.conn.execute(sql, keys).fetchall())

    # -- layout of the search index ----------------------------------------------------
    def index_layout(self) -> int:
        """The layout of the search index beside this catalogue: 1 for archives made
        before layouts were recorded."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'index_layout'").fetchone()
        return int(row[0]) if row else 1

    def set_index_layout(self, layout: int) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('index_layout', ?)", (str(layout),))

    # -- runs -----------------------------------------------------------------------
    def record_run(self, started_at: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO runs (started_at, finished_at, summary) VALUES (?, ?, ?)",
            (started_at, now_iso(), json.dumps(summary)),
        )

    def last_run(self) -> str | None:
        row = self.conn.execute("SELECT max(finished_at) FROM runs").fetchone()
        return row[0] if row else None
