"""A team archive's catalogue in PostgreSQL: the same Store (store/) as a local
archive's, its SQL run on PostgreSQL through a connection that speaks SQLite's dialect
(SqliteDialect), so that one body of code keeps what the catalogue holds and how it is
read and checked, whichever database it is in.

The tables are made here at once, in PostgreSQL's types (TABLES); a table that a local
catalogue makes when first needed already exists. What SQLite's dialect writes that
PostgreSQL does not read is rewritten, statement by statement, once (`dialect()`):
`?` parameters, INSERT OR REPLACE / OR IGNORE (ON CONFLICT on the table's key), rowid
(a column of that name), typeof() and GLOB (functions made here). A database error is
raised as SQLite's (the store's own handling then names the archive, without its
password), and every value is a parameter, never SQL.

The engine's rows are written in the catalogue's write transaction (write_transaction,
which writer.py asks for), so that a checkpoint of an ingest commits both at once.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from conflictcli.engine.postgres.connect import connect, database_error, scrubbed, shown
from conflictcli.errors import DataError
from conflictcli.store import SYNCED_KEY, Store
from conflictcli.store.schema import SCHEMA_VERSION

CATALOGUE_LOCK = 0x636F6E666C696375  # the advisory lock of a catalogue's write transaction

# the catalogues with a write transaction open in this process, by location and thread:
# the engine's writer (writer.py) writes its rows in it, so that both commit at once
_WRITING: dict[tuple[str, int], TeamStore] = {}


def write_transaction(location: str) -> Any | None:
    """The connection of the catalogue's write transaction open at `location` in this
    thread (TeamStore.begin), what it holds sent; None when there is none. The search
    rows written in it commit with the catalogue, in one transaction: an ingest killed
    between a checkpoint's writes leaves neither, never an index ahead of its catalogue."""
    store = _WRITING.get((location, threading.get_ident()))
    if store is None or not store.conn.in_transaction:
        return None
    return store._dialect.raw


# Each table as PostgreSQL keeps it: its columns (as a local catalogue declares them),
# and its key. A `rowid` column stands for SQLite's, last, so that an INSERT of the
# other columns' values in order leaves it to its default.
_T, _I, _R, _B = "TEXT", "INTEGER", "REAL", "BLOB"
TABLES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "meta": ({"key": _T, "value": _T}, ("key",)),
    "articles": (
        {
            **{"id": _T, "date": _T, "title": _T, "title_derived": _I, "source": _T},
            **{"url": _T, "body": _T, "words": _I, "added_at": _T, "author": _T},
            **{"cluster": _T, "time": _T, "lang": _T, "meta": _T},
        },
        ("id",),
    ),
    "files": (
        {"path": _T, "sha256": _T, "size": _I, "mtime": _R, "ingested_at": _T},
        ("path",),
    ),
    "links": ({"path": _T, "row": _I, "article_id": _T}, ("path", "row", "article_id")),
    "runs": ({"id": _I, "started_at": _T, "finished_at": _T, "summary": _T}, ("id",)),
    "bands": ({"key": _I, "article": _I}, ("key", "article")),
    "sketches": ({"article": _I, "sketch": _B}, ("article",)),
    "dictionaries": ({"id": _I, "data": _B}, ("id",)),
    "name_keys": ({"key": _T, "record": _T}, ("key",)),
    "name_entries": ({"id": _T, "record": _T}, ("id",)),
    "watches": (
        {"name": _T, "query": _T, "filters": _T, "created": _T, "last_run": _T},
        ("name",),
    ),
    "watch_seen": ({"name": _T, "article_id": _T}, ("name", "article_id")),
    "watch_notes": ({"name": _T, "note": _T}, ("name", "note")),
}
_PG_TYPES = {_T: "text", _I: "bigint", _R: "double precision", _B: "bytea"}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS articles_date ON articles (date)",
    "CREATE INDEX IF NOT EXISTS articles_cluster ON articles (cluster)",
    "CREATE INDEX IF NOT EXISTS links_article ON links (article_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS articles_rowid ON articles (rowid)",
)
# SQLite's functions the store calls that PostgreSQL lacks, in the archive's schema
_FUNCTIONS = (
    *(
        f"CREATE OR REPLACE FUNCTION typeof(x {pg}) RETURNS text LANGUAGE sql IMMUTABLE "
        f"AS $$ SELECT CASE WHEN x IS NULL THEN 'null' ELSE '{name}' END $$"
        for pg, name in (
            ("text", "text"),
            ("bigint", "integer"),
            ("double precision", "real"),
            ("bytea", "blob"),
        )
    ),
    "CREATE OR REPLACE FUNCTION glob(x text, pattern text) RETURNS boolean LANGUAGE sql "
    "IMMUTABLE AS $$ SELECT x SIMILAR TO replace(replace(pattern, '*', '%'), '?', '_') $$",
)


