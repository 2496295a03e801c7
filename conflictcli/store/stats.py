"""What the catalogue holds, counted: articles, dates and months, outlets (`stats`), and
the date and source of articles by id (count, timeline). A damaged date or source is left
out of the counts, named in a warning."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path
from typing import Any

from conflictcli.articles import outlet_key
from conflictcli.dates import FIRST_YEAR, LAST_YEAR
from conflictcli.store.connection import Connection, id_groups, reading
from conflictcli.store.damage import (
    MAX_TEXT_CHARS,
    MONTH,
    REPAIRS,
    Damaged,
    DamagedWarning,
    as_day,
    as_lang,
    as_time,
    date_flaw,
    in_years,
    is_id,
    shown,
    text_flaw,
    warn,
)

# an article as counts read it: its date, source, time of day and language (or None)
Fact = tuple[str | None, str | None, str | None, str | None]


class Stats(Connection):
    _columns: str  # ARTICLE_COLUMNS as this catalogue has them (Schema)

    def _start(self, path: Path) -> None:
        super()._start(path)
        self._warned_dates = False
        self._spelled: tuple[object, dict[str, str]] = (None, {})

    @reading
    def article_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    @reading
    def undated_count(self) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM articles WHERE date IS NULL").fetchone()[0]
        )

    @reading
    def date_range(self) -> tuple[str | None, str | None]:
        """The first and the last date. Damaged dates are left out, with a warning."""
        first, last = self.conn.execute("SELECT min(date), max(date) FROM articles").fetchone()
        if (first is None or as_day(first)) and (last is None or as_day(last)):
            return first, last
        days = sorted(d for d in self._dates() if as_day(d) is not None)
        return (days[0], days[-1]) if days else (None, None)

    @reading
    def by_month(self) -> dict[str, int]:
        """Articles per month (YYYY-MM), in order. Damaged dates are left out, with a
        warning."""
        rows = self.conn.execute(
            "SELECT substr(date, 1, 7) AS m, count(*) FROM articles "
            "WHERE date IS NOT NULL GROUP BY m ORDER BY m"
        ).fetchall()
        if all(type(m) is str and MONTH(m) and in_years(m) for m, _ in rows):
            return {m: n for m, n in rows}
        counts: dict[str, int] = {}
        for date, n in self._dates().items():
            if as_day(date) is not None:
                counts[date[:7]] = counts.get(date[:7], 0) + n
        return dict(sorted(counts.items()))

    @reading
    def sources(self) -> list[tuple[str | None, int, str | None, str | None]]:
        """Every outlet (None: articles that name none) with its article count and its
        first and last date, the largest first. Spellings that differ only in case are
        one outlet, as --source matches them (outlet_key), shown as the most common."""
        rows = self.conn.execute(
            "SELECT source, count(*), min(date), max(date) FROM articles GROUP BY source"
        ).fetchall()
        merged: dict[str | None, list[Any]] = {}  # key -> [spellings by count, n, first, last]
        for source, n, first, last in rows:
            if source is not None and (why := text_flaw(source)):
                aid = self.conn.execute(
                    "SELECT id FROM articles WHERE source = ? LIMIT 1", (source,)
                ).fetchone()
                raise self.damaged("field_invalid", f"its source is {why}", aid and aid[0])
            if any(d is not None and as_day(d) is None for d in (first, last)):
                first, last = self._span("source IS ?", (source,))
            key = outlet_key(source) if source is not None else None
            have = merged.setdefault(key, [[], 0, first, last])
            have[0].append((-n, source))
            have[1] += n
            have[2] = min((d for d in (have[2], first) if d), default=None)
            have[3] = max((d for d in (have[3], last) if d), default=None)
        out = [(min(names)[1], n, first, last) for names, n, first, last in merged.values()]
        return sorted(out, key=lambda r: (-r[1], r[0] is None, r[0] or ""))

    @reading
    def spellings(self) -> dict[str, str]:
        """Each outlet (its key: outlet_key) under the spelling that most of its articles
        give (a tie: the first in order), as sources() shows it, the damaged left out
        (sources() names them). Read again only once the catalogue has changed."""
        mark = self._change_mark()
        if mark is not None and self._spelled[0] == mark:
            return self._spelled[1]
        rows = self.conn.execute(
            "SELECT source, count(*) FROM articles WHERE source IS NOT NULL GROUP BY source"
        ).fetchall()
        best: dict[str, tuple[int, str]] = {}
        for source, n in rows:
            if type(source) is not str or text_flaw(source):
                continue
            key = outlet_key(source)
            if key not in best or (-n, source) < best[key]:
                best[key] = (-n, source)
        spelled = {k: name for k, (_, name) in best.items()}
        self._spelled = (mark, spelled)
        return spelled

    def _change_mark(self) -> object:
        """What changes whenever the catalogue does: the connection, what it wrote, and
        what other connections committed (SQLite's data_version); None for a
        connection that does not say (a team catalogue's)."""
        conn = self.conn
        if not isinstance(conn, sqlite3.Connection):
            return None
        return id(conn), conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]

    @reading
    def dates_and_sources(self, ids: list[str]) -> dict[str, Fact]:
        """The date (YYYY-MM-DD), the source, the time of day (HH:MM:SS) and the language
        of each of these articles that exists. A damaged date (or source) is None, with a
        warning: the article counts as undated; a damaged time or language is None."""
        out: dict[str, Fact] = {}
        days: set[Any] = {None}  # the dates found to be days (a few for many articles)
        has = [c.strip() for c in self._columns.split(",")]
        extra = ", ".join(c if c in has else "NULL" for c in ("time", "lang"))
        for group in id_groups(ids):
            marks = ",".join("?" * len(group))
            sql = f"SELECT id, date, source, {extra} FROM articles WHERE id IN ({marks})"
            for aid, date, source, time, lang in self.conn.execute(sql, group):
                if date not in days:
                    if as_day(date) is None:
                        flaw = self.damaged("date_invalid", date_flaw(date), aid)
                        warn(flaw, "It is counted as undated.")
                        date = None
                    else:
                        days.add(date)
                if source is not None and (type(source) is not str or len(source) > MAX_TEXT_CHARS):
                    why = text_flaw(source)
                    warn(
                        self.damaged("field_invalid", f"its source is {why}", aid),
                        "It is counted as naming no outlet.",
                    )
                    source = None
                if time is not None and (date is None or as_time(time) is None):
                    time = None
                out[aid] = (date, source, time, as_lang(lang))
        return out

    def _span(self, where: str, params: tuple[Any, ...]) -> tuple[str | None, str | None]:
        """The first and last date of the articles `where` selects, damaged dates left
        out (named in a warning, once)."""
        self._dates()
        days = [
            d
            for (d,) in self.conn.execute(
                f"SELECT DISTINCT date FROM articles WHERE {where} AND date IS NOT NULL", params
            )
            if as_day(d) is not None
        ]
        return (min(days), max(days)) if days else (None, None)

    def _dates(self) -> dict[Any, int]:
        """Every date held with its count, after a damaged one was found among them:
        the damaged ones named in a warning (once), so that stats leaves them out."""
        rows = self.conn.execute(
            "SELECT date, count(*) FROM articles WHERE date IS NOT NULL GROUP BY date"
        ).fetchall()
        if not self._warned_dates:
            self._warned_dates = True
            e = self._dates_damaged()
            warnings.warn(DamagedWarning(f"{e.message} {e.hint}"), stacklevel=4)
        return {d: n for d, n in rows if type(d) is str}

    def _dates_damaged(self) -> Damaged:
        """The articles whose dates are damaged, named (the first of them), as one
        error: what stats and the lists of stories leave out."""
        bad = []
        for aid, date in self.conn.execute(
            "SELECT id, date FROM articles WHERE date IS NOT NULL AND (typeof(date) != 'text'"
            " OR length(date) != 10 OR date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
            " OR substr(date, 6, 2) NOT BETWEEN '01' AND '12'"
            " OR substr(date, 9, 2) NOT BETWEEN '01' AND '31'"
            " OR substr(date, 1, 4) NOT BETWEEN ? AND ?)",
            (f"{FIRST_YEAR:04d}", f"{LAST_YEAR:04d}"),
        ):
            bad.append((aid, date))
        if not bad:  # a day that is no day (2024-02-30): found by reading each
            days = self.conn.execute(
                "SELECT id, date FROM articles WHERE date IS NOT NULL"
            ).fetchall()
            bad = [(aid, date) for aid, date in days if as_day(date) is None]
        named = ", ".join(
            f"{aid if is_id(aid) else shown(aid)} ({shown(date)})" for aid, date in bad[:3]
        )
        more = f" and {len(bad) - 3:,} more" if len(bad) > 3 else ""
        n = len(bad)
        return Damaged(
            f"The catalogue {self.path} holds {n:,} article{'s' if n != 1 else ''} whose date "
            f"is no day (YYYY-MM-DD) or is outside the years {FIRST_YEAR}–{LAST_YEAR}: "
            f"{named}{more}; they are left out of the dates and months.",
            f"Run 'conflict check --repair --index {self.folder}': it {REPAIRS['date_invalid']}.",
            "date_invalid",
        )
