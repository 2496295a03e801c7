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

import datetime as dt
import functools
import itertools
import json
import os
import re
import sqlite3
import warnings
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from conflictcli.articles import (
    FIRST_YEAR,
    LAST_YEAR,
    Article,
    derive_title,
    outlet_key,
)
from conflictcli.errors import ArchiveBusy, DataError
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


def _tables_of(script: str) -> dict[str, str]:
    """Each CREATE TABLE statement of a script, by its table's name."""
    out = {}
    for statement in script.split(";\n"):
        text = "\n".join(
            line for line in statement.strip().splitlines() if not line.startswith("--")
        )
        if found := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", text):
            out[found.group(1)] = text
    return out


SCHEMA_STATEMENTS = _tables_of(SCHEMA)  # what check --repair makes again (REMADE)

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


# The tables conflict makes, each column with the type it declares. The first five are
# in every catalogue; the others are made as they are needed (by an upgrade, the first
# dictionary, the first watch, ...) and compared when they are there.
TABLES: dict[str, dict[str, str]] = {
    "meta": {"key": "TEXT", "value": "TEXT"},
    "articles": {
        "id": "TEXT",
        "date": "TEXT",
        "title": "TEXT",
        "title_derived": "INTEGER",
        "source": "TEXT",
        "url": "TEXT",
        "body": "TEXT",
        "words": "INTEGER",
        "added_at": "TEXT",
        "author": "TEXT",
        "cluster": "TEXT",
    },
    "files": {
        "path": "TEXT",
        "sha256": "TEXT",
        "size": "INTEGER",
        "mtime": "REAL",
        "ingested_at": "TEXT",
    },
    "links": {"path": "TEXT", "row": "INTEGER", "article_id": "TEXT"},
    "runs": {"id": "INTEGER", "started_at": "TEXT", "finished_at": "TEXT", "summary": "TEXT"},
    "bands": {"key": "INTEGER", "article": "INTEGER"},
    "dictionaries": {"id": "INTEGER", "data": "BLOB"},
    "name_keys": {"key": "TEXT", "record": "TEXT"},
    "name_entries": {"id": "TEXT", "record": "TEXT"},
    "watches": {
        "name": "TEXT",
        "query": "TEXT",
        "filters": "TEXT",
        "created": "TEXT",
        "last_run": "TEXT",
    },
    "watch_seen": {"name": "TEXT", "article_id": "TEXT"},
    "damaged": {  # see DAMAGED
        **{c: "" for c in ("id", "date", "title", "title_derived", "source", "url", "body")},
        **{c: "" for c in ("words", "added_at", "author", "cluster")},
        "row": "INTEGER",
        "problem": "TEXT",
        "action": "TEXT",
        "at": "TEXT",
    },
}
REQUIRED = ("meta", "articles", "files", "links", "runs")
# columns that catalogues of older schemas lack (Store.upgrade adds them)
OPTIONAL_COLUMNS = {("articles", "author"), ("articles", "cluster"), ("links", "row")}
# tables that `check --repair` makes again, empty, when they are missing: they hold no
# text (the files and links are read again by the next ingest; bands are made again)
REMADE = ("meta", "files", "links", "runs", "bands")

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


F = TypeVar("F", bound=Callable[..., Any])


