"""What a user asks for: the query text and its filters, as a plain request any
engine runs (query/parse.py reads the text into a tree, each engine translates it).

Dates (`--since`, `--until`, `date:`) are read here into exact first and last days,
and a date that reads two ways is said back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from conflictcli.choices import Sort
from conflictcli.errors import QueryError


@dataclass(frozen=True)
class SearchRequest:
    """One search as every engine receives it: the query, its filters, the page."""

    text: str
    any_terms: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    sort: Sort = Sort.relevance
    limit: int = 10  # 0 = every full match
    offset: int = 0
    dayfirst: bool = False  # 02/03/2022 is 2 March, not 3 February
    sources: tuple[str, ...] = ()  # --source: only articles of these outlets (any case)
    places: tuple[str, ...] = ()  # --place: only articles that name one of these places
    langs: tuple[str, ...] = ()  # --lang: only articles in one of these languages (ISO 639-1)
    # --country: only articles that name a place in one of these countries (ISO 3166 alpha-2)
    countries: tuple[str, ...] = ()
    within: str | None = None  # --within sentence|paragraph: every term in one of them
    collapse: bool = False  # one result per story (stories.py): limit and offset count stories
    exact: bool = False  # names as typed: no other spellings (names.py)
    # partial matches (articles holding only some of the terms) wanted, marked partial: a
    # short page goes on with them after the full matches (the terminal table asks for
    # them); with any_terms, those among the matches are marked. Off: only what count counts
    partial: bool = False
    notes: tuple[str, ...] = ()  # how the dates were read, said back to the user


def build_request(
    text: str,
    since: str | None = None,
    until: str | None = None,
    dayfirst: bool = False,
    **rest: object,
) -> SearchRequest:
    """A request from what the user typed: dates read (and said back when they read two
    ways), and checked to make a range that can hold something."""
    notes: list[str] = []
    first: dt.date | None = None
    last: dt.date | None = None
    if since:
        first, _, note = read_moment(since, "--since", dayfirst)
        notes += [note] if note else []
    if until:
        _, last, note = read_moment(until, "--until", dayfirst)
        notes += [note] if note else []
    if first and last and _instant(first, dt.time.min) > _instant(last, dt.time.max):
        raise QueryError(
            f"--since {since} ({first}) is after --until {until} ({last}).",
            "Swap the two dates, or leave one out.",
        )
    req = SearchRequest(text=text, since=first, until=last, dayfirst=dayfirst, notes=tuple(notes))
    return replace(req, **rest)  # type: ignore[arg-type]


def _instant(day: dt.date, clock: dt.time) -> dt.datetime:
    return day if isinstance(day, dt.datetime) else dt.datetime.combine(day, clock)


# -- dates ------------------------------------------------------------------------
# Two defaults far apart tell which parts of a date the user wrote: a part that comes
# out the same under both was written.
_LOW = dt.datetime(1904, 1, 1)
_HIGH = dt.datetime(1908, 12, 31)
_YEAR_ONLY = re.compile(r"^\s*\d{4}\s*$")
# an ISO week, as `timeline` prints it (2024-W47), or one day of it (2024-W47-3)
_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})(?:-?([1-7]))?\s*$")
# a month as Europe writes it: 11.2024, 11/2024, 11-2024
_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*$")
_YEAR_FIRST = re.compile(r"^\s*\d{4}\s*[-/.]")  # 2024-03-02 is never day first
# a day written with dots or dashes, the year last (05.03.2024, 05-03-2024): day first, as
# Europe writes it and as ingest reads such dates in files (dates.FileOrder); a date
# with slashes keeps dateutil's month first unless --dayfirst
_DOTTED = re.compile(r"^\s*\d{1,2}\s*([.-])\s*\d{1,2}\s*\1\s*\d{2,4}(?!\d)")


# a time of day after a day (2024-11-21 14:35, 2024-11-21T14:35:07, 21.11.2024 14:35)
_CLOCK = re.compile(r"^(?P<day>.*?\d)[ T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*$")


def read_moment(
    text: str, option: str, dayfirst: bool = False
) -> tuple[dt.date, dt.date, str | None]:
    """read_days(), or for a day with a time of day (`2024-11-21 14:35`) that moment:
    the first and last instant of the minute written (of the second, when seconds are
    written), as datetimes. Times are compared as the sources wrote them (no zone); an
    article with no time of day stands at the start of its day."""
    clock = _CLOCK.match(text)
    if clock is None:
        return read_days(text, option, dayfirst)
    first, last, note = read_days(clock["day"], option, dayfirst)
    hour, minute, second = int(clock["h"]), int(clock["m"]), clock["s"]
    if first != last or hour > 23 or minute > 59 or (second and int(second) > 59):
        raise QueryError(
            f"{option} {text!r} is not a day and a time of day I can read.",
            "Write the day, then the time: 2024-11-21 14:35 (or 14:35:07).",
        )
    start = dt.datetime.combine(first, dt.time(hour, minute, int(second or 0)))
    end = start.replace(second=int(second) if second else 59, microsecond=999_999)
    return start, end, note


def read_days(
    text: str, option: str, dayfirst: bool = False
) -> tuple[dt.date, dt.date, str | None]:
    """The first and last day a date expression covers (`2024` is a year, `2024-03`,
    `11.2024` and `March 2024` a month, `2024-W47` an ISO week, `27 Mar 2024` a day),
    and a note when the expression reads two ways (`02/03/2022`): month first unless
    `dayfirst`; with dots or dashes (`05.03.2024`), day first."""
    if _YEAR_ONLY.match(text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31), None
    if week := _WEEK.match(text):
        return (*_week(week, text, option), None)
    if month := _MONTH_YEAR.match(text):
        return (*_month(int(month[1]), int(month[2]), text, option), None)
    dotted = bool(_DOTTED.match(text))
    dayfirst = (dayfirst or dotted) and not _YEAR_FIRST.match(text)
    low, high = _parse(text, option, dayfirst, _LOW), _parse(text, option, dayfirst, _HIGH)
    if low.year != high.year:
        raise QueryError(
            f"{option} {text!r} has no year.", f"Add one, as in '{text} {dt.date.today().year}'."
        )
    note = None
    if not _YEAR_FIRST.match(text):
        other = _parse(text, option, not dayfirst, _LOW)
        if other.date() != low.date() and (low.day == high.day or other.day != 1):
            way = "day first" if dayfirst else "month first"
            switch = "with --no-dayfirst" if dayfirst else "with --dayfirst"
            said = f"{option}{'' if option.endswith(':') else ' '}{text} read as"
            note = (
                f"{said} {_spoken(low.date())} (day first, as a date written with dots or "
                f"dashes is); for {other.day} {other:%B} write {other.date().isoformat()}."
                if dotted
                else f"{said} {_spoken(low.date())} ({way}); {switch} it reads as "
                f"{_spoken(other.date())}."
            )
    return low.date(), high.date(), note


def _week(m: re.Match[str], text: str, option: str) -> tuple[dt.date, dt.date]:
    """The days of an ISO week (Monday to Sunday), or the one day of it named."""
    year, week, day = int(m[1]), int(m[2]), int(m[3] or 0)
    try:
        first = dt.date.fromisocalendar(year, week, day or 1)
        last = first if day else dt.date.fromisocalendar(year, week, 7)
    except (ValueError, OverflowError):
        raise QueryError(
            f"{option} {text!r}: {year} has no ISO week {week}.",
            "ISO weeks run from W01 to W52 or W53, as `conflict timeline` prints them "
            "(2024-W47: 18 to 24 November 2024).",
        ) from None
    return first, last


def _month(month: int, year: int, text: str, option: str) -> tuple[dt.date, dt.date]:
    """The days of a month written MM.YYYY (11.2024)."""
    if not 1 <= month <= 12 or year < 1:
        raise QueryError(
            f"{option} {text!r} is not a month: write MM.YYYY with a month of 1 to 12.",
            "Example: --since 11.2024 (November 2024), or 2024-11.",
        )
    import calendar

    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _parse(text: str, option: str, dayfirst: bool, default: dt.datetime) -> dt.datetime:
    try:
        from dateutil import parser as dateparser  # only when a date must be read

        return dateparser.parse(text, default=default, dayfirst=dayfirst)
    except (ValueError, OverflowError) as e:
        raise QueryError(
            f"{option} {text!r} is not a date I can read.",
            "Use a form like 2024-03-27, 2024-03, 03.2024, 'March 2024', '27 Mar 2024' "
            "or 2024-W13.",
        ) from e


def _spoken(d: dt.date) -> str:
    return f"{d.isoformat()}, {d.day} {d:%B}"