def _table_sql(name: str) -> str:
    columns, key = TABLES[name]
    made = [f'"{c}" {_PG_TYPES[kind]}' for c, kind in columns.items()]
    if name == "articles":  # declared TEXT, as SQLite's; a body is packed (compressed)
        made[list(columns).index("body")] = '"body" bytea'

    if name == "runs":
        made[0] = '"id" bigint GENERATED BY DEFAULT AS IDENTITY'
    made.append("rowid bigint GENERATED BY DEFAULT AS IDENTITY")  # SQLite gives every table one
    made.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in key) + ")")
    if name == "links":  # as a local catalogue's: a file's links go with it
        made.append("FOREIGN KEY (path) REFERENCES files (path) ON DELETE CASCADE")
        made.append("FOREIGN KEY (article_id) REFERENCES articles (id)")
    return f"CREATE TABLE IF NOT EXISTS {name} (" + ", ".join(made) + ")"


def make_tables(conn: Any) -> None:
    """The catalogue's tables, made where missing (one transaction)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CATALOGUE_LOCK,))
        for name in TABLES:
            conn.execute(_table_sql(name))
        for statement in (*_INDEXES, *_FUNCTIONS):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
            (str(SCHEMA_VERSION),),
        )


_STRING = re.compile(r"'(?:[^']|'')*'")
_INSERT = re.compile(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+(\w+)\s*", re.IGNORECASE)


@functools.lru_cache(maxsize=512)
def dialect(sql: str) -> str | None:
    """SQLite's statement as PostgreSQL reads it; None: nothing to do here (a table or
    index a local catalogue makes on first need, a PRAGMA)."""
    head = sql.lstrip().upper()
    if head.startswith(("CREATE TABLE", "CREATE INDEX", "PRAGMA")):
        return None
    if head.startswith("BEGIN"):
        return "BEGIN"
    # literal text left as it is; % doubled (psycopg's), ? made %s
    parts, at = [], 0
    for m in _STRING.finditer(sql):
        parts.append(_plain(sql[at : m.start()]))
        parts.append(m.group(0).replace("%", "%%"))
        at = m.end()
    parts.append(_plain(sql[at:]))
    out = "".join(parts)
    out = re.sub(r"\bWITHOUT\s+ROWID\b", "", out, flags=re.IGNORECASE)
    # SQLite's empty list (x IN (): false; NOT IN (): true), which PostgreSQL refuses
    out = re.sub(r"\bIN\s*\(\s*\)", "IN (SELECT NULL WHERE FALSE)", out, flags=re.IGNORECASE)
    out = re.sub(r"(\w+)\s+NOT\s+GLOB\s+('(?:[^']|'')*')", r"NOT glob(\1, \2)", out)
    return _upsert(out)


def _plain(text: str) -> str:
    return text.replace("%", "%%").replace("?", "%s")


def _upsert(sql: str) -> str:
    found = _INSERT.match(sql)
    if found is None:
        return sql
    kind, table = found.group(1).upper(), found.group(2)
    rest = sql[found.end() :]
    columns, key = TABLES[table]
    if rest.startswith("("):  # a column list
        named = [c.strip() for c in rest[1 : rest.index(")")].split(",")]
    else:
        named = list(columns)
    made = f"INSERT INTO {table} {rest}"
    if kind == "IGNORE":
        return made + " ON CONFLICT DO NOTHING"
    others = [c for c in named if c not in key]
    if not others:
        return made + " ON CONFLICT DO NOTHING"
    sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in others)
    return made + f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


class SqliteDialect:
    """A psycopg connection as the store uses a sqlite3 one: execute() and executemany()
    of SQLite's SQL, in_transaction, close(); errors raised as sqlite3's.

    Inside a transaction, a write (INSERT, UPDATE, DELETE) is held and sent with the
    next statement that reads, commits or is not a write, all of them in one pipeline
    (one round trip to the server, not one a statement); what it returns (rowcount)
    is read after it was sent. A ROLLBACK drops what was held."""

    def __init__(self, conn: Any, location: str) -> None:
        self._conn = conn
        self._location = location
        self._held: list[tuple[str, list[list[Any]] | None, Any]] = []

    @property
    def raw(self) -> Any:
        self.flush()
        return self._conn

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self._conn.info.transaction_status != TransactionStatus.IDLE)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._run(sql, _values(params), None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        return self._run(sql, None, [_values(r) for r in rows])

    def _run(self, sql: str, params: list[Any] | None, rows: list[list[Any]] | None) -> Any:
        made = dialect(sql)
        cur = self._conn.cursor()
        if made is None:
            return cur
        if made.upper().startswith("ROLLBACK"):
            self._held.clear()
        elif _WRITE.match(made) and self.in_transaction:
            self._held.append((made, rows, (cur, params)))
            return _Later(self, cur)
        self.flush()
        self._send(cur, made, params, rows)
        return cur

    def _send(self, cur: Any, made: str, params: Any, rows: Any) -> None:
        import psycopg

        try:
            if rows is None:
                cur.execute(made, params or None)
            else:
                cur.executemany(made, rows)
        except psycopg.Error as e:
            raise _as_sqlite(e, self._location, made) from e

    def flush(self) -> None:
        """Send the writes held, in one pipeline."""
        if not self._held:
            return
        import psycopg

        held, self._held = self._held, []
        made = held[0][0]
        try:
            with self._conn.pipeline():
                for made, rows, (cur, params) in held:
                    self._send(cur, made, params, rows)
        except psycopg.Error as e:  # raised at the pipeline's end, for the statement made
            raise _as_sqlite(e, self._location, made) from e

    def executescript(self, script: str) -> None:
        """Tables made on first need elsewhere: here they are all made at once."""

    def close(self) -> None:
        self._held.clear()
        self._conn.close()


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class _Later:
    """The cursor of a write held by SqliteDialect: what is read of it sends it first."""

    def __init__(self, dialect: SqliteDialect, cur: Any) -> None:
        self._dialect, self._cur = dialect, cur

    def __getattr__(self, name: str) -> Any:
        self._dialect.flush()
        return getattr(self._cur, name)

    def __iter__(self) -> Any:
        self._dialect.flush()
        return iter(self._cur)


def _values(params: Sequence[Any]) -> list[Any]:
    return [bytes(v) if isinstance(v, memoryview) else v for v in params]


def _as_sqlite(e: Exception, location: str, sql: str) -> Exception:
    """A database error as the store handles SQLite's; a role's missing right, as the
    DataError that says what the role may do."""
    import psycopg

    text = scrubbed(str(e).strip(), location)
    if isinstance(e, psycopg.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(e, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction):
        reads = sql.lstrip().upper().startswith("SELECT")
        return database_error(e, location, "reading" if reads else "writing")
    return sqlite3.OperationalError(text)


class TeamStore(Store):
    """The catalogue of the team archive at `location` (postgresql://..., service=NAME)."""

    def __init__(self, location: str, write: bool = False, strict: bool = True) -> None:
        self.location = location
        self._start(Path("/nonexistent"))  # no file: the path and folder are its URL, shown
        self.path = self.folder = shown(location)  # type: ignore[assignment]
        raw = self._raw = connect(location)
        self._dialect = SqliteDialect(raw, location)
        self.conn = self._dialect  # type: ignore[assignment]
        self.writable = True
        try:
            if write and raw.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise DataError(
                    f"{shown(location)} is a read replica (a standby): it serves searches, "
                    "not ingests.",
                    "Ingest into the primary: its URL, or this one with "
                    "target_session_attrs=read-write.",
                )
            if raw.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
                if not write:
                    raise DataError(
                        f"There is no archive at {shown(location)} yet.",
                        f"Run 'conflict ingest <folder> --index {shown(location)}' to make it.",
                    )
                make_tables(raw)
        except DataError:
            raw.close()
            raise
        except Exception as e:
            raw.close()
            raise _cannot(e, location) from None
        self._read_schema(self._tables())
        if self.schema_version() > SCHEMA_VERSION:
            newer = self.newer()
            raw.close()
            raise newer
        if strict and self.schema_problems:
            raise self.schema_damaged()

    def reopened(self) -> TeamStore:
        return TeamStore(self.location)

    # -- what differs from a catalogue in a file --------------------------------------
    def _tables(self) -> dict[str, dict[str, str]]:
        """The catalogue's tables in the archive's schema, with their columns' types as
        a local catalogue declares them (a type of another kind shows as PostgreSQL's,
        which `check` names); rowid and the engine's tables are left out."""
        rows = self._dialect.raw.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) "
            "AND column_name <> 'rowid'",
            (list(TABLES),),
        ).fetchall()
        out: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            declared = TABLES[table][0].get(column, "")
            ours = {_PG_TYPES.get(declared), "bytea" if column == "body" else None}
            out.setdefault(table, {})[column] = declared if kind in ours else str(kind).upper()
        self._known = out
        return out

    def _has_column(self, table: str, column: str) -> bool:
        return column in self._known.get(table, {})

    def _has_table(self, table: str) -> bool:
        return table in self._known

    def upgrade(self) -> None:
        """The tables, columns, indexes and functions of this version made where missing
        (an archive made by an older conflict), in the caller's write transaction; then
        what the store's own upgrade does. A catalogue of a newer version is refused."""
        if self.schema_version() > SCHEMA_VERSION:
            raise self.newer()
        has = self._tables()
        missing = [
            (name, column)
            for name, (columns, _) in TABLES.items()
            for column in (columns if name in has else [""])
            if name not in has or column not in has[name]
        ]
        if missing or self.schema_version() < SCHEMA_VERSION:
            self._add(missing)
        self._read_schema(self._tables())
        super().upgrade()

    def _add(self, missing: list[tuple[str, str]]) -> None:
        """Tables ("" for the column) and columns made, and the indexes and functions
        of this version (DDL: only its owner may, and a role that may not is told so)."""
        import psycopg

        raw = self._dialect.raw
        statement = ""
        try:
            for name, column in missing:
                if not column:
                    statement = _table_sql(name)
                else:
                    kind = "bytea" if column == "body" else _PG_TYPES[TABLES[name][0][column]]
                    statement = f'ALTER TABLE {name} ADD COLUMN IF NOT EXISTS "{column}" {kind}'
                raw.execute(statement)
            for statement in (*_INDEXES, *_FUNCTIONS):
                raw.execute(statement)
        except psycopg.Error as e:
            raise _as_sqlite(e, self.location, statement) from e

    def newer(self) -> DataError:
        return DataError(
            f"The team archive at {shown(self.location)} was made by a newer version of "
            f"conflict (catalogue schema {self.schema_version()}; this one knows "
            f"{SCHEMA_VERSION}).",
            "Upgrade conflict (pip install -U 'conflict[postgres]') to use it.",
        )

    def open_for_writing(self) -> None:
        self.writable = True

    def begin(self, wait: bool = True) -> None:
        """A write transaction, one writer at a time for the whole archive (an advisory
        lock, held to the commit): readers are never held up."""
        self.conn.execute("BEGIN")
        try:
            self._raw.execute("SELECT pg_advisory_xact_lock(%s)", (CATALOGUE_LOCK,))
        except Exception:
            self.conn.execute("ROLLBACK")
            raise
        _WRITING[self.location, threading.get_ident()] = self

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._done()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._done()

    def _done(self) -> None:
        key = (self.location, threading.get_ident())
        if _WRITING.get(key) is self:
            del _WRITING[key]

    def set_meta(self, key: str, value: str) -> None:
        """A meta value set. The index commit the catalogue follows (archive.SYNCED) is
        the one this transaction sees: the engine's rows, and the commit's number with
        them, are written in it (write_transaction), and the engine's own connection
        sees the number before them until the two commit."""
        if key == SYNCED_KEY:
            raw = self._dialect.raw
            if raw.execute("SELECT to_regclass('engine_meta')").fetchone()[0]:
                sql = "SELECT value FROM engine_meta WHERE key = 'generation'"
                row = raw.execute(sql).fetchone()
                value = str(row[0]) if row else value
        super().set_meta(key, value)

    def close(self) -> None:
        self._done()
        self.conn.close()

    def read_only(self) -> DataError:
        return DataError(
            f"The team archive at {shown(self.location)} may not be changed by this role: "
            "it can search, show and export, not ingest.",
            "Ask the archive's owner for a role that may write, to ingest.",
        )

    def unreadable(self, e: sqlite3.Error) -> DataError:
        if "readonly" in str(e):
            return self.read_only()
        return DataError(
            f"The team archive at {shown(self.location)} failed: {e}.",
            "Try again; if it goes on, run 'conflict check' on it or ask its administrator.",
        )


def _cannot(e: Exception, location: str) -> DataError:
    return DataError(
        f"Cannot open the team archive at {shown(location)}: {scrubbed(str(e).strip(), location)}.",
        "Check the URL and that this role may use the database (CREATE on its schema, to "
        "make the archive).",
    )
