"""The articles as the catalogue keeps them, one row each: written by ingest, read back
with every value checked (a damaged one is Damaged, named by id, never a traceback), and
read one row at a time where SQLite cannot hand over a value of one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from conflictcli.articles import Article
from conflictcli.errors import DataError
from conflictcli.store.connection import Connection, id_groups, now_iso, reading
from conflictcli.store.damage import (
    HEX16,
    MAX_TEXT_CHARS,
    MAX_VALUE_BYTES,
    Damaged,
    FlawFound,
    as_day,
    as_lang,
    as_meta,
    as_time,
    date_flaw,
    is_id,
    meta_text,
    shown,
    sql_error,
    text_flaw,
    unreadable_value,
    warn,
)
from conflictcli.store.dictionary import Packed, Texts, pack
from conflictcli.store.files import Files


class Articles(Files, Texts):
    @reading
    def has_article(self, article_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
            is not None
        )

    def put_article(self, a: Article, packed: Packed | None = None) -> None:
        zdict = self.dictionary()
        if zdict is None:
            self._sample(a.body)
        body, words = packed or pack(a, zdict)
        self.conn.execute(
            "INSERT OR REPLACE INTO articles"
            " (id, date, title, title_derived, source, url, body, words, added_at, author,"
            " cluster, time, lang, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.id,
                a.date.isoformat() if a.date else None,
                a.title,
                int(a.title_derived),
                a.source,
                a.url,
                body,
                words,
                now_iso(),
                a.author,
                a.cluster,
                a.time.isoformat() if a.time and a.date else None,
                a.lang if as_lang(a.lang) else None,
                meta_text(a.meta),
            ),
        )

    def set_lang(self, article_id: str, lang: str) -> None:
        """An article's language, detected after it was put (by a reindex)."""
        if as_lang(lang) is not None:
            self.conn.execute("UPDATE articles SET lang = ? WHERE id = ?", (lang, article_id))

    @reading
    def ids_with_prefix(self, prefix: str, limit: int = 20) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                (escaped + "%", limit),
            )
            if type(r[0]) is str  # an id of another type is no prefix's (check names it)
        ]

    @reading
    def articles(self, ids: list[str], texts: bool = True) -> dict[str, Article]:
        """The articles with these ids (those that exist), each with its paths; without
        `texts`, their bodies are left unread (""): a long page of ids and titles does
        not decompress a text it does not show. A damaged article is left out: `.get()`
        passes over it with a warning (a page shows the rest), `[id]` raises its
        Damaged (`show` names it)."""
        out: dict[str, Article] = _Found(self)
        damaged: dict[str, Damaged] = {}
        columns = self._columns if texts else self._columns.replace(", body,", ", NULL,")
        for group in id_groups(ids):
            marks = ",".join("?" * len(group))
            try:
                rows = self.conn.execute(
                    f"SELECT {columns} FROM articles WHERE id IN ({marks})", group
                ).fetchall()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                rows = self._one_by_one(columns, group, damaged)
            paths = self._paths_of(group)
            for row in rows:
                try:
                    out[row[0]] = self._article(row, paths.get(row[0], []), texts)
                except Damaged as e:
                    damaged[row[0]] = e
        return _FoundDamaged(self, out, damaged) if damaged else out

    @reading
    def bodies(self, ids: list[str]) -> dict[str, str]:
        """The texts of these articles (those that exist). A damaged one is left out:
        `.get()` and iterating pass over it, `[id]` raises its Damaged."""
        out: dict[str, str] = _Found(self)
        damaged: dict[str, Damaged] = {}
        for group in id_groups(ids):
            marks = ",".join("?" * len(group))
            try:
                rows = self.conn.execute(
                    f"SELECT id, body FROM articles WHERE id IN ({marks})", group
                ).fetchall()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                rows = self._one_by_one("id, body", group, damaged)
            for aid, body in rows:
                try:
                    out[aid] = self.text(body, aid)
                except Damaged as e:
                    damaged[aid] = e
        return _FoundDamaged(self, out, damaged) if damaged else out

    def iter_articles(self) -> Iterator[Article]:
        """Every article, in the order they were added. A damaged one is left out, with
        a warning."""
        try:
            for _, row, flaw in self._scan(self._columns):
                if flaw is not None:
                    warn(flaw)
                    continue
                try:
                    a = self._article(row)
                except Damaged as e:
                    warn(e)
                    continue
                yield a
        except sqlite3.Error as e:
            if not sql_error(e):
                raise
            raise self.unreadable(e) from e

    def _article(
        self, row: tuple[Any, ...], paths: list[str] | None = None, texts: bool = True
    ) -> Article:
        aid, date, title, derived, source, url, body, author, cluster, time, lang, meta = row
        # cheap checks of values already fetched: show and search pay next to nothing
        if not (
            type(aid) is str
            and HEX16(aid) is not None
            and type(title) is str
            and len(title) <= MAX_TEXT_CHARS
            and type(derived) is int
            and (source is None or (type(source) is str and len(source) <= MAX_TEXT_CHARS))
            and (url is None or (type(url) is str and len(url) <= MAX_TEXT_CHARS))
            and (author is None or (type(author) is str and len(author) <= MAX_TEXT_CHARS))
            and (
                cluster is None
                or cluster == aid
                or (type(cluster) is str and HEX16(cluster) is not None)
            )
        ):
            raise self._row_damaged(row, texts)
        day = clock = None
        if date is not None and (day := as_day(date)) is None:
            raise self._row_damaged(row, texts)
        if time is not None and (clock := as_time(time)) is None:
            raise self._row_damaged(row, texts)
        if lang is not None and as_lang(lang) is None:
            raise self._row_damaged(row, texts)
        told = as_meta(meta) if meta is not None else {}
        if told is None:
            raise self._row_damaged(row, texts)
        if texts:
            body = self.text(body, aid)
        return Article(
            id=aid,
            date=day,
            time=clock,
            title=title,
            body=body or "",
            source=source,
            url=url,
            author=author,
            cluster=cluster,
            title_derived=bool(derived),
            paths=self.paths(aid) if paths is None else paths,
            lang=lang,
            meta=told,
        )

    def _row_damaged(
        self, row: tuple[Any, ...], texts: bool = True, rowid: int | None = None
    ) -> Damaged:
        """The gravest damage of an article's row."""
        kind, why = self.flaws(row, texts)[0]
        return self.damaged(kind, why, row[0] if is_id(row[0]) else None, rowid)

    def flaws(self, row: tuple[Any, ...], texts: bool = True) -> list[tuple[str, str]]:
        """Everything wrong with an article's row (ARTICLE_COLUMNS), as (kind, why), the
        gravest first (MOVED, then date_invalid, then field_invalid); [] if nothing."""
        aid, date, title, derived, source, url, body, author, cluster, time, lang, meta = row
        out: list[tuple[str, str]] = []
        if not is_id(aid):
            out.append(("id_invalid", f"its id is {shown(aid)}, not 16 hex digits"))
        if texts:
            try:
                self._inflate(body)
            except FlawFound as f:
                out.append((f.kind, f.why))
        if date is not None and as_day(date) is None:
            out.append(("date_invalid", date_flaw(date)))
        if time is not None and as_time(time) is None:
            out.append(("field_invalid", f"its time is {shown(time)}, not a time of day"))
        if lang is not None and as_lang(lang) is None:
            out.append(("field_invalid", f"its language is {shown(lang)}, not a language code"))
        if meta is not None and as_meta(meta) is None:
            out.append(("field_invalid", f"its meta is {shown(meta)}, not an object of strings"))
        for name, value in (("title", title), ("source", source), ("url", url), ("author", author)):
            if (value is not None or name == "title") and (why := text_flaw(value)):
                out.append(("field_invalid", f"its {name} is {why}"))
        if type(derived) is not int:
            out.append(("field_invalid", f"its title_derived is {shown(derived)}, not a number"))
        if cluster is not None and not is_id(cluster):
            out.append(("field_invalid", f"its story (cluster) is {shown(cluster)}, not an id"))
        return out

    # -- rows that SQLite cannot hand over (a value too long, text that is not UTF-8) ---
    def _one_by_one(
        self, columns: str, ids: list[str], damaged: dict[str, Damaged]
    ) -> list[tuple[Any, ...]]:
        """The rows of these ids read one at a time, after SQLite could not hand over a
        value of one of them: each such row becomes Damaged."""
        rows = []
        for aid in ids:
            try:
                row = self.conn.execute(
                    f"SELECT {columns} FROM articles WHERE id = ?", (aid,)
                ).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                kind, why = self._unreadable_row("id = ?", (aid,), columns)
                damaged[aid] = self.damaged(kind, why, aid)
                continue
            if row is not None:
                rows.append(row)
        return rows

    def _unreadable_row(self, where: str, params: tuple[Any, ...], columns: str) -> tuple[str, str]:
        """Which value of a row SQLite cannot hand over, as (kind, why)."""
        for column in (c.strip() for c in columns.split(",")):
            if column in ("NULL", "rowid"):
                continue
            try:
                self.conn.execute(f"SELECT {column} FROM articles WHERE {where}", params).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                too_long = isinstance(e, sqlite3.DataError)
                what = (
                    f"longer than the {MAX_VALUE_BYTES:,} bytes any value may be"
                    if too_long
                    else "text that is not UTF-8"
                )
                if column == "body":
                    return (
                        "text_too_long" if too_long else "text_unreadable"
                    ), f"its text is {what}"
                if column == "id":
                    return "id_invalid", f"its id is {what}"
                return "field_invalid", f"its {column} is {what}"
        return "field_invalid", "a value cannot be read"

    def _scan(
        self, columns: str, table: str = "articles"
    ) -> Iterator[tuple[int, tuple[Any, ...], Damaged | None]]:
        """Every row of a table in the order of its rowids, one at a time: (rowid, its
        columns, None), or (rowid, (), Damaged) for a row that SQLite cannot hand over
        (a value too long, text that is not UTF-8); the rows after it are read on."""
        last = -(1 << 63)
        while True:
            try:
                rows = self.conn.execute(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid",
                    (last,),
                )
                for row in rows:
                    last = row[0]
                    yield last, row[1:], None
                return
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
            # a row after `last` cannot be handed over (the cursor, which reads a row
            # ahead, dropped the one before it too): the next row is read on its own
            after = self.conn.execute(
                f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1", (last,)
            ).fetchone()
            if after is None:
                return
            last = after[0]
            try:
                row = self.conn.execute(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid = ?", (last,)
                ).fetchone()
            except sqlite3.Error as e:
                if not unreadable_value(e):
                    raise
                yield last, (), self._unreadable(table, columns, last)
                continue
            yield last, row[1:], None

    def _unreadable(self, table: str, columns: str, rowid: int) -> Damaged:
        """The damage of a row that SQLite cannot hand over, named as well as it can be."""
        if table != "articles":
            return self.damaged(f"{table}_invalid", "a value cannot be read", row=rowid)
        kind, why = self._unreadable_row("rowid = ?", (rowid,), columns)
        try:
            aid = self.conn.execute("SELECT id FROM articles WHERE rowid = ?", (rowid,)).fetchone()[
                0
            ]
        except sqlite3.Error:
            aid = None
        return self.damaged(kind, why, aid if is_id(aid) else None, rowid)


class _Found(dict[str, Any]):
    """Articles (or texts) read from the catalogue, by id. `[id]` of one that is not
    there is a DataError naming it (a file's link that names an article the catalogue
    lacks), not a KeyError; `get` is dict's own."""

    def __init__(self, store: Connection) -> None:
        super().__init__()
        self.path, self.folder = store.path, store.folder

    def __missing__(self, key: str) -> Any:
        raise DataError(
            f"Article {key} is named by a file's record in the catalogue {self.path}, "
            "which does not hold it.",
            f"Run 'conflict check --repair --index {self.folder}': it drops the links to "
            "articles that are gone, and the next ingest reads their files again.",
        )


class _FoundDamaged(_Found):
    """_Found with some articles left out as damaged: `get` passes over one with a
    warning (a page shows the rest), `[id]` raises its Damaged (`show` names it)."""

    def __init__(
        self, store: Connection, found: dict[str, Any], damaged: dict[str, Damaged]
    ) -> None:
        super().__init__(store)
        self.update(found)
        self.damaged = damaged

    def __missing__(self, key: str) -> Any:
        if key in self.damaged:
            raise self.damaged[key]
        return super().__missing__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.damaged:
            warn(self.damaged[key])
            return default
        return super().get(key, default)
