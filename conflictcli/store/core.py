"""The catalogue as one object: Store, made of one class for each part of what it keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conflictcli.store.clusters import Clusters
from conflictcli.store.damage import sql_error
from conflictcli.store.mend import Mend
from conflictcli.store.metadata import Metadata
from conflictcli.store.watches import Watches


class Store(Clusters, Mend, Metadata, Watches):
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

    def reopened(self) -> Store:
        """The same catalogue on a connection of its own (a worker process's), to read."""
        return Store(self.path)
