"""The catalogue: every article with its text and metadata, the files it came from
(with their content hashes), and the ingest runs. SQLite from the standard library.

The catalogue lets `show`, `stats` and the "has this file changed?" check of an
incremental ingest run without opening the search engine, and gives ingest a
transaction to lean on. The search engine (index.py) holds only what it needs to find
and rank; the catalogue is the record of what the archive contains.

A catalogue from someone else is data like any other input, so nothing read from one
is trusted. Its tables and their columns are compared with the schema when it is
opened (Damaged, kind `catalogue_schema`); every value of an article is checked for
type and range as it is read, its text inflated no further than any article can be
(MAX_TEXT_BYTES), and SQLite hands over no value longer than MAX_VALUE_BYTES, so a
hostile row costs a bounded amount of memory and is named, by id, as damage with the
next step. A page of results leaves a damaged article out with a warning
(DamagedWarning); `show` of that article is the error. `conflict check` finds every
damaged row (`survey`) and `--repair` mends or moves it aside (`mend`): the table
`damaged` keeps each row as it was, so nothing is deleted.

Commands that only read open the catalogue read-only, so that an archive on a DVD or a
read-only share can be searched; the first write (`begin`) opens it for writing, and a
folder that cannot be written is a DataError naming it.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from conflictcli.articles import (
    FIRST_YEAR,
    LAST_YEAR,
    Article,
    derive_title,
    outlet_key,
)
from conflictcli.errors import DataError
from conflictcli.store.connection import BUSY_MS, limit_values, now_iso, reading, writing
from conflictcli.store.damage import (
    HEX16,
    MAX_PATH_CHARS,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MAX_VALUE_BYTES,
    MONTH,
    MOVED,
    REPAIRS,
    Damaged,
    DamagedWarning,
    Flaw,
    FlawFound,
    as_day,
    date_flaw,
    in_years,
    is_id,
    shown,
    sql_error,
    text_flaw,
    unreadable_value,
    warn,
)
from conflictcli.store.dictionary import ZLIB_LEVEL, Dictionary, Packed, Texts, pack
from conflictcli.store.meta import Meta
from conflictcli.store.schema import SCHEMA_VERSION, TABLES, Schema, schema_repairable

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


# The rows `check --repair` took out of `articles` or changed, each as it was: nothing
# is deleted. No column has a type, so that every value keeps the form it had.
DAMAGED = (
    "CREATE TABLE IF NOT EXISTS damaged (row INTEGER, id, date, title, title_derived,"
    " source, url, body, words, added_at, author, cluster, problem TEXT NOT NULL,"
    " action TEXT NOT NULL, at TEXT NOT NULL)"
)
DAMAGED_COLUMNS = "id, date, title, title_derived, source, url, body, words, added_at"


class _Found(dict[str, Any]):
    """Articles (or texts) read from the catalogue, by id. `[id]` of one that is not
    there is a DataError naming it (a file's link that names an article the catalogue
    lacks), not a KeyError; `get` is dict's own."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.path, self.folder = store.path, store.folder

    def __missing__(self, key: str) -> Any:
        raise DataError(
            f"Article {key} is named by a file's record in the catalogue {self.path}, "
            "which does not hold it.",
            f"Run 'conflict check --repair --index {self.folder}': it drops the links to "
            "articles that are gone, and the next ingest reads their files again.",
        )


class _FoundDamaged(_Found):
    """_Found with some articles left out as damaged: `get` passes over one with a
    warning (a page shows the rest), `[id]` raises its Damaged (`show` names it)."""

    def __init__(self, store: Store, found: dict[str, Any], damaged: dict[str, Damaged]) -> None:
        super().__init__(store)
        self.update(found)
        self.damaged = damaged

    def __missing__(self, key: str) -> Any:
        if key in self.damaged:
            raise self.damaged[key]
        return super().__missing__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.damaged:
            warn(self.damaged[key])
            return default
        return super().get(key, default)