def _reading(method: F) -> F:
    """A read of the catalogue whose database errors (a damaged file, a value SQLite
    cannot hand over) are DataErrors naming the catalogue, not tracebacks."""

    @functools.wraps(method)
    def read(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e

    return read  # type: ignore[return-value]


def _writing(method: F) -> F:
    """A repair of the catalogue (in the caller's transaction, which rolls it back)
    whose database errors are DataErrors naming the catalogue."""

    @functools.wraps(method)
    def write(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not sql_error(e):
                raise
            raise DataError(
                f"The catalogue {self.path} cannot be repaired: {e}.",
                "Nothing was changed. Restore the catalogue from a copy, or ingest the "
                "files again into a new archive.",
            ) from e

    return write  # type: ignore[return-value]


class Store:
    """The catalogue at `path`, opened read-only unless `write` (or it is new): the
    first write transaction (`begin`) opens it for writing. A catalogue whose tables
    are not conflict's is a Damaged error at once, unless not `strict` (`check`, which
    reports them: `schema_problems`)."""

    def __init__(self, path: Path, write: bool = False, strict: bool = True) -> None:
        self.path = path
        self.folder = path.parent
        self._zdict: bytes | None = None
        self._zdicts: dict[int, bytes] | None = None
        self._samples: list[str] = []
        self._warned_dates = False
        self.writable = False
        self.immutable = False  # read where nothing can be written, not even a -wal file
        # every connection opened, closed by close() or when the store is collected,
        # then the -wal and -shm files a read-only one made removed (_cleanup)
        self._conns: list[sqlite3.Connection] = []
        self._made_wal = [False]
        self._finalizer = weakref.finalize(self, _cleanup, self._conns, path, self._made_wal)
        try:
            new = not path.exists() or path.stat().st_size == 0
            if new or write:
                self.conn = self._open_writable()
            else:
                self.conn = self._open_readonly()
            tables = self._tables()
            if not tables:  # a new catalogue (or one that a crash left empty)
                if not self.writable:
                    self.open_for_writing()
                # pages of 16 KiB hold compressed bodies of 1-3 KB with less left unused
                # than 4 KiB ones: the catalogue of ukraine-media-2022 35 -> 31 MB
                self.conn.execute("PRAGMA page_size = 16384")
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.executescript(SCHEMA + ";\n".join(STORIES))
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                tables = self._tables()
        except sqlite3.Error as e:
            self.close()
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e
        except BaseException:
            self.close()
            raise
        self.schema_problems = _schema_problems(tables)
        if strict and self.schema_problems:
            self.close()
            raise self.schema_damaged()
        # a catalogue of schema 1 has no rows in its links until an ingest upgrades it
        self._row = "row" if "row" in tables.get("links", {}) else "0"
        self._columns = self._article_columns(tables.get("articles", {}))

    # -- opening ----------------------------------------------------------------------
    def _connect(self, target: str, uri: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, timeout=BUSY_MS / 1000)
        self._conns.append(conn)
        _limit_values(conn, MAX_VALUE_BYTES)
        conn.execute("PRAGMA trusted_schema = OFF")  # a catalogue's schema calls nothing
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _open_writable(self) -> sqlite3.Connection:
        if not os.access(self.folder, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK)
        ):
            raise self.read_only()
        conn = self._connect(str(self.path))
        self.writable = True
        return conn

    def _open_readonly(self) -> sqlite3.Connection:
        """The catalogue opened to read (mode=ro). Where the folder cannot be written, a
        catalogue in WAL mode cannot make its -shm file: it is read as immutable then,
        unless a -wal file holds changes, which could not be seen."""
        uri = self.path.absolute().as_uri()
        wal = Path(f"{self.path}-wal")
        had_wal = wal.exists()
        conn = self._connect(f"{uri}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:
            if os.access(self.folder, os.W_OK):
                raise
            if had_wal and wal.stat().st_size > 0:
                raise DataError(
                    f"The catalogue {self.path} has changes in {wal.name} that cannot be "
                    f"read where the folder cannot be written ({self.folder}).",
                    "Copy the archive's folder somewhere writable and give that to --index.",
                ) from None
            conn = self._connect(f"{uri}?mode=ro&immutable=1", uri=True)
            self.immutable = True
        else:  # a -wal and -shm this reader made are removed when it is done (_cleanup)
            self._made_wal[0] = not had_wal and os.access(self.folder, os.W_OK)
        return conn

    def open_for_writing(self) -> None:
        """The catalogue opened for writing from here on (a DataError naming the folder
        when it cannot be); the read-only connection stays open for what reads it."""
        if self.writable:
            return
        keys = self.conn.execute("PRAGMA foreign_keys").fetchone()[0]
        conn = self._open_writable()
        conn.execute(f"PRAGMA foreign_keys = {int(keys)}")
        self.conn = conn

    def read_only(self) -> DataError:
        return DataError(
            f"The archive at {self.folder} is read-only: conflict can search, show and "
            "export it, not write to it.",
            "To add to it, copy the folder somewhere writable and give that to --index.",
        )

    def unreadable(self, e: sqlite3.Error) -> DataError:
        """A database error of the catalogue, as the user sees it."""
        if isinstance(e, sqlite3.OperationalError) and "readonly" in str(e):
            return self.read_only()
        if isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e)):
            return DataError(
                f"The catalogue {self.path} is locked by another process: {e}.",
                "Wait for it to finish and try again.",
            )
        return DataError(
            f"The catalogue {self.path} cannot be read: {e}.",
            f"Run 'conflict check --index {self.folder}' to see what is damaged; restore "
            "the catalogue from a copy if it cannot be repaired.",
        )

    def _tables(self) -> dict[str, dict[str, str]]:
        """Every table with its columns and their declared types (upper case)."""
        out: dict[str, dict[str, str]] = {}
        rows = self.conn.execute(
            "SELECT m.name, p.name, upper(p.type) FROM sqlite_master AS m,"
            " pragma_table_info(m.name) AS p WHERE m.type = 'table'"
            " UNION ALL SELECT ' ' || type, name, '' FROM sqlite_master"
            " WHERE type IN ('trigger', 'view')"
        )
        for table, column, kind in rows:
            out.setdefault(table, {})[column] = kind
        return out

    def schema_damaged(self) -> Damaged:
        problems = self.schema_problems
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        if schema_repairable(problems):
            hint = (
                f"Run 'conflict check --repair --index {self.folder}': it makes the "
                "missing tables again, empty (the next ingest reads the files again), "
                "and drops triggers and views."
            )
        else:
            hint = (
                "conflict cannot mend that: restore the catalogue from a copy, or ingest "
                f"the files again into a new archive ('conflict check --index {self.folder}' "
                "lists what is wrong)."
            )
        e = Damaged(
            f"The catalogue {self.path} is not as conflict makes it: {shown}.",
            hint,
            "catalogue_schema",
        )
        e.problems = list(problems)
        return e

    def _article_columns(self, has: dict[str, str]) -> str:
        return ARTICLE_COLUMNS.format(
            author="author" if "author" in has else "NULL",
            cluster="cluster" if "cluster" in has else "NULL",
        )

    def _links_have_rows(self) -> bool:
        return self._has_column("links", "row")

    def _has_column(self, table: str, column: str) -> bool:
        return any(r[1] == column for r in self.conn.execute(f"PRAGMA table_info({table})"))

    @_writing
    def remake_tables(self) -> list[str]:
        """The tables of REMADE that are missing, made again (empty), and the triggers
        and views dropped (conflict makes none), in the caller's write transaction;
        returns the tables made."""
        tables = self._tables()
        for kind in ("trigger", "view"):
            for name in tables.get(f" {kind}", {}):
                self.conn.execute(
                    f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"'
                )
        statements = {
            "meta": SCHEMA_STATEMENTS["meta"],
            "files": SCHEMA_STATEMENTS["files"],
            "links": SCHEMA_STATEMENTS["links"],
            "runs": SCHEMA_STATEMENTS["runs"],
            "bands": STORIES[1],
        }
        made = []
        for name in REMADE:
            if name in tables or (name == "bands" and "cluster" not in tables.get("articles", {})):
                continue
            self.conn.execute(statements[name])
            made.append(name)
        if "links" in made:
            self.conn.execute("CREATE INDEX IF NOT EXISTS links_article ON links(article_id)")
            self._row = "row"
        if "meta" in made:
            self.conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        if "bands" in made:  # made again from the stories' first articles by the next ingest
            self.conn.execute("DELETE FROM meta WHERE key = 'stories'")
        self.schema_problems = _schema_problems(self._tables())
        return made

    def upgrade(self) -> None:
        """Bring a catalogue made by an older version to SCHEMA_VERSION, inside the
        caller's write transaction."""
        if not self._has_column("articles", "author"):
            self.conn.execute("ALTER TABLE articles ADD COLUMN author TEXT")
        if not self._has_column("articles", "cluster"):  # stories are made by the ingest
            self.conn.execute("ALTER TABLE articles ADD COLUMN cluster TEXT")
            for statement in STORIES:
                self.conn.execute(statement)
        self._columns = self._article_columns(self._tables().get("articles", {}))
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

    def close(self) -> None:
        self._finalizer()

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
        writes (ArchiveBusy) instead of waiting for it. A catalogue opened to read is
        opened for writing first (a DataError when its folder cannot be written)."""
        self.open_for_writing()
        try:
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
        except sqlite3.OperationalError as e:
            if "readonly" in str(e):
                raise self.read_only() from e
            raise

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._zdict = self._zdicts = None  # a dictionary made in it is gone with it

    # -- files ----------------------------------------------------------------------
    @_reading
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

    @_reading
    def article_ids_of(self, path: str, row: int | None = None) -> list[str]:
        """The articles a file holds (in row order), or the one at a row of it."""
        if row is None:
            sql = f"SELECT article_id FROM links WHERE path = ? ORDER BY {self._row}"
            return [r[0] for r in self.conn.execute(sql, (path,))]
        sql = f"SELECT article_id FROM links WHERE path = ? AND {self._row} = ?"
        return [r[0] for r in self.conn.execute(sql, (path, row))]

    # -- articles -------------------------------------------------------------------
    @_reading
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
        """Every dictionary of the catalogue, by its Adler-32 checksum. A row that is
        no dictionary (not bytes, longer than zlib's window) is passed over: the texts
        that name it are damaged."""
        if self._zdicts is None:
            try:
                rows = self.conn.execute(
                    "SELECT id, data FROM dictionaries WHERE typeof(id) = 'integer'"
                    " AND typeof(data) = 'blob' AND length(data) <= ?",
                    (Dictionary.SIZE,),
                ).fetchall()
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

    def text(self, body: bytes | str, article: str | None = None) -> str:
        """A body as stored, read back: compressed (with the dictionary its zlib stream
        names, or none), or plain text (catalogues made before compression). One that
        cannot be read, or is longer than any article, is Damaged (naming `article`)."""
        try:
            return self._inflate(body)
        except FlawFound as f:
            raise self.damaged(f.kind, f.why, article) from None

    def _inflate(self, body: object) -> str:
        if type(body) is not bytes:
            if type(body) is str:  # a catalogue made before compression
                if len(body) > MAX_TEXT_CHARS:
                    raise FlawFound("text_too_long", f"its text is {len(body):,} characters long")
                return body
            raise FlawFound("text_unreadable", f"its text is {shown(body)}, not compressed text")
        zdict = None
        if len(body) > 5 and body[1] & 0x20:  # FDICT: a dictionary, named by checksum
            key = int.from_bytes(body[2:6], "big")
            zdict = self._dictionaries().get(key)
            if zdict is None:
                raise FlawFound(
                    "text_unreadable",
                    "its text cannot be read back: the catalogue lacks the dictionary "
                    f"({key:08x}) it was compressed with",
                )
        try:
            d = zlib.decompressobj() if zdict is None else zlib.decompressobj(zdict=zdict)
            # no further than any article's text: a small body may inflate to gigabytes
            data = d.decompress(body, MAX_TEXT_BYTES + 1)
        except zlib.error as e:
            raise FlawFound("text_unreadable", f"its text cannot be read back ({e})") from None
        if len(data) > MAX_TEXT_BYTES:
            raise FlawFound(
                "text_too_long",
                f"its text inflates past {MAX_TEXT_BYTES:,} bytes, more than an article holds",
            )
        if not d.eof:
            raise FlawFound("text_unreadable", "its text cannot be read back: it is cut short")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FlawFound(
                "text_unreadable", f"its text cannot be read back: it is not UTF-8 ({e.reason})"
            ) from None
        if len(text) > MAX_TEXT_CHARS:
            raise FlawFound("text_too_long", f"its text is {len(text):,} characters long")
        return text

    def damaged(
        self, kind: str, why: str, article: str | None = None, row: int | None = None
    ) -> Damaged:
        """The error for a damaged article (named by id, or by row when its id is
        damaged), with what `check --repair` does about it."""
        if article is not None:
            what = f"Article {article}"
        elif row is not None:
            what = f"Row {row} of the articles"
        else:
            what = "An article"
        e = Damaged(
            f"{what} in the catalogue {self.path} is damaged: {why}.",
            f"Run 'conflict check --repair --index {self.folder}': it {REPAIRS[kind]}.",
            kind,
            article,
        )
        e.why = why
        return e

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
    @_reading
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

    @_reading
    def unclustered(self) -> list[str]:
        """Articles not yet in a story (held before stories were made), oldest first."""
        sql = "SELECT id FROM articles WHERE cluster IS NULL ORDER BY added_at, rowid"
        return [r[0] for r in self.conn.execute(sql)]

    @_reading
    def story_leaders(self) -> list[str]:
        """The articles whose bands the catalogue keeps: each story's first article."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE cluster = id")]

    def clear_bands(self) -> None:
        self.conn.execute("DELETE FROM bands")

    @_reading
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

    @_reading
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

    @_reading
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

    @_reading
    def story_counts(self) -> tuple[int, int]:
        """Stories with more than one article, and the articles they hold."""
        if "cluster" not in self._columns:
            return 0, 0
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM articles"
            " WHERE cluster IS NOT NULL GROUP BY cluster HAVING n > 1)"
        ).fetchone()
        return int(row[0]), int(row[1])

    @_reading
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

    @_reading
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

    @_reading
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

    @_reading
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

    @_reading
    def article_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    @_reading
    def date_range(self) -> tuple[str | None, str | None]:
        """The first and the last date. Damaged dates are left out, with a warning."""
        first, last = self.conn.execute("SELECT min(date), max(date) FROM articles").fetchone()
        if (first is None or as_day(first)) and (last is None or as_day(last)):
            return first, last
        days = sorted(d for d in self._dates() if as_day(d) is not None)
        return (days[0], days[-1]) if days else (None, None)

    @_reading
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

    @_reading
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

    @_reading
    def undated_count(self) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM articles WHERE date IS NULL").fetchone()[0]
        )

    @_reading
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if text_flaw(row[0], 4096):
            raise self._meta_damaged(key, row[0])
        return str(row[0])

    def _meta_damaged(self, key: str, value: Any) -> Damaged:
        return Damaged(
            f"The catalogue {self.path} is damaged: its {key} is {shown(value)}.",
            f"Run 'conflict check --repair --index {self.folder}': it {REPAIRS['meta_invalid']}.",
            "meta_invalid",
        )

    def _meta_number(self, key: str) -> int | None:
        """A number kept in meta (None: not there); damaged when it is no number."""
        value = self.meta(key)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit() and len(value) < 10):
            raise self._meta_damaged(key, value)
        return int(value)

    def schema_version(self) -> int:
        """The schema the catalogue says it has (0: catalogues made before it was kept)."""
        return self._meta_number("schema_version") or 0

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- watchlists -------------------------------------------------------------------
    def _watch_tables(self) -> None:  # made by the first watch, in its transaction
        for statement in WATCHES:
            self.conn.execute(statement)

    @_reading
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

    @_reading
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

    @_reading
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

    # -- layout of the search index ----------------------------------------------------
    def index_layout(self) -> int:
        """The layout of the search index beside this catalogue: 1 for archives made
        before layouts were recorded."""
        return self._meta_number("index_layout") or 1

    def set_index_layout(self, layout: int) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('index_layout', ?)", (str(layout),))

    # -- runs -----------------------------------------------------------------------
    def record_run(self, started_at: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO runs (started_at, finished_at, summary) VALUES (?, ?, ?)",
            (started_at, now_iso(), json.dumps(summary)),
        )

    @_reading
    def last_run(self) -> str | None:
        """When the last ingest finished (a time that is not text is passed over)."""
        row = self.conn.execute(
            "SELECT max(finished_at) FROM runs WHERE typeof(finished_at) = 'text'"
        ).fetchone()
        if row is None or row[0] is None or text_flaw(row[0], 64):
            return None
        return str(row[0])

    # -- damage: what check finds, and what --repair does about it ----------------------
    @_reading
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

    @_writing
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
        _limit_values(self.conn, 1_000_000_000)  # as it is, whole
        try:
            self.conn.execute(
                f"INSERT INTO damaged SELECT rowid, {DAMAGED_COLUMNS}, {extra}, ?, ?, ?"
                " FROM articles WHERE rowid = ?",
                (problem, action, now_iso(), rowid),
            )
        finally:
            _limit_values(self.conn, MAX_VALUE_BYTES)

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


