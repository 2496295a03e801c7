"""The catalogue's connection to SQLite: opening it (read-only until the first write),
write transactions, closing, and the errors that name the catalogue.

Commands that only read open the catalogue read-only, so that an archive on a DVD or a
read-only share can be searched; the first write (`begin`) opens it for writing, and a
folder that cannot be written is a DataError naming it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from conflictcli.errors import ArchiveBusy, DataError
from conflictcli.store.damage import MAX_VALUE_BYTES, REPAIRS, Damaged, sql_error

BUSY_MS = 30_000  # how long a statement waits for another process's write
IDS_PER_STATEMENT = 500  # ids bound in one statement (SQLite limits its parameters)
# How the connection that writes uses SQLite (bench/bytes_written.py measures each; an
# ingest commits at every checkpoint, and each commit writes every page it changed):
WRITER_PRAGMAS = (
    # the pages a checkpoint's transaction changes stay in memory until it commits:
    # with SQLite's default (2 MB), the bands' and indexes' pages spilled to the WAL
    # and were written again and again (3.7 GB of write() at 50,000 articles, 0.6 now,
    # the same bytes on the disk). A commit changes about 20 MB of pages at 50,000
    # articles, 100 MB at 300,000; a larger cache grew the ingest's memory more than
    # its size (32 MiB: +125 MB at 50,000 articles; 16 MiB: +40 MB)
    "cache_size = -16384",
    # statement journals (an INSERT OR REPLACE's, a few pages) in memory, not in
    # temporary files: 110 MB of writes every 1,000 articles
    "temp_store = MEMORY",
    # the WAL copied into the catalogue every 16,384 pages (256 MiB of 16 KiB pages),
    # not every 1,000: a page that several commits change is copied once (the disk's
    # bytes of ten commits at 50,000 articles: 700 MB -> 220 MB) ...
    "wal_autocheckpoint = 16384",
    # ... and the WAL cut back to 64 MiB once copied
    "journal_size_limit = 67108864",
)

F = TypeVar("F", bound=Callable[..., Any])


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def id_groups(ids: list[str]) -> Iterator[list[str]]:
    """The ids in groups of IDS_PER_STATEMENT, each read by one statement."""
    for i in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[i : i + IDS_PER_STATEMENT]


class Connection:
    """The connection to the catalogue at `path`, and the errors that name it. Every
    connection opened is closed by close(), or when the store is collected; then the
    -wal and -shm files a read-only one made are removed (_cleanup)."""

    conn: sqlite3.Connection

    def _start(self, path: Path) -> None:
        self.path = path
        self.folder = path.parent
        self.writable = False
        self.immutable = False  # read where nothing can be written, not even a -wal file
        self._conns: list[sqlite3.Connection] = []
        self._made_wal = [False]
        self._finalizer = weakref.finalize(self, _cleanup, self._conns, path, self._made_wal)

    def _connect(self, target: str, uri: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, timeout=BUSY_MS / 1000)
        self._conns.append(conn)
        limit_values(conn, MAX_VALUE_BYTES)
        conn.execute("PRAGMA trusted_schema = OFF")  # a catalogue's schema calls nothing
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _open_writable(self) -> sqlite3.Connection:
        if not os.access(self.folder, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK)
        ):
            raise self.read_only()
        conn = self._connect(str(self.path))
        for pragma in WRITER_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
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

    # -- errors that name the catalogue --------------------------------------------
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


def reading(method: F) -> F:
    """A read of the catalogue whose database errors (a damaged file, a value SQLite
    cannot hand over) are DataErrors naming the catalogue, not tracebacks."""

    @functools.wraps(method)
    def read(self: Connection, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e

    return read  # type: ignore[return-value]


def writing(method: F) -> F:
    """A repair of the catalogue (in the caller's transaction, which rolls it back)
    whose database errors are DataErrors naming the catalogue."""

    @functools.wraps(method)
    def write(self: Connection, *args: Any, **kwargs: Any) -> Any:
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


def limit_values(conn: sqlite3.Connection, length: int) -> None:
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
