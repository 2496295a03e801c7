"""Writing the PostgreSQL engine's rows: changes held until a checkpoint, then written
in one transaction (deletions, then the new rows by COPY into a staging table and
INSERT ... ON CONFLICT DO NOTHING, so that an article two writers send at once is one
row), with their words; a search sees each checkpoint once it commits.

In a team archive that transaction is the catalogue's (catalogue.write_transaction),
when this process has one open at the archive, as an ingest always has at a
checkpoint: the rows commit when the catalogue does, with it, so that an ingest killed
at any moment leaves an index that holds what its catalogue holds, never an index
ahead of it (as an archive in a folder, whose two commits follow each other, may be
until the next ingest). Otherwise (no catalogue, as in the engine's tests) the rows
commit on the engine's own connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conflictcli.analysis import scan
from conflictcli.articles import Article
from conflictcli.engine.postgres import schema
from conflictcli.engine.postgres.documents import COLUMNS, FIELDS, Prepared, prepare, row

_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS staged_docs ON COMMIT DELETE ROWS AS "
    f"SELECT {', '.join(COLUMNS)} FROM docs WITH NO DATA",
    'CREATE TEMP TABLE IF NOT EXISTS staged_words (field text, term text COLLATE "C") '
    "ON COMMIT DELETE ROWS",
    # empty, also in a catalogue's transaction that a checkpoint before wrote in
    "TRUNCATE staged_docs, staged_words",
)

_HOLDS_DOCS = (
    "SELECT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() "
    "AND relation = 'docs'::regclass)"
)


class PostgresWriter:
    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._rows: dict[str, tuple[object, ...]] = {}
        self._words: set[tuple[str, str]] = set()
        self._deleted: set[str] = set()
        self.pending = 0

    def use_workers(self, mapper: Callable[..., Any] | None) -> None:
        """Nothing to hand to workers: the server does the writing."""

    def add(self, a: Article, prepared: Any = None) -> None:
        if prepared is None:  # read here, not by a worker
            prepared = prepare([a], [scan(a.body)])[0]
        p = prepared if isinstance(prepared, Prepared) else Prepared(*prepared)
        self._rows[a.id] = row(a, p)
        for name, terms in zip(FIELDS, p.words, strict=True):
            self._words.update((name, term) for term in terms)
        self.pending += 1

    def delete(self, article_id: str) -> None:
        self._rows.pop(article_id, None)
        self._deleted.add(article_id)
        self.pending += 1

    def checkpoint(self) -> bool:
        import psycopg

        if not self.pending:
            return False
        try:
            self._write()
        except psycopg.Error as e:
            from conflictcli.engine.postgres.connect import database_error

            raise database_error(e, getattr(self._conn, "_location", ""), "writing") from e
        self._rows.clear()
        self._words.clear()
        self._deleted.clear()
        self.pending = 0
        return True

    def _write(self) -> None:
        conn = _catalogues(self._conn) or self._conn
        # the month partitions first, each committed at once on the engine's connection;
        # in the catalogue's transaction if it holds docs already (the engine's would
        # wait for it to end, and it waits for this)
        days = {r[1] for r in self._rows.values() if r[1] is not None}
        holds = conn is not self._conn and days and conn.execute(_HOLDS_DOCS).fetchone()[0]
        schema.months_needed(conn if holds else self._conn, days)  # type: ignore[arg-type]
        with conn.transaction():  # in the catalogue's: a savepoint, committed with it
            for statement in _STAGING:
                conn.execute(statement)
            if self._deleted:
                conn.execute("DELETE FROM docs WHERE id = ANY(%s)", (list(self._deleted),))
            if self._rows:
                names = ", ".join(COLUMNS)
                with conn.cursor().copy(f"COPY staged_docs ({names}) FROM STDIN") as copy:
                    for made in self._rows.values():
                        copy.write_row(made)
                conn.execute(
                    f"INSERT INTO docs ({names}) SELECT {names} FROM staged_docs "
                    "ON CONFLICT DO NOTHING"
                )
            if self._words:
                with conn.cursor().copy("COPY staged_words (field, term) FROM STDIN") as copy:
                    for pair in self._words:
                        copy.write_row(pair)
                conn.execute(
                    "INSERT INTO words SELECT DISTINCT field, term FROM staged_words "
                    "ON CONFLICT DO NOTHING"
                )
            schema.next_generation(conn)

    def finish(self, commit: bool) -> None:
        if commit:
            self.checkpoint()
        else:
            self._rows.clear()
            self._words.clear()
            self._deleted.clear()
            self.pending = 0


def _catalogues(conn: Any) -> Any | None:
    """The connection of the team archive's catalogue transaction that the rows are
    written in (catalogue.write_transaction), or None: they commit on their own."""
    location = getattr(conn, "_location", None)
    if not location:
        return None
    from conflictcli.engine.postgres.catalogue import write_transaction

    return write_transaction(location)