class Store(Meta, Texts, Schema):
    """The catalogue at `path`, opened read-only unless `write` (or it is new): the
    first write transaction (`begin`) opens it for writing. A catalogue whose tables
    are not conflict's is a Damaged error at once, unless not `strict` (`check`, which
    reports them: `schema_problems`)."""

    def __init__(self, path: Path, write: bool = False, strict: bool = True) -> None:
        self._start(path)
        self._warned_dates = False
        try:
            new = not path.exists() or path.stat().st_size == 0
            if new or write:
                self.conn = self._open_writable()
            else:
                self.conn = self._open_readonly()
            tables = self._tables()
            if not tables:  # a new catalogue (or one that a crash left empty)
                self._make()
                tables = self._tables()
        except sqlite3.Error as e:
            self.close()
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e
        except BaseException:
            self.close()
            raise
        self._read_schema(tables)
        if strict and self.schema_problems:
            self.close()
            raise self.schema_damaged()

    @reading
    def all_files(self) -> dict[str, FileRecord]:
        """Every known file: its content hash, size and modification time. (Not checked
        value by value: ingest only compares them, so a damaged record is a file read
        again; `check` names them.)"""
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

    @reading
    def article_ids_of(self, path: str, row: int | None = None) -> list[str]:
        """The articles a file holds (in row order), or the one at a row of it."""
        if row is None:
            sql = f"SELECT article_id FROM links WHERE path = ? ORDER BY {self._row}"
            return [r[0] for r in self.conn.execute(sql, (path,))]
        sql = f"SELECT article_id FROM links WHERE path = ? AND {self._row} = ?"
        return [r[0] for r in self.conn.execute(sql, (path, row))]

    # -- articles -------------------------------------------------------------------
    @reading
    def has_article(self, article_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
            is not None
        )

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
    @reading
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
            if type(p) is not int:  # a damaged band finds nothing
                continue
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

    def put_bands(self, article_id: str, keys: list[int]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO bands (key, article) VALUES (?, ?)",
            ((k, _prefix(article_id)) for k in keys),
        )

    def set_cluster(self, article_id: str, cluster: str) -> None:
        self.conn.execute("UPDATE articles SET cluster = ? WHERE id = ?", (cluster, article_id))

    @reading
    def unclustered(self) -> list[str]:
        """Articles not yet in a story (held before stories were made), oldest first."""
        sql = "SELECT id FROM articles WHERE cluster IS NULL ORDER BY added_at, rowid"
        return [r[0] for r in self.conn.execute(sql)]

    @reading
    def story_leaders(self) -> list[str]:
        """The articles whose bands the catalogue keeps: each story's first article."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE cluster = id")]

    def clear_bands(self) -> None:
        self.conn.execute("DELETE FROM bands")

    @reading
    def bodies(self, ids: list[str]) -> dict[str, str]:
        """The texts of these articles (those that exist). A damaged one is left out:
        `.get()` and iterating pass over it, `[id]` raises its Damaged."""
        out: dict[str, str] = _Found(self)
        damaged: dict[str, Damaged] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            try:
                rows = self.conn.execute(
                    f"SELECT id, body FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                rows = self._one_by_one("id, body", chunk, damaged)
            for aid, body in rows:
                try:
                    out[aid] = self.text(body, aid)
                except Damaged as e:
                    damaged[aid] = e
        return _FoundDamaged(self, out, damaged) if damaged else out

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
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING n > 1"
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

    def _span(self, where: str, params: tuple[Any, ...]) -> tuple[str | None, str | None]:
        """The first and last date of the articles `where` selects, damaged dates left
        out (named in a warning, once)."""
        self._dates()
        days = [
            d
            for (d,) in self.conn.execute(
                f"SELECT DISTINCT date FROM articles WHERE {where} AND date IS NOT NULL", params
            )
            if as_day(d) is not None
        ]
        return (min(days), max(days)) if days else (None, None)

    @reading
    def story_counts(self) -> tuple[int, int]:
        """Stories with more than one article, and the articles they hold."""
        if "cluster" not in self._columns:
            return 0, 0
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING n > 1)"
        ).fetchone()
        return int(row[0]), int(row[1])

    @reading
    def paths(self, article_id: str) -> list[str]:
        """Every place the article came from: a file's path, or path:row. A link that is
        damaged is left out, with a warning."""
        sql = f"SELECT path, {self._row} FROM links WHERE article_id = ? ORDER BY path, 2"
        try:
            rows = self.conn.execute(sql, (article_id,)).fetchall()
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
            warn(self._link_damaged(article_id, f"one of its links cannot be read ({e})"))
            return []
        out = []
        for path, row in rows:
            if type(path) is str and len(path) <= MAX_PATH_CHARS and type(row) is int:
                out.append(_place(path, row))
            else:
                why = text_flaw(path, MAX_PATH_CHARS)
                what = f"a link's path is {why}" if why else f"a link's row is {shown(row)}"
                warn(self._link_damaged(article_id, what))
        return out

    def _link_damaged(self, article_id: str, why: str) -> Damaged:
        return self.damaged("links_invalid", why, article_id)

    @reading
    def articles(self, ids: list[str], texts: bool = True) -> dict[str, Article]:
        """The articles with these ids (those that exist), each with its paths; without
        `texts`, their bodies are left unread (""): a long page of ids and titles does
        not decompress a text it does not show. A damaged article is left out: `.get()`
        passes over it with a warning (a page shows the rest), `[id]` raises its
        Damaged (`show` names it)."""
        out: dict[str, Article] = _Found(self)
        damaged: dict[str, Damaged] = {}
        columns = self._columns if texts else self._columns.replace(", body,", ", NULL,")
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            try:
                rows = self.conn.execute(
                    f"SELECT {columns} FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                rows = self._one_by_one(columns, chunk, damaged)
            paths = self._paths_of(chunk)
            for row in rows:
                try:
                    out[row[0]] = self._article(row, paths.get(row[0], []), texts)
                except Damaged as e:
                    damaged[row[0]] = e
        return _FoundDamaged(self, out, damaged) if damaged else out

    def _paths_of(self, chunk: list[str]) -> dict[str, list[str]]:
        """The paths of these articles, by id."""
        marks = ",".join("?" * len(chunk))
        paths: dict[str, list[str]] = {}
        try:
            rows = self.conn.execute(
                f"SELECT article_id, path, {self._row} FROM links"
                f" WHERE article_id IN ({marks}) ORDER BY path, 3",
                chunk,
            ).fetchall()
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
            return {aid: self.paths(aid) for aid in chunk}
        for aid, path, row in rows:
            if type(path) is str and len(path) <= MAX_PATH_CHARS and type(row) is int:
                paths.setdefault(aid, []).append(_place(path, row))
            else:  # the warnings named by paths()
                paths[aid] = self.paths(aid)
        return paths

    def _one_by_one(
        self, columns: str, ids: list[str], damaged: dict[str, Damaged]
    ) -> list[tuple[Any, ...]]:
        """The rows of these ids read one at a time, after SQLite could not hand over a
        value of one of them: each such row becomes Damaged."""
        rows = []
        for aid in ids:
            try:
                row = self.conn.execute(
                    f"SELECT {columns} FROM articles WHERE id = ?", (aid,)
                ).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                kind, why = self._unreadable_row("id = ?", (aid,), columns)
                damaged[aid] = self.damaged(kind, why, aid)
                continue
            if row is not None:
                rows.append(row)
        return rows

    def _unreadable_row(self, where: str, params: tuple[Any, ...], columns: str) -> tuple[str, str]:
        """Which value of a row SQLite cannot hand over, as (kind, why)."""
        for column in (c.strip() for c in columns.split(",")):
            if column in ("NULL", "rowid"):
                continue
            try:
                self.conn.execute(f"SELECT {column} FROM articles WHERE {where}", params).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                too_long = isinstance(e, sqlite3.DataError)
                what = (
                    f"longer than the {MAX_VALUE_BYTES:,} bytes any value may be"
                    if too_long
                    else "text that is not UTF-8"
                )
                if column == "body":
                    return (
                        "text_too_long" if too_long else "text_unreadable"
                    ), f"its text is {what}"
                if column == "id":
                    return "id_invalid", f"its id is {what}"
                return "field_invalid", f"its {column} is {what}"
        return "field_invalid", "a value cannot be read"

    @reading
    def dates_and_sources(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """The date (YYYY-MM-DD) and the source of each of these articles that exists. A
        damaged date (or source) is None, with a warning: the article counts as undated."""
        out: dict[str, tuple[str | None, str | None]] = {}
        days: set[Any] = {None}  # the dates found to be days (a few for many articles)
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, date, source FROM articles WHERE id IN ({marks})"
            for aid, date, source in self.conn.execute(sql, chunk):
                if date not in days:
                    if as_day(date) is None:
                        flaw = self.damaged("date_invalid", date_flaw(date), aid)
                        warn(flaw, "It is counted as undated.")
                        date = None
                    else:
                        days.add(date)
                if source is not None and (type(source) is not str or len(source) > MAX_TEXT_CHARS):
                    why = text_flaw(source)
                    warn(
                        self.damaged("field_invalid", f"its source is {why}", aid),
                        "It is counted as naming no outlet.",
                    )
                    source = None
                out[aid] = (date, source)
        return out

    def iter_articles(self) -> Iterator[Article]:
        """Every article, in the order they were added. A damaged one is left out, with
        a warning."""
        try:
            for _, row, flaw in self._scan(self._columns):
                if flaw is not None:
                    warn(flaw)
                    continue
                try:
                    a = self._article(row)
                except Damaged as e:
                    warn(e)
                    continue
                yield a
        except sqlite3.Error as e:
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e

    def _scan(
        self, columns: str, table: str = "articles"
    ) -> Iterator[tuple[int, tuple[Any, ...], Damaged | None]]:
        """Every row of a table in the order of its rowids, one at a time: (rowid, its
        columns, None), or (rowid, (), Damaged) for a row that SQLite cannot hand over
        (a value too long, text that is not UTF-8); the rows after it are read on."""
        last = -(1 << 63)
        while True:
            try:
                rows = self.conn.execute(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid",
                    (last,),
                )
                for row in rows:
                    last = row[0]
                    yield last, row[1:], None
                return
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
            # a row after `last` cannot be handed over (the cursor, which reads a row
            # ahead, dropped the one before it too): the next row is read on its own
            after = self.conn.execute(
                f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1", (last,)
            ).fetchone()
            if after is None:
                return
            last = after[0]
            try:
                row = self.conn.execute(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid = ?", (last,)
                ).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                yield last, (), self._unreadable(table, columns, last)
                continue
            yield last, row[1:], None

    def _unreadable(self, table: str, columns: str, rowid: int) -> Damaged:
        """The damage of a row that SQLite cannot hand over, named as well as it can be."""
        if table != "articles":
            return self.damaged(f"{table}_invalid", "a value cannot be read", row=rowid)
        kind, why = self._unreadable_row("rowid = ?", (rowid,), columns)
        try:
            aid = self.conn.execute("SELECT id FROM articles WHERE rowid = ?", (rowid,)).fetchone()[
                0
            ]
        except sqlite3.Error:
            aid = None
        return self.damaged(kind, why, aid if is_id(aid) else None, rowid)

    def _article(
        self, row: tuple[Any, ...], paths: list[str] | None = None, texts: bool = True
    ) -> Article:
        aid, date, title, derived, source, url, body, author, cluster = row
        # cheap checks of values already fetched: show and search pay next to nothing
        if not (
            type(aid) is str
            and HEX16(aid) is not None
            and type(title) is str
            and len(title) <= MAX_TEXT_CHARS
            and type(derived) is int
            and (source is None or (type(source) is str and len(source) <= MAX_TEXT_CHARS))
            and (url is None or (type(url) is str and len(url) <= MAX_TEXT_CHARS))
            and (author is None or (type(author) is str and len(author) <= MAX_TEXT_CHARS))
            and (
                cluster is None
                or cluster == aid
                or (type(cluster) is str and HEX16(cluster) is not None)
            )
        ):
            raise self._row_damaged(row, texts)
        day = None
        if date is not None and (day := as_day(date)) is None:
            raise self._row_damaged(row, texts)
        if texts:
            body = self.text(body, aid)
        return Article(
            id=aid,
            date=day,
            title=title,
            body=body or "",
            source=source,
            url=url,
            author=author,
            cluster=cluster,
            title_derived=bool(derived),
            paths=self.paths(aid) if paths is None else paths,
        )

    def _row_damaged(
        self, row: tuple[Any, ...], texts: bool = True, rowid: int | None = None
    ) -> Damaged:
        """The gravest damage of an article's row."""
        kind, why = self.flaws(row, texts)[0]
        return self.damaged(kind, why, row[0] if is_id(row[0]) else None, rowid)

    def flaws(self, row: tuple[Any, ...], texts: bool = True) -> list[tuple[str, str]]:
        """Everything wrong with an article's row (ARTICLE_COLUMNS), as (kind, why), the
        gravest first (MOVED, then date_invalid, then field_invalid); [] if nothing."""
        aid, date, title, derived, source, url, body, author, cluster = row
        out: list[tuple[str, str]] = []
        if not is_id(aid):
            out.append(("id_invalid", f"its id is {shown(aid)}, not 16 hex digits"))
        if texts:
            try:
                self._inflate(body)
            except FlawFound as f:
                out.append((f.kind, f.why))
        if date is not None and as_day(date) is None:
            out.append(("date_invalid", date_flaw(date)))
        for name, value in (("title", title), ("source", source), ("url", url), ("author", author)):
            if (value is not None or name == "title") and (why := text_flaw(value)):
                out.append(("field_invalid", f"its {name} is {why}"))
        if type(derived) is not int:
            out.append(("field_invalid", f"its title_derived is {shown(derived)}, not a number"))
        if cluster is not None and not is_id(cluster):
            out.append(("field_invalid", f"its story (cluster) is {shown(cluster)}, not an id"))
        return out

    @reading
    def ids_with_prefix(self, prefix: str, limit: int = 20) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                (escaped + "%", limit),
            )
            if type(r[0]) is str  # an id of another type is no prefix's (check names it)
        ]

    @reading
    def article_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    @reading
    def date_range(self) -> tuple[str | None, str | None]:
        """The first and the last date. Damaged dates are left out, with a warning."""
        first, last = self.conn.execute("SELECT min(date), max(date) FROM articles").fetchone()
        if (first is None or as_day(first)) and (last is None or as_day(last)):
            return first, last
        days = sorted(d for d in self._dates() if as_day(d) is not None)
        return (days[0], days[-1]) if days else (None, None)

    @reading
    def by_month(self) -> dict[str, int]:
        """Articles per month (YYYY-MM), in order. Damaged dates are left out, with a
        warning."""
        rows = self.conn.execute(
            "SELECT substr(date, 1, 7) AS m, count(*) FROM articles "
            "WHERE date IS NOT NULL GROUP BY m ORDER BY m"
        ).fetchall()
        if all(type(m) is str and MONTH(m) and in_years(m) for m, _ in rows):
            return {m: n for m, n in rows}
        counts: dict[str, int] = {}
        for date, n in self._dates().items():
            if as_day(date) is not None:
                counts[date[:7]] = counts.get(date[:7], 0) + n
        return dict(sorted(counts.items()))

    def _dates(self) -> dict[Any, int]:
        """Every date held with its count, after a damaged one was found among them:
        the damaged ones named in a warning (once), so that stats leaves them out."""
        rows = self.conn.execute(
            "SELECT date, count(*) FROM articles WHERE date IS NOT NULL GROUP BY date"
        ).fetchall()
        if not self._warned_dates:
            self._warned_dates = True
            e = self._dates_damaged()
            warnings.warn(DamagedWarning(f"{e.message} {e.hint}"), stacklevel=4)
        return {d: n for d, n in rows if type(d) is str}

    def _dates_damaged(self) -> Damaged:
        """The articles whose dates are damaged, named (the first of them), as one
        error: what stats and the lists of stories leave out."""
        bad = []
        for aid, date in self.conn.execute(
            "SELECT id, date FROM articles WHERE date IS NOT NULL AND (typeof(date) != 'text'"
            " OR length(date) != 10 OR date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
            " OR substr(date, 6, 2) NOT BETWEEN '01' AND '12'"
            " OR substr(date, 9, 2) NOT BETWEEN '01' AND '31'"
            " OR substr(date, 1, 4) NOT BETWEEN ? AND ?)",
            (f"{FIRST_YEAR:04d}", f"{LAST_YEAR:04d}"),
        ):
            bad.append((aid, date))
        if not bad:  # a day that is no day (2024-02-30): found by reading each
            days = self.conn.execute(
                "SELECT id, date FROM articles WHERE date IS NOT NULL"
            ).fetchall()
            bad = [(aid, date) for aid, date in days if as_day(date) is None]
        named = ", ".join(
            f"{aid if is_id(aid) else shown(aid)} ({shown(date)})" for aid, date in bad[:3]
        )
        more = f" and {len(bad) - 3:,} more" if len(bad) > 3 else ""
        n = len(bad)
        return Damaged(
            f"The catalogue {self.path} holds {n:,} article{'s' if n != 1 else ''} whose date "
            f"is no day (YYYY-MM-DD) or is outside the years {FIRST_YEAR}–{LAST_YEAR}: "
            f"{named}{more}; they are left out of the dates and months.",
            f"Run 'conflict check --repair --index {self.folder}': it {REPAIRS['date_invalid']}.",
            "date_invalid",
        )

    @reading
    def sources(self) -> list[tuple[str | None, int, str | None, str | None]]:
        """Every outlet (None: articles that name none) with its article count and its
        first and last date, the largest first. Spellings that differ only in case are
        one outlet, as --source matches them (outlet_key), shown as the most common."""
        rows = self.conn.execute(
            "SELECT source, count(*), min(date), max(date) FROM articles GROUP BY source"
        ).fetchall()
        merged: dict[str | None, list[Any]] = {}  # key -> [spellings by count, n, first, last]
        for source, n, first, last in rows:
            if source is not None and (why := text_flaw(source)):
                aid = self.conn.execute(
                    "SELECT id FROM articles WHERE source = ? LIMIT 1", (source,)
                ).fetchone()
                raise self.damaged("field_invalid", f"its source is {why}", aid and aid[0])
            if any(d is not None and as_day(d) is None for d in (first, last)):
                first, last = self._span("source IS ?", (source,))
            key = outlet_key(source) if source is not None else None
            have = merged.setdefault(key, [[], 0, first, last])
            have[0].append((-n, source))
            have[1] += n
            have[2] = min((d for d in (have[2], first) if d), default=None)
            have[3] = max((d for d in (have[3], last) if d), default=None)
        out = [(min(names)[1], n, first, last) for names, n, first, last in merged.values()]
        return sorted(out, key=lambda r: (-r[1], r[0] is None, r[0] or ""))

    @reading
    def undated_count(self) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM articles WHERE date IS NULL").fetchone()[0]
        )

    # -- watchlists -------------------------------------------------------------------
    def _watch_tables(self) -> None:  # made by the first watch, in its transaction
        for statement in WATCHES:
            self.conn.execute(statement)

    @reading
    def watches(self) -> list[tuple[str, str, str, str, str | None]]:
        """Every watch: name, query, filters (JSON), created, last run; by name."""
        if not self._has_table("watches"):
            return []
        sql = "SELECT name, query, filters, created, last_run FROM watches ORDER BY name"
        out = []
        for name, query, filters, created, last_run in self.conn.execute(sql):
            why = next(
                (
                    f"its {column} is {flaw}"
                    for column, value in (
                        ("name", name),
                        ("query", query),
                        ("filters", filters),
                        ("created", created),
                        ("last run", "" if last_run is None else last_run),
                    )
                    if (flaw := text_flaw(value, 65_536))
                ),
                None,
            )
            if why is None:
                try:
                    if not isinstance(json.loads(filters), dict):
                        why = "its filters are no JSON object"
                except ValueError:
                    why = "its filters are not JSON"
            if why is not None:
                named = name if type(name) is str else shown(name)
                raise DataError(
                    f"The watch {named!r} in the catalogue {self.path} is damaged: {why}.",
                    f"Remove it (conflict watch rm --index {self.folder} NAME) and add it again.",
                )
            out.append((name, query, filters, created, last_run))
        return out

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

    @reading
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

    @reading
    def name_records(self, table: str, keys: list[str]) -> dict[str, str]:
        """The records of these spellings (`name_keys`) or entries (`name_entries`); one
        that is not text is damage (names.py reads each as JSON)."""
        assert table in ("name_keys", "name_entries")
        marks = ",".join("?" * len(keys))
        sql = f"SELECT key, record FROM {table} WHERE key IN ({marks})"
        if table == "name_entries":
            sql = f"SELECT id, record FROM {table} WHERE id IN ({marks})"
        found = dict(self.conn.execute(sql, keys).fetchall())
        for key, record in found.items():
            if why := text_flaw(record, 1_000_000):
                raise DataError(
                    f"The place names kept in the catalogue {self.path} are damaged: the "
                    f"record of {shown(key)} is {why}.",
                    f"Run 'conflict check --repair --index {self.folder}': the names are then "
                    "read from conflict's own gazetteer until the next ingest stores them again.",
                )
        return found

    # -- damage: what check finds, and what --repair does about it ----------------------
    @reading
    def survey(self) -> Survey:
        """Every article's id and date (as check compares them with the index), and
        every damaged row of the articles, the links, the files and meta. Reads each
        text (bounded), one row at a time."""
        dates: dict[str, str | None] = {}
        flaws: list[Flaw] = []
        for rowid, row, damaged in self._scan(self._columns):
            if damaged is not None:
                flaws.append(Flaw(rowid, damaged.article, damaged.kind, damaged.why))
                if damaged.article is not None:
                    dates[damaged.article] = None
                continue
            aid = row[0]
            try:
                self._article(row, paths=[])
            except Damaged:
                found = self.flaws(row)
                article = aid if is_id(aid) else None
                flaws += [Flaw(rowid, article, kind, why) for kind, why in found]
            if is_id(aid):
                dates[aid] = row[1] if as_day(row[1]) is not None else None
        for rowid, (path, row, aid), damaged in self._scan(
            f"path, {self._row}, article_id", "links"
        ):
            if damaged is not None:
                flaws.append(Flaw(rowid, None, "links_invalid", "a value cannot be read"))
            elif (why := text_flaw(path, MAX_PATH_CHARS)) or type(row) is not int:
                what = f"its path is {why}" if why else f"its row is {shown(row)}"
                flaws.append(Flaw(rowid, aid if is_id(aid) else None, "links_invalid", what))
            elif type(aid) is not str:
                flaws.append(Flaw(rowid, None, "links_invalid", f"its article is {shown(aid)}"))
        for rowid, (path, sha, size, mtime), damaged in self._scan(
            "path, sha256, size, mtime", "files"
        ):
            if damaged is not None:
                flaws.append(Flaw(rowid, None, "files_invalid", "a value cannot be read"))
                continue
            why = text_flaw(path, MAX_PATH_CHARS) or text_flaw(sha, 64)
            if why is None and (type(size) is not int or type(mtime) not in (int, float)):
                why = f"its size is {shown(size)} and its time {shown(mtime)}"
            if why is not None:
                flaws.append(Flaw(rowid, None, "files_invalid", f"{shown(path)}: {why}"))
        for key in META_KEYS:
            try:
                self._meta_value(key)
            except Damaged as e:
                flaws.append(Flaw(0, None, "meta_invalid", e.message))
        if self._names_damaged():
            flaws.append(Flaw(0, None, "meta_invalid", "a record of the place names is not text"))
        return Survey(dates, flaws)

    @writing
    def mend(self, flaws: list[Flaw]) -> tuple[list[str], list[str]]:
        """What `check --repair` does about damaged rows, in the caller's write
        transaction: a row of articles whose id or text cannot be read is moved aside,
        one with a damaged date is made undated, a damaged title, source, url, author
        or story is mended (a text stored as bytes read as text; a title that cannot be
        read made from the text, as ingest makes one; the others emptied). Each row is
        first copied, as it was, into the table `damaged`. Damaged links are dropped
        and damaged file records forgotten (the next ingest reads those files again);
        damaged meta is written again. Returns the ids moved aside (to drop from the
        index) and those mended (to index again)."""
        self.conn.execute(DAMAGED)
        rows: dict[int, list[Flaw]] = {}
        for f in flaws:
            if f.kind in ARTICLE_KINDS:
                rows.setdefault(f.row, []).append(f)
        moved: list[str] = []
        mended: list[str] = []
        for rowid, found in rows.items():
            problem = "; ".join(f.why for f in found)
            aid = found[0].article
            if any(f.kind in MOVED for f in found):
                self._keep(rowid, problem, "moved aside")
                if aid is not None:  # its files are read again by the next ingest
                    self.conn.execute(
                        "UPDATE files SET size = -1, sha256 = '' WHERE path IN"
                        " (SELECT path FROM links WHERE article_id = ?)",
                        (aid,),
                    )
                    self.conn.execute("DELETE FROM links WHERE article_id = ?", (aid,))
                    moved.append(aid)
                self.conn.execute("DELETE FROM articles WHERE rowid = ?", (rowid,))
                continue
            self._keep(rowid, problem, "mended")
            self._mend_row(rowid)
            if aid is not None:
                mended.append(aid)
        for f in flaws:
            if f.kind == "links_invalid":
                self.conn.execute(
                    "UPDATE files SET size = -1, sha256 = '' WHERE path IN"
                    " (SELECT path FROM links WHERE rowid = ? AND typeof(path) = 'text')",
                    (f.row,),
                )
                self.conn.execute("DELETE FROM links WHERE rowid = ?", (f.row,))
            elif f.kind == "files_invalid":
                self.conn.execute(
                    "DELETE FROM links WHERE path IN (SELECT path FROM files WHERE rowid = ?)",
                    (f.row,),
                )
                self.conn.execute("DELETE FROM files WHERE rowid = ?", (f.row,))
        if any(f.kind == "meta_invalid" for f in flaws):
            self._mend_meta()
        return moved, mended

    def _keep(self, rowid: int, problem: str, action: str) -> None:
        """A row of articles copied as it is into the table `damaged` (by SQLite: no
        value passes through Python, however long it is)."""
        extra = ", ".join(c if c in self._columns else "NULL" for c in ("author", "cluster"))
        limit_values(self.conn, 1_000_000_000)  # as it is, whole
        try:
            self.conn.execute(
                f"INSERT INTO damaged SELECT rowid, {DAMAGED_COLUMNS}, {extra}, ?, ?, ?"
                " FROM articles WHERE rowid = ?",
                (problem, action, now_iso(), rowid),
            )
        finally:
            limit_values(self.conn, MAX_VALUE_BYTES)

    def _mend_row(self, rowid: int) -> None:
        """A row whose id and text can be read, its other values made right."""
        names = [c.strip() for c in self._columns.split(",")]
        got: dict[str, Any] = {}
        for column in names:
            if column == "NULL":
                continue
            try:
                got[column] = self._value(column, rowid)
            except FlawFound:
                got[column] = None  # longer than any value may be: not kept
        text = self._inflate(got["body"])
        date, derived, cluster = got["date"], got["title_derived"], got.get("cluster")
        fixed = {
            "date": date if date is None or as_day(date) is not None else None,
            "title": _mended_text(got["title"]),
            "title_derived": derived if type(derived) is int else 0,
            "source": _mended_text(got["source"]),
            "url": _mended_text(got["url"]),
        }
        if "author" in got:
            fixed["author"] = _mended_text(got["author"])
        if "cluster" in got:
            fixed["cluster"] = cluster if cluster is None or is_id(cluster) else None
        if fixed["title"] is None:  # a title that cannot be read, made from the text
            fixed["title"], fixed["title_derived"] = derive_title(text), 1
        sets = ", ".join(f"{c} = ?" for c in fixed)
        self.conn.execute(f"UPDATE articles SET {sets} WHERE rowid = ?", (*fixed.values(), rowid))

    def _value(self, column: str, rowid: int) -> Any:
        """One value of a row of articles; text that is not UTF-8 as its bytes; FlawFound
        when it is longer than MAX_VALUE_BYTES."""
        sql = "SELECT {} FROM articles WHERE rowid = ?"
        try:
            return self.conn.execute(sql.format(column), (rowid,)).fetchone()[0]
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
        try:
            return self.conn.execute(sql.format(f"CAST({column} AS BLOB)"), (rowid,)).fetchone()[0]
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
            raise FlawFound("field_invalid", "too long") from None

    def _mend_meta(self) -> None:
        """Damaged values of meta dropped (the schema version told again by the tables):
        a damaged index layout has the index built again; damaged place names are read
        from the package until the next ingest stores them again."""
        tables = self._tables()
        for key in META_KEYS:
            try:
                self._meta_value(key)
            except Damaged:
                self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                if key == "schema_version":
                    has = tables.get("articles", {})
                    version = (
                        3 if "cluster" in has else 2 if "row" in tables.get("links", {}) else 1
                    )
                    self.conn.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (str(version),)
                    )
        if self._names_damaged():
            self.conn.execute("DELETE FROM meta WHERE key = 'names'")

    def _meta_value(self, key: str) -> Any:
        return (
            self._meta_number(key) if key in ("schema_version", "index_layout") else self.meta(key)
        )

    def _names_damaged(self) -> bool:
        """Whether a record of the place names kept in the catalogue is not text."""
        return any(
            self._has_table(table)
            and self.conn.execute(
                f"SELECT 1 FROM {table} WHERE typeof(record) != 'text' LIMIT 1"
            ).fetchone()
            for table in ("name_keys", "name_entries")
        )


