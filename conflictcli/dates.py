"""Dates as articles write them: read into a day (and the time of day, where one is
written), the order of a file's numeric dates, and the years a day may be in.

A date is read as the day written, with no time zone applied; a day without a year is
no date we can trust. A day outside FIRST_YEAR..LAST_YEAR (0001-01-01, 9999-12-31,
99999-01-01: a placeholder, a typo, a hostile file) is kept as written and the article
is undated, so that date filters, timelines and stats never see it.

Numeric dates that put the day and the month before the year (05.11.2024, 05/11/2024)
are read month first when they are read one at a time (as python-dateutil does), and
marked (Article.numeric_date): `settle` puts a whole file's in one order afterwards
(day first with `ingest --dayfirst`; else as the file's own dates tell; else by the
separator: dots and dashes day first, slashes month first, with one warning).
Month names that dateutil does not know (21 ноября 2024, 21 листопада 2024, 3 mars
2024, 21 نوفمبر 2024) are read by dateparser, loaded only when one is met.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator

from conflictcli.articles import Article, content_id

MONTHS = {
    m.lower()
    for m in [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
}
# The years an article's date may fall in. A day outside them (0001-01-01, 9999-12-31,
# 99999-01-01: a placeholder, a typo, a hostile file) is kept as written but the article
# is undated: date filters, timelines and stats never see it.
FIRST_YEAR, LAST_YEAR = 1800, 2200
YEARS = f"the years {FIRST_YEAR}–{LAST_YEAR}"


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# The patterns below are compiled when a date is first read (re keeps them): a command
# that only shows what the catalogue holds loads this module without compiling them.
# a day and a time in ISO 8601 (2024-11-21T14:35:00Z, 2024-11-21 14:35), read at once
_ISO_TIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)
# a numeric date with the day and the month before the year: 05.11.2024, 5/11/24, 05-11-2024
_NUMERIC = r"\s*([0-9]{1,2})([./-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?![0-9])"
# a time of day after a date (14:35, 14:35:00, T14:35:00.5+02:00, 2:35 pm)
_TIME = r"(?i)[\sT,]*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?\s*([ap]\.?m\.?)?"
_HAS_TIME = r"[0-9]:[0-5][0-9]"
# dateparser is asked only about a text with a year and a word that dateutil did not read
_WORDED = r"[^\W\d_]{2,}"
_YEAR = r"(?<!\d)\d{4}(?!\d)"  # any script's digits (٢٠٢٤)
# a longer text is no date (dateutil reads it slowly, a character at a time)
DATE_MAX_CHARS = 100
MIDNIGHT = dt.time(0, 0)
# the languages whose month names dateparser is asked about (dateutil reads English's),
# by the script of the text: fewer to try is faster
LANGUAGES = {
    "cyrillic": ["ru", "uk"],
    "arabic": ["ar"],
    "hebrew": ["he"],
    "latin": ["fr", "de", "en"],
}
_SCRIPTS = (
    ("cyrillic", "[\u0400-\u04ff]"),
    ("hebrew", "[\u0590-\u05ff]"),
    ("arabic", "[\u0600-\u06ff]"),
)


class When(tuple[dt.date, dt.time | None]):
    """A date as written: (its day, its time of day when one was written; midnight
    exactly is no time: exports write 00:00:00 for a date that has none). A tuple of
    its own, lighter to define than a NamedTuple: this module loads with every command."""

    __slots__ = ()

    def __new__(cls, day: dt.date, time: dt.time | None = None) -> When:
        return tuple.__new__(cls, (day, time))

    @property
    def day(self) -> dt.date:
        return self[0]

    @property
    def time(self) -> dt.time | None:
        return self[1]


def read_when(text: str, dayfirst: bool = False, words: bool = True) -> When | None:
    """A date in any form python-dateutil reads (2022-08-01T16:23:25Z, 2022/06/23,
    June 23, 2022), or dateparser does (21 ноября 2024), as the day written: no time
    zone is applied. A numeric date that reads either way (05.11.2024) is read month
    first, unless `dayfirst`. None without a year: not a date we can trust. Any year a
    date type holds (1 to 9999): `in_years` says whether the day may be an article's.
    Without `words`, dateparser is not asked (what dateutil does not read is None)."""
    if len(text) > DATE_MAX_CHARS:
        return None
    if _ISO_DAY.match(text):  # the seed format's own: read as dateutil reads it, 50x faster
        try:
            return When(dt.date.fromisoformat(text))
        except ValueError:
            return None  # 2024-02-30: dateutil refuses it too
    if re.match(_ISO_TIME, text):
        try:
            stamp = dt.datetime.fromisoformat(text.replace(",", "."))
            return When(stamp.date(), _clock(stamp.time()))
        except ValueError:
            pass  # dateutil tells
    numeric = re.match(_NUMERIC, text)
    if numeric:
        return _numeric(numeric, text, dayfirst)
    return _dateutil(text) or (_dateparser(text) if words else None)


def read_date(text: str, dayfirst: bool = False) -> dt.date | None:
    """The day of read_when."""
    when = read_when(text, dayfirst)
    return when.day if when else None


def _clock(time: dt.time) -> dt.time | None:
    """A time of day as kept: to the second, no zone; midnight exactly is none."""
    time = time.replace(microsecond=0, tzinfo=None)
    return None if time == MIDNIGHT else time


def _numeric(m: re.Match[str], text: str, dayfirst: bool) -> When | None:
    """05.11.2024 read month first (as dateutil reads it), or day first; a date that
    reads one way only (21.11.2024, 11/21/2024) that way. A time written after it is
    kept; other words after it are not read."""
    a, b, year = int(m[1]), int(m[3]), int(m[4])
    if len(m[4]) == 2:
        year = _century(year)
    month, day = (b, a) if (dayfirst and b <= 12) or a > 12 else (a, b)
    try:
        day_ = dt.date(year, month, day)
    except ValueError:
        return None
    return When(day_, time_in(text[m.end() :]))


def _century(yy: int) -> int:
    """A two-digit year as dateutil reads it: within 50 years of this one."""
    this = dt.date.today().year
    year = this // 100 * 100 + yy
    if year >= this + 50:
        year -= 100
    elif year < this - 50:
        year += 100
    return year


def time_in(text: str) -> dt.time | None:
    """The time of day that `text` starts with (14:35, 14:35:00, T14:35, 2:35 pm), or
    None: none, midnight, or no time of day (25:61)."""
    m = re.match(_TIME, text)
    raw = _time(m) if m else None
    return _clock(raw) if raw else None


def _time(m: re.Match[str]) -> dt.time | None:
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[4][0].lower() == "p" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None


def time_of(written: str) -> tuple[dt.time | None, str | None]:
    """The time of day a field of its own gives (14:35, 14:35:00, 2:35 pm, or a date and
    time: 2024-11-21T14:35), and the warning when it gives none that reads (midnight is
    no time, and no warning)."""
    written = written.strip()
    if not written:
        return None, None
    m = re.match(_TIME, written)
    if m and m.end() == len(written):
        raw = _time(m)
        if raw is not None:
            return _clock(raw), None
    elif (when := read_when(written, words=False)) is not None:
        return when.time, None
    return None, f"unreadable time {written[:40]!r}: the date is kept without it"


def _dateutil(text: str) -> When | None:
    from dateutil import parser as dateparser  # only when a date must be read

    try:
        when = dateparser.parse(text, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if when.year == 1900 and "1900" not in text:
        return None
    return When(when.date(), _clock(when.time()) if re.search(_HAS_TIME, text) else None)


@functools.lru_cache(maxsize=4096)  # a file's rows repeat their days; 2 ms a date read
def _dateparser(text: str) -> When | None:
    """A date with a month name in another language (21 ноября 2024, 21 листопада
    2024, 3 mars 2024, 21. März 2024), read by dateparser in the languages of the
    text's script: loaded only for a text with a year and a word, after dateutil could
    not read it (0.35 s on first use, about 2 ms a date after; a date met again is
    remembered)."""
    if not (re.search(_YEAR, text) and re.search(_WORDED, text)):
        return None
    try:
        import dateparser  # the month names of many languages; loaded only here
    except ImportError:  # pragma: no cover - a dependency of trafilatura and of ours
        return None
    settings = {
        "PARSERS": ["absolute-time"],  # never "yesterday" or a timestamp: the day written
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    try:
        script = next((name for name, letters in _SCRIPTS if re.search(letters, text)), "latin")
        when = dateparser.parse(text, languages=LANGUAGES[script], settings=settings)
    except Exception:  # dateparser's own errors on odd text: no date, never a crash
        return None
    if when is None:
        return None
    return When(when.date(), _clock(when.time()) if re.search(_HAS_TIME, text) else None)


def in_years(day: dt.date) -> bool:
    """Whether a day may be an article's date (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def beyond_years(written: str, day: dt.date | None) -> bool:
    """Whether a date as written (read as `day`, or None) names a day outside
    FIRST_YEAR..LAST_YEAR: one that reads (0001-01-01, 9999-12-31), or one of a year
    past 9999 (99999-01-01)."""
    if day is not None:
        return not in_years(day)
    return bool(_FAR_DAY.match(written.strip()))


