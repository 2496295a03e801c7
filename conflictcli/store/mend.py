"""Damage: what `conflict check` finds in the catalogue (survey: every damaged row of the
articles, the links, the files and meta) and what `--repair` does about it (mend). The
table `damaged` keeps each row of articles as it was, so nothing is deleted."""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from conflictcli.store.article_rows import Articles
from conflictcli.store.connection import limit_values, now_iso, reading, writing
from conflictcli.store.damage import (
    MAX_PATH_CHARS,
    MAX_TEXT_CHARS,
    MAX_VALUE_BYTES,
    MOVED,
    Damaged,
    Flaw,
    FlawFound,
    as_day,
    as_lang,
    as_meta,
    as_time,
    is_id,
    shown,
    text_flaw,
    unreadable_value,
)
from conflictcli.store.place_names import PlaceNames

# The rows `check --repair` took out of `articles` or changed, each as it was: nothing
# is deleted. No column has a type, so that every value keeps the form it had.
DAMAGED = (
    "CREATE TABLE IF NOT EXISTS damaged (row INTEGER, id, date, title, title_derived,"
    " source, url, body, words, added_at, author, cluster, problem TEXT NOT NULL,"
    " action TEXT NOT NULL, at TEXT NOT NULL, time)"
)
DAMAGED_COLUMNS = "id, date, title, title_derived, source, url, body, words, added_at"

SYNCED_KEY = "index_generation"  # archive.SYNCED: the index commit the catalogue follows
META_KEYS = ("schema_version", "index_layout", SYNCED_KEY, "names", "stories")
# the kinds of damage to a row of articles (mend mends or moves the row)
ARTICLE_KINDS = ("id_invalid", "text_unreadable", "text_too_long", "date_invalid", "field_invalid")


class Survey(NamedTuple):
    """What `Store.survey` finds: each article's date by id (None: undated, or a date
    that is damaged), and every damaged row."""

    dates: dict[str, str | None]
    flaws: list[Flaw]


