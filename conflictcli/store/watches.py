"""Watchlists (archive.watch_*): saved searches, and the articles and notes each has
shown."""

from __future__ import annotations

import json
from typing import Any

from conflictcli.errors import DataError
from conflictcli.store.connection import now_iso, reading
from conflictcli.store.damage import shown, text_flaw
from conflictcli.store.schema import Schema

# made by the first watch, in its transaction
WATCHES = [
    "CREATE TABLE IF NOT EXISTS watches (name TEXT PRIMARY KEY, query TEXT NOT NULL,"
    " filters TEXT NOT NULL, created TEXT NOT NULL, last_run TEXT)",
    "CREATE TABLE IF NOT EXISTS watch_seen (name TEXT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (name, article_id)) WITHOUT ROWID",
]
# made by the first run that shows a note (archives of before have watches without it)
WATCH_NOTES = (
    "CREATE TABLE IF NOT EXISTS watch_notes (name TEXT NOT NULL, note TEXT NOT NULL,"
    " PRIMARY KEY (name, note)) WITHOUT ROWID"
)


class Watches(Schema):
    @reading
    def watches(self) -> list[tuple[str, str, str, str, str | None]]:
        """Every watch: name, query, filters (JSON), created, last run; by name."""
        if not self._has_table("watches"):
            return []
        sql = "SELECT name, query, filters, created, last_run FROM watches ORDER BY name"
        out = []
        for name, query, filters, created, last_run in self.conn.execute(sql):
            why = _watch_flaw(name, query, filters, created, last_run)
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
            for statement in WATCHES:
                self.conn.execute(statement)
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
            if self._has_table("watch_notes"):
                self.conn.execute("DELETE FROM watch_notes WHERE name = ?", (name,))
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

    @reading
    def watch_notes(self, name: str) -> set[str]:
        """The notes the watch has shown (how its query was read)."""
        if not self._has_table("watch_notes"):
            return set()
        sql = "SELECT note FROM watch_notes WHERE name = ?"
        return {r[0] for r in self.conn.execute(sql, (name,)) if type(r[0]) is str}

    def watched(self, name: str, shown: list[str], notes: list[str] | None = None) -> None:
        """The watch ran and showed these articles, and these notes."""
        with self.batch():
            self._mark_seen(name, shown)
            if notes and self._make_table("watch_notes", WATCH_NOTES):
                self.conn.executemany(
                    "INSERT OR IGNORE INTO watch_notes VALUES (?, ?)", ((name, n) for n in notes)
                )
            self.conn.execute("UPDATE watches SET last_run = ? WHERE name = ?", (now_iso(), name))
        self.commit()

    def _mark_seen(self, name: str, ids: list[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO watch_seen VALUES (?, ?)", ((name, i) for i in ids)
        )


def _watch_flaw(name: Any, query: Any, filters: Any, created: Any, last_run: Any) -> str | None:
    """What is wrong with a watch's row, or None."""
    for column, value in (
        ("name", name),
        ("query", query),
        ("filters", filters),
        ("created", created),
        ("last run", "" if last_run is None else last_run),
    ):
        if flaw := text_flaw(value, 65_536):
            return f"its {column} is {flaw}"
    try:
        if not isinstance(json.loads(filters), dict):
            return "its filters are no JSON object"
    except ValueError:
        return "its filters are not JSON"
    return None