_FAR_DAY = re.compile(r"[+-]?0*[1-9][0-9]{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])\b")


# a field's date: its day and time (None: none, or not one that reads), the warning when
# it gives no day, whether it was outside the years, and the date as written when it is
# numeric with the day and the month first (05.11.2024)
Dated = tuple[dt.date | None, dt.time | None, str | None, bool, str | None]


def dated(written: str) -> Dated:
    """The date of a field as written, read month first where it reads either way
    (`settle` puts a file's dates in one order after)."""
    written = written.strip()
    if not written:
        return None, None, "no date: indexed with an unknown date", False, None
    when = read_when(written)
    if when is not None and in_years(when.day):
        numeric = written if re.match(_NUMERIC, written) else None
        return when.day, when.time, None, False, numeric
    shown = repr(written[:40])
    if beyond_years(written, when.day if when else None):
        why = f"unreadable date {shown} (outside {YEARS}): indexed with an unknown date"
        return None, None, why, True, None
    return None, None, f"unreadable date {shown}: indexed with an unknown date", False, None


def day_of(written: str) -> tuple[dt.date | None, str | None, bool]:
    """The date of a field as written, the warning when it gives none (no date, one
    that does not read, a day outside the years), and whether it was outside them."""
    day, _, warning, beyond, _ = dated(written)
    return day, warning, beyond


