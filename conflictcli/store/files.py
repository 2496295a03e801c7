"""The files an archive was read from (with their content hashes: has a file changed
since?) and the links that say which articles each holds, and where in it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from typing import NamedTuple

from conflictcli.store.connection import now_iso, reading
from conflictcli.store.damage import (
    MAX_PATH_CHARS,
    Damaged,
    shown,
    text_flaw,
    unreadable_value,
    warn,
)
from conflictcli.store.schema import Schema

_GROUP = 500  # values in one IN (...) of a query
READ_AGAIN = "read again"  # the hash of a file that rm took articles of (read_again)


class FileRecord(NamedTuple):  # a tuple: a million of them are made on every ingest
    path: str
    sha256: str
    size: int
    mtime: float


def place(path: str, row: int) -> str:
    """Where an article came from: a file's path, or path:row."""
    return f"{path}:{row}" if row else path


class Files(Schema):
    @reading
    def all_files(self) -> dict[str, FileRecord]:
        """Every known file: its content hash, size and modification time. (Not checked
        value by value: ingest only compares them, so a damaged record is a file read
        again; `check` names them.)"""
        rows = self.conn.execute("SELECT path, sha256, size, mtime FROM files")
        return {r[0]: FileRecord(*r) for r in rows}

    @reading
    def all_links(self) -> list[tuple[str, int, str]]:
        """Every link: (path, row, article id), as `conflict copy` takes them over."""
        sql = f"SELECT path, {self._row}, article_id FROM links ORDER BY path, 2, 3"
        return [(str(p), int(r), str(a)) for p, r, a in self.conn.execute(sql)]

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

    @reading
    def recorded_under(self, path: str) -> list[str]:
        """The files recorded at `path`, or under it (a folder), by path: as ingest
        recorded them (absolute, links resolved). (substr, not a range of paths: a team
        archive's text may sort by a locale's rules.)"""
        folder = path.rstrip(os.sep) + os.sep
        rows = self.conn.execute(
            "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ? ORDER BY path",
            (path, len(folder), folder),
        )
        return [r[0] for r in rows if type(r[0]) is str]

    @reading
    def links_of_files(self, paths: Iterable[str]) -> list[tuple[str, str]]:
        """(path, article id) of every link of these files."""
        return self._links_where("path", list(paths))

    @reading
    def links_to(self, ids: Iterable[str]) -> list[tuple[str, str]]:
        """(path, article id) of every link to these articles."""
        return self._links_where("article_id", list(ids))

    def _links_where(self, column: str, values: list[str]) -> list[tuple[str, str]]:
        out = []
        for at in range(0, len(values), _GROUP):
            group = values[at : at + _GROUP]
            marks = ",".join("?" * len(group))
            sql = f"SELECT path, article_id FROM links WHERE {column} IN ({marks})"
            out += [(p, a) for p, a in self.conn.execute(sql, group) if type(p) is type(a) is str]
        return out

    def forget_files(self, paths: Iterable[str]) -> None:
        """Files no longer known, with their links: the next ingest reads them anew."""
        rows = [(p,) for p in paths]
        self.conn.executemany("DELETE FROM links WHERE path = ?", rows)
        self.conn.executemany("DELETE FROM files WHERE path = ?", rows)

    def drop_links_to(self, ids: Iterable[str]) -> None:
        """Every link to these articles (which are about to go)."""
        self.conn.executemany("DELETE FROM links WHERE article_id = ?", ((i,) for i in ids))

    def read_again(self, paths: Iterable[str]) -> None:
        """Files the next ingest reads and parses again: a size and a hash no content
        has (not '', a file not yet recorded whole: what each gives is compared with
        the articles it still holds, which stay as they are)."""
        self.conn.executemany(
            "UPDATE files SET size = -1, sha256 = ? WHERE path = ?",
            ((READ_AGAIN, p) for p in paths),
        )

    @reading
    def article_ids_of(self, path: str, row: int | None = None) -> list[str]:
        """The articles a file holds (in row order), or the one at a row of it."""
        if row is None:
            sql = f"SELECT article_id FROM links WHERE path = ? ORDER BY {self._row}"
            return [r[0] for r in self.conn.execute(sql, (path,))]
        sql = f"SELECT article_id FROM links WHERE path = ? AND {self._row} = ?"
        return [r[0] for r in self.conn.execute(sql, (path, row))]

    @reading
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
                out.append(place(path, row))
            else:
                why = text_flaw(path, MAX_PATH_CHARS)
                what = f"a link's path is {why}" if why else f"a link's row is {shown(row)}"
                warn(self._link_damaged(article_id, what))
        return out

    def _link_damaged(self, article_id: str, why: str) -> Damaged:
        return self.damaged("links_invalid", why, article_id)

    def _paths_of(self, group: list[str]) -> dict[str, list[str]]:
        """The paths of these articles, by id."""
        marks = ",".join("?" * len(group))
        paths: dict[str, list[str]] = {}
        try:
            rows = self.conn.execute(
                f"SELECT article_id, path, {self._row} FROM links"
                f" WHERE article_id IN ({marks}) ORDER BY path, 3",
                group,
            ).fetchall()
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
            return {aid: self.paths(aid) for aid in group}
        for aid, path, row in rows:
            if type(path) is str and len(path) <= MAX_PATH_CHARS and type(row) is int:
                paths.setdefault(aid, []).append(place(path, row))
            else:  # the warnings named by paths()
                paths[aid] = self.paths(aid)
        return paths
