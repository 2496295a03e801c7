"""The gazetteer as the search reads it (names.py): made by an ingest, so that a search
looks up only the spellings its query holds instead of reading every one of them."""

from __future__ import annotations

from collections.abc import Iterable

from conflictcli.errors import DataError
from conflictcli.store.connection import reading
from conflictcli.store.damage import shown, text_flaw
from conflictcli.store.meta import Meta
from conflictcli.store.schema import Schema

NAMES = [
    "CREATE TABLE IF NOT EXISTS name_keys (key TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS name_entries (id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID",
]


class PlaceNames(Meta, Schema):
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

    def _names_damaged(self) -> bool:
        """Whether a record of the place names kept in the catalogue is not text."""
        return any(
            self._has_table(table)
            and self.conn.execute(
                f"SELECT 1 FROM {table} WHERE typeof(record) != 'text' LIMIT 1"
            ).fetchone()
            for table in ("name_keys", "name_entries")
        )