class Survey(NamedTuple):
    """What `Store.survey` finds: each article's date by id (None: undated, or a date
    that is damaged), and every damaged row."""

    dates: dict[str, str | None]
    flaws: list[Flaw]


SYNCED_KEY = "index_generation"  # archive.SYNCED: the index commit the catalogue follows
META_KEYS = ("schema_version", "index_layout", SYNCED_KEY, "names", "stories")
# the kinds of damage to a row of articles (mend mends or moves the row)
ARTICLE_KINDS = ("id_invalid", "text_unreadable", "text_too_long", "date_invalid", "field_invalid")


def _mended_text(value: Any) -> str | None:
    """A text field as --repair leaves it: text as it is, bytes read as UTF-8 (a
    character that is not, replaced), anything else (or too long) None."""
    if type(value) is bytes:
        value = value.decode("utf-8", "replace")
    if type(value) is str and len(value) <= MAX_TEXT_CHARS:
        return value
    return None


__all__ = [
    "BUSY_MS",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_VALUE_BYTES",
    "REPAIRS",
    "SCHEMA_VERSION",
    "TABLES",
    "ZLIB_LEVEL",
    "Damaged",
    "DamagedWarning",
    "Dictionary",
    "FileRecord",
    "Flaw",
    "Packed",
    "Store",
    "Survey",
    "now_iso",
    "pack",
    "schema_repairable",
    "warn",
]