# -- one order for a file's numeric dates --------------------------------------------
DAY, MONTH, EITHER = "day", "month", "either"
# a large file's articles held, at most, until one of its dates tells the order (a file
# whose first HOLD_ROWS dates all read either way follows its separator from there)
HOLD_ROWS = 20_000
HOLD_CHARS = 64 << 20


def order_of(written: str) -> str | None:
    """How a numeric date with the day and the month first reads: DAY only (21.11.2024),
    MONTH only (11/21/2024), EITHER (05.11.2024); None when it is no such date or reads
    the same both ways (05.05.2024)."""
    m = re.match(_NUMERIC, written)
    if not m:
        return None
    a, b = int(m[1]), int(m[3])
    if a == b or not (a and b):
        return None
    if a > 12 >= b:
        return DAY
    if b > 12 >= a:
        return MONTH
    return EITHER if a <= 12 and b <= 12 else None


class FileOrder:
    """The order of one file's numeric dates: day first when `dayfirst` (ingest
    --dayfirst); otherwise the first date that reads one way only decides for the whole
    file (21.11.2024: day first; 11/21/2024: month first); a file whose dates all read
    either way follows their separator: dots and dashes day first (DD.MM.YYYY, as Europe
    writes them), slashes month first (MM/DD/YYYY, as US exports and dateutil read
    them), with one warning."""

    def __init__(self, dayfirst: bool) -> None:
        self.dayfirst: bool | None = True if dayfirst else None
        self.given = dayfirst
        self.either: str | None = None  # the first date of the file that reads either way
        self.told: str | None = None  # the first that reads one way only
        self.mixed = False  # warned of dates in both orders

    @property
    def decided(self) -> bool:
        return self.dayfirst is not None

    def see(self, a: Article) -> None:
        """An article's numeric date taken in: it may decide the order, or go against it
        (a warning on the article)."""
        order = order_of(a.numeric_date) if a.numeric_date else None
        if order == EITHER:
            self.either = self.either or a.numeric_date
        elif order is not None:
            if self.dayfirst is None:
                self.dayfirst, self.told = order == DAY, a.numeric_date
            elif self.dayfirst != (order == DAY) and not self.mixed:
                self.mixed = True
                a.warnings.append(self._mixed(order, a.numeric_date or ""))

    def _mixed(self, order: str, written: str) -> str:
        if self.given:
            why = "ingest --dayfirst reads this run's dates day first"
        elif self.told:
            why = f"{self.told} set this file's order"
        else:
            why = f"dates such as {self.either} were read by their separator"
        way = "day first" if self.dayfirst else "month first"
        return (
            f"{written} reads only {order} first, against the rest of the file: {why}, "
            f"and its dates that read either way are {way}; check the file's dates"
        )

    def by_separator(self) -> str | None:
        """Decides for a file none of whose dates told: the warning that says so, or
        None when no date read either way."""
        if self.decided:
            return None
        written = self.either or ""
        m = re.match(_NUMERIC, written)
        sep = m[2] if m else "."
        self.dayfirst = sep != "/"
        if not self.either:
            return None
        if self.dayfirst:
            rule = f"day first (DD{sep}MM{sep}YYYY, as Europe writes dates with {_SEPS[sep]})"
        else:
            rule = "month first (MM/DD/YYYY, as US exports and python-dateutil write slashes)"
        return (
            f"dates such as {written} read either way, and no date of this file has a day "
            f"above 12 to tell: read {rule}; `ingest --dayfirst` reads every file day first"
        )

    def apply(self, a: Article) -> Article:
        """The article with its date in the file's order (and its id with it)."""
        if self.dayfirst and a.numeric_date and a.date and order_of(a.numeric_date) == EITHER:
            a.date = dt.date(a.date.year, a.date.day, a.date.month)
            a.id = content_id(a.date, a.body)
        a.numeric_date = None
        return a