def schema_repairable(problems: list[str]) -> bool:
    """Whether check --repair mends every one of these problems of the schema: tables of
    REMADE missing, triggers and views."""
    return all(
        (p.endswith(" is missing") and p.split()[:1] == ["table"] and p.split()[1] in REMADE)
        or p.split()[:1] in (["trigger"], ["view"])
        for p in problems
    )


def _schema_problems(tables: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with a catalogue's tables: each one missing, each column missing
    or of another type ([] for a new catalogue, which has none)."""
    if not tables:
        return []
    problems = [  # SQL the catalogue would run when read or written: conflict makes none
        f"{kind.strip()} {name!r} is not conflict's"
        for kind, names in tables.items()
        if kind in (" trigger", " view")
        for name in names
    ]
    for table, columns in TABLES.items():
        has = tables.get(table)
        if has is None:
            if table in REQUIRED or (table == "bands" and "cluster" in tables.get("articles", {})):
                problems.append(f"table {table} is missing")
            continue
        for column, kind in columns.items():
            if column not in has:
                if (table, column) not in OPTIONAL_COLUMNS:
                    problems.append(f"{table}.{column} is missing")
            elif has[column] != kind:
                problems.append(f"{table}.{column} is {has[column] or 'of no type'}, not {kind}")
    return problems


def _limit_values(conn: sqlite3.Connection, length: int) -> None:
    """No value longer than `length` bytes handed over by SQLite (SQLITE_LIMIT_LENGTH;
    Python 3.11 and later: before, values are only checked once read)."""
    setlimit = getattr(conn, "setlimit", None)
    if setlimit is not None:
        setlimit(getattr(sqlite3, "SQLITE_LIMIT_LENGTH", 0), length)


def _cleanup(conns: list[sqlite3.Connection], path: Path, made_wal: list[bool]) -> None:
    """Close a store's connections; then, if a read-only one made the catalogue's -wal
    and -shm files (a reader cannot remove them), have SQLite remove them as the last
    connection does, unless another process uses them."""
    for conn in conns:
        with suppress(sqlite3.Error):
            conn.close()
    conns.clear()
    if made_wal[0] and os.path.exists(f"{path}-wal"):
        made_wal[0] = False
        try:
            conn = sqlite3.connect(str(path), timeout=0)
            try:
                conn.execute("PRAGMA schema_version").fetchone()
            finally:
                conn.close()
        except (sqlite3.Error, OSError):
            pass
