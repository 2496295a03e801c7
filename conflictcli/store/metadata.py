"""An article's metadata revised in place: what a file gives again with other metadata
(a new `--map`, a title line added) changes the article it already held, without its
text being read or filed again (ingest's Filing.revise)."""

from __future__ import annotations

import sqlite3
from typing import Any

from conflictcli.store.article_rows import Articles
from conflictcli.store.connection import id_groups, reading
from conflictcli.store.damage import unreadable_value

# what a source may give again for an article it holds; the date is part of the id
REVISABLE = ("title", "source", "url", "author")


class Metadata(Articles):
    @reading
    def metadata(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The revisable values of these articles (those that exist), and whether the
        title was derived from the text. A group with a value SQLite cannot hand over
        (a damaged row: `check` names it) is left out: its articles are not revised."""
        out: dict[str, dict[str, Any]] = {}
        columns = ", ".join(("id", "title_derived", *REVISABLE))
        for group in id_groups(ids):
            marks = ",".join("?" * len(group))
            sql = f"SELECT {columns} FROM articles WHERE id IN ({marks})"
            try:
                rows = self.conn.execute(sql, group).fetchall()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                continue
            for row in rows:
                out[row[0]] = dict(zip(("title_derived", *REVISABLE), row[1:], strict=True))
        return out

    def revise(self, article_id: str, values: dict[str, Any]) -> None:
        """New values for some of REVISABLE (and title_derived) of one article."""
        given = {k: v for k, v in values.items() if k in (*REVISABLE, "title_derived")}
        if not given:
            return
        sets = ", ".join(f"{k} = ?" for k in given)
        self.conn.execute(f"UPDATE articles SET {sets} WHERE id = ?", (*given.values(), article_id))