_SEPS = {".": "dots", "-": "dashes", "/": "slashes"}


def settle(
    articles: Iterable[Article], dayfirst: bool, hold: int | None = None
) -> Iterator[Article]:
    """A file's articles with their numeric dates in one order (FileOrder), in the order
    they come. Those after the first date that reads either way are held until the order
    is decided: by a date that reads one way only, by the file's end, or (`hold`, for a
    file that streams) after `hold` articles or HOLD_CHARS characters. The warning of a
    file read by its separator goes on its first article of such a date. When the
    articles stop with an error (a stream that breaks), those held come first."""
    order = FileOrder(dayfirst)
    held: list[Article] = []
    chars = 0
    try:
        for a in articles:
            order.see(a)
            if order.decided:
                if held:
                    yield from _release(order, held)
                yield order.apply(a)
                continue
            if not held and order_of(a.numeric_date or "") != EITHER:
                yield order.apply(a)
                continue
            held.append(a)
            chars += len(a.body)
            if hold is not None and (len(held) >= hold or chars >= HOLD_CHARS):
                yield from _release(order, held)
    except Exception:
        yield from _release(order, held)
        raise
    yield from _release(order, held)


def _release(order: FileOrder, held: list[Article]) -> Iterator[Article]:
    """The held articles in the file's order (decided by their separator, if nothing
    decided it), emptied from `held`."""
    warning = order.by_separator()
    if warning:
        first = next((a for a in held if order_of(a.numeric_date or "") == EITHER), None)
        if first is not None:
            first.warnings.append(warning)
    out = [order.apply(a) for a in held]
    held.clear()
    yield from out