class Mend(Articles, PlaceNames):
    @reading
    def survey(self) -> Survey:
        """Every article's id and date (as check compares them with the index), and
        every damaged row of the articles, the links, the files and meta. Reads each
        text (bounded), one row at a time."""
        dates: dict[str, str | None] = {}
        flaws: list[Flaw] = []
        self._survey_articles(dates, flaws)
        self._survey_links(flaws)
        self._survey_files(flaws)
        for key in META_KEYS:
            try:
                self._meta_value(key)
            except Damaged as e:
                flaws.append(Flaw(0, None, "meta_invalid", e.message))
        if self._names_damaged():
            flaws.append(Flaw(0, None, "meta_invalid", "a record of the place names is not text"))
        return Survey(dates, flaws)

    def _survey_articles(self, dates: dict[str, str | None], flaws: list[Flaw]) -> None:
        for rowid, row, damaged in self._scan(self._columns):
            if damaged is not None:
                flaws.append(Flaw(rowid, damaged.article, damaged.kind, damaged.why))
                if damaged.article is not None:
                    dates[damaged.article] = None
                continue
            aid = row[0]
            try:
                self._article(row, paths=[])
            except Damaged:
                found = self.flaws(row)
                article = aid if is_id(aid) else None
                flaws += [Flaw(rowid, article, kind, why) for kind, why in found]
            if is_id(aid):
                dates[aid] = row[1] if as_day(row[1]) is not None else None

    def _survey_links(self, flaws: list[Flaw]) -> None:
        for rowid, (path, row, aid), damaged in self._scan(
            f"path, {self._row}, article_id", "links"
        ):
            if damaged is not None:
                flaws.append(Flaw(rowid, None, "links_invalid", "a value cannot be read"))
            elif (why := text_flaw(path, MAX_PATH_CHARS)) or type(row) is not int:
                what = f"its path is {why}" if why else f"its row is {shown(row)}"
                flaws.append(Flaw(rowid, aid if is_id(aid) else None, "links_invalid", what))
            elif type(aid) is not str:
                flaws.append(Flaw(rowid, None, "links_invalid", f"its article is {shown(aid)}"))

    def _survey_files(self, flaws: list[Flaw]) -> None:
        for rowid, (path, sha, size, mtime), damaged in self._scan(
            "path, sha256, size, mtime", "files"
        ):
            if damaged is not None:
                flaws.append(Flaw(rowid, None, "files_invalid", "a value cannot be read"))
                continue
            why = text_flaw(path, MAX_PATH_CHARS) or text_flaw(sha, 64)
            if why is None and (type(size) is not int or type(mtime) not in (int, float)):
                why = f"its size is {shown(size)} and its time {shown(mtime)}"
            if why is not None:
                flaws.append(Flaw(rowid, None, "files_invalid", f"{shown(path)}: {why}"))

    @writing
    def mend(self, flaws: list[Flaw]) -> tuple[list[str], list[str]]:
        """What `check --repair` does about damaged rows, in the caller's write
        transaction: a row of articles whose id or text cannot be read is moved aside,
        one with a damaged date is made undated, a damaged title, source, url, author
        or story is mended (a text stored as bytes read as text; a title that cannot be
        read made from the text, as ingest makes one; the others emptied). Each row is
        first copied, as it was, into the table `damaged`. Damaged links are dropped
        and damaged file records forgotten (the next ingest reads those files again);
        damaged meta is written again. Returns the ids moved aside (to drop from the
        index) and those mended (to index again)."""
        self.conn.execute(DAMAGED)
        rows: dict[int, list[Flaw]] = {}
        for f in flaws:
            if f.kind in ARTICLE_KINDS:
                rows.setdefault(f.row, []).append(f)
        moved: list[str] = []
        mended: list[str] = []
        for rowid, found in rows.items():
            problem = "; ".join(f.why for f in found)
            aid = found[0].article
            if any(f.kind in MOVED for f in found):
                self._move_aside(rowid, aid, problem)
                if aid is not None:
                    moved.append(aid)
                continue
            self._keep(rowid, problem, "mended")
            self._mend_row(rowid)
            if aid is not None:
                mended.append(aid)
        self._mend_links_and_files(flaws)
        if any(f.kind == "meta_invalid" for f in flaws):
            self._mend_meta()
        return moved, mended

    def _move_aside(self, rowid: int, aid: str | None, problem: str) -> None:
        """A row of articles moved into the table `damaged`; the files that hold it are
        read again by the next ingest."""
        self._keep(rowid, problem, "moved aside")
        if aid is not None:
            self.conn.execute(
                "UPDATE files SET size = -1, sha256 = '' WHERE path IN"
                " (SELECT path FROM links WHERE article_id = ?)",
                (aid,),
            )
            self.conn.execute("DELETE FROM links WHERE article_id = ?", (aid,))
        self.conn.execute("DELETE FROM articles WHERE rowid = ?", (rowid,))

    def _mend_links_and_files(self, flaws: list[Flaw]) -> None:
        """Damaged links dropped and damaged file records forgotten: the next ingest
        reads those files again."""
        for f in flaws:
            if f.kind == "links_invalid":
                self.conn.execute(
                    "UPDATE files SET size = -1, sha256 = '' WHERE path IN"
                    " (SELECT path FROM links WHERE rowid = ? AND typeof(path) = 'text')",
                    (f.row,),
                )
                self.conn.execute("DELETE FROM links WHERE rowid = ?", (f.row,))
            elif f.kind == "files_invalid":
                self.conn.execute(
                    "DELETE FROM links WHERE path IN (SELECT path FROM files WHERE rowid = ?)",
                    (f.row,),
                )
                self.conn.execute("DELETE FROM files WHERE rowid = ?", (f.row,))

    def _keep(self, rowid: int, problem: str, action: str) -> None:
        """A row of articles copied as it is into the table `damaged` (by SQLite: no
        value passes through Python, however long it is)."""
        extra = ", ".join(c if c in self._columns else "NULL" for c in ("author", "cluster"))
        names = f"row, {DAMAGED_COLUMNS}, author, cluster, problem, action, at"
        values = f"rowid, {DAMAGED_COLUMNS}, {extra}, ?, ?, ?"
        for column in ("time", "lang", "meta"):  # a table `damaged` made before has none
            if column in self._columns:
                if not self._has_column("damaged", column):
                    self.conn.execute(f"ALTER TABLE damaged ADD COLUMN {column}")
                names, values = f"{names}, {column}", f"{values}, {column}"
        limit_values(self.conn, 1_000_000_000)  # as it is, whole
        try:
            self.conn.execute(
                f"INSERT INTO damaged ({names}) SELECT {values} FROM articles WHERE rowid = ?",
                (problem, action, now_iso(), rowid),
            )
        finally:
            limit_values(self.conn, MAX_VALUE_BYTES)

    def _mend_row(self, rowid: int) -> None:
        """A row whose id and text can be read, its other values made right."""
        names = [c.strip() for c in self._columns.split(",")]
        got: dict[str, Any] = {}
        for column in names:
            if column == "NULL":
                continue
            try:
                got[column] = self._value(column, rowid)
            except FlawFound:
                got[column] = None  # longer than any value may be: not kept
        text = self._inflate(got["body"])
        date, derived, cluster = got["date"], got["title_derived"], got.get("cluster")
        fixed = {
            "date": date if date is None or as_day(date) is not None else None,
            "title": _mended_text(got["title"]),
            "title_derived": derived if type(derived) is int else 0,
            "source": _mended_text(got["source"]),
            "url": _mended_text(got["url"]),
        }
        if "author" in got:
            fixed["author"] = _mended_text(got["author"])
        if "cluster" in got:
            fixed["cluster"] = cluster if cluster is None or is_id(cluster) else None
        if "time" in got:
            fixed["time"] = got["time"] if as_time(got["time"]) is not None else None
        if "lang" in got:
            fixed["lang"] = got["lang"] if as_lang(got["lang"]) is not None else None
        if "meta" in got:
            fixed["meta"] = got["meta"] if as_meta(got["meta"]) is not None else None
        if fixed["title"] is None:  # a title that cannot be read, made from the text
            from conflictcli.readers.body import derive_title  # loaded to mend a title only

            fixed["title"], fixed["title_derived"] = derive_title(text), 1
        sets = ", ".join(f"{c} = ?" for c in fixed)
        self.conn.execute(f"UPDATE articles SET {sets} WHERE rowid = ?", (*fixed.values(), rowid))

    def _value(self, column: str, rowid: int) -> Any:
        """One value of a row of articles; text that is not UTF-8 as its bytes;
        FlawFound when it is longer than MAX_VALUE_BYTES."""
        sql = "SELECT {} FROM articles WHERE rowid = ?"
        try:
            return self.conn.execute(sql.format(column), (rowid,)).fetchone()[0]
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
        try:
            return self.conn.execute(sql.format(f"CAST({column} AS BLOB)"), (rowid,)).fetchone()[0]
        except sqlite3.Error as e:
            if not unreadable_value(e):
                raise
            raise FlawFound("field_invalid", "too long") from None

    def _mend_meta(self) -> None:
        """Damaged values of meta dropped (the schema version told again by the tables):
        a damaged index layout has the index built again; damaged place names are read
        from the package until the next ingest stores them again."""
        tables = self._tables()
        for key in META_KEYS:
            try:
                self._meta_value(key)
            except Damaged:
                self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                if key == "schema_version":
                    has = tables.get("articles", {})
                    version = (
                        5
                        if "lang" in has
                        else 4
                        if "time" in has
                        else 3
                        if "cluster" in has
                        else 2
                        if "row" in tables.get("links", {})
                        else 1
                    )
                    self.conn.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (str(version),)
                    )
        if self._names_damaged():
            self.conn.execute("DELETE FROM meta WHERE key = 'names'")

    def _meta_value(self, key: str) -> Any:
        return (
            self._meta_number(key) if key in ("schema_version", "index_layout") else self.meta(key)
        )


def _mended_text(value: Any) -> str | None:
    """A text field as --repair leaves it: text as it is, bytes read as UTF-8 (a
    character that is not, replaced), anything else (or too long) None."""
    if type(value) is bytes:
        value = value.decode("utf-8", "replace")
    if type(value) is str and len(value) <= MAX_TEXT_CHARS:
        return value
    return None
