"""A team archive: one archive in a PostgreSQL database that several people, on several
machines, ingest into and search at once (`--index postgresql://...`, or service=NAME).

Its catalogue is the same Store as a local archive's, in the database
(engine/postgres/catalogue.py), and its search rows are the PostgreSQL engine's
(engine/postgres/), each on a connection of its own. Nothing of it is a file: no
folder is made, and no lock file is taken; writers take turns at each commit of the
catalogue (an advisory lock), and readers never wait for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conflictcli.archive import INDEX_LAYOUT, Archive
from conflictcli.errors import UsageError

if TYPE_CHECKING:
    from conflictcli.engine import Kind
    from conflictcli.engine.base import Engine
    from conflictcli.records.holdings import Stats


def open_archive(
    location: Path | str, create: bool = False, engine_name: str | None = None
) -> Archive:
    """The archive `location` names: a team archive for a PostgreSQL URL (or
    service=NAME), else the folder's (Archive.open)."""
    if isinstance(location, str):
        if is_team(location):
            if engine_name is not None:
                raise UsageError(
                    "A team archive's engine is PostgreSQL: --engine is for an archive in a folder."
                )
            return TeamArchive.at(location, create)
        location = Path(location)
    return Archive.open(location, create, engine_name)


def is_team(location: object) -> bool:
    """Whether `location` (what --index gave) names a team archive."""
    from conflictcli.engine.postgres.connect import is_location

    return isinstance(location, str) and is_location(location)


class TeamArchive(Archive):
    """An archive whose catalogue and search rows are in PostgreSQL."""

    def __init__(self, location: str, store: Any, writing: bool) -> None:
        super().__init__(store.folder, store, None, writing)
        self.location = location

    @classmethod
    def at(cls, location: str, create: bool = False) -> TeamArchive:
        """The team archive at `location`; with `create`, its tables made where missing
        (a role that may only read gets the error that says so when it writes)."""
        from conflictcli.engine.postgres.catalogue import TeamStore

        store = TeamStore(location, write=create)
        if create and store.meta("engine") is None:
            with store.batch():
                store.set_meta("engine", "postgres")
            store.commit()
        return cls(location, store, create)

    @property
    def kind(self) -> Kind:
        from conflictcli.engine import kind

        return kind("postgres")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from conflictcli import names
            from conflictcli.engine.postgres.connect import Guarded, connect
            from conflictcli.engine.postgres.engine import PostgresEngine

            conn = Guarded(connect(self.location), self.location)
            self._engine = PostgresEngine.open(conn, create=self._create)
            if self.store.meta("names") == names.signature(f"layout {INDEX_LAYOUT}"):
                self._engine.names = names.StoredNames(self.store)
        return self._engine

    @contextmanager
    def writing(self, wait: float, what: str = "ingest") -> Iterator[None]:
        """Nothing to take: writers take turns at each commit (TeamStore.begin)."""
        yield

    def new_engine(self) -> Engine:
        engine = self.engine
        engine.clear()  # type: ignore[attr-defined]
        return engine

    def index_present(self) -> bool:
        return True

    def stats(self) -> Stats:
        from conflictcli import holdings

        return holdings.stats(self.store, self.store.folder, self.engine.size())  # type: ignore

    def close(self) -> None:
        super().close()
        if self._engine is not None:
            self._engine.close()  # type: ignore[attr-defined]
