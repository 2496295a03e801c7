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
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from conflictcli.articles import derive_title
from conflictcli.errors import DataError
from conflictcli.store.clusters import Clusters
from conflictcli.store.connection import BUSY_MS, limit_values, now_iso, reading, writing
from conflictcli.store.damage import (
    MAX_PATH_CHARS,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MAX_VALUE_BYTES,
    MOVED,
    REPAIRS,
    Damaged,
    DamagedWarning,
    Flaw,
    FlawFound,
    as_day,
    is_id,
    shown,
    sql_error,
    text_flaw,
    unreadable_value,
    warn,
)
from conflictcli.store.dictionary import ZLIB_LEVEL, Dictionary, Packed, pack
from conflictcli.store.files import FileRecord
from conflictcli.store.meta import Meta
from conflictcli.store.schema import SCHEMA_VERSION, TABLES, schema_repairable

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


# The rows `check --repair` took out of `articles` or changed, each as it was: nothing
# is deleted. No column has a type, so that every value keeps the form it had.
DAMAGED = (
    "CREATE TABLE IF NOT EXISTS damaged (row INTEGER, id, date, title, title_derived,"
    " source, url, body, words, added_at, author, cluster, problem TEXT NOT NULL,"
    " action TEXT NOT NULL, at TEXT NOT NULL)"
)
DAMAGED_COLUMNS = "id, date, title, title_derived, source, url, body, words, added_at"


class Store(Clusters, Meta):
    """The catalogue at `path`, opened read-only unless `write` (or it is new): the
    first write transaction (`begin`) opens it for writing. A catalogue whose tables
    are not conflict's is a Damaged error at once, unless not `strict` (`check`, which
    reports them: `schema_problems`)."""

    def __init__(self, path: Path, write: bool = False, strict: bool = True) -> None:
        self._start(path)
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
