"""Single values the catalogue keeps (table meta: the schema version, the index's layout
and generation, what the names and bands were made from), and the ingest runs."""

from __future__ import annotations

import json
from typing import Any

from conflictcli.store.connection import Connection, now_iso, reading
from conflictcli.store.damage import REPAIRS, Damaged, shown, text_flaw


class Meta(Connection):
    @reading
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

    @reading
    def last_run(self) -> str | None:
        """When the last ingest finished (a time that is not text is passed over)."""
        row = self.conn.execute(
            "SELECT max(finished_at) FROM runs WHERE typeof(finished_at) = 'text'"
        ).fetchone()
        if row is None or row[0] is None or text_flaw(row[0], 64):
            return None
        return str(row[0])
