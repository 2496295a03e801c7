"""Dates as articles write them: read into a day, and the years a day may be in.

A date is read as the day written, with no time zone applied; a day without a year is
no date we can trust. A day outside FIRST_YEAR..LAST_YEAR (0001-01-01, 9999-12-31,
99999-01-01: a placeholder, a typo, a hostile file) is kept as written and the article
is undated, so that date filters, timelines and stats never see it.
"""

from __future__ import annotations

import datetime as dt
import re

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
# a day of a year past 9999, which no date type holds (99999-01-01)
_FAR_DAY = re.compile(r"[+-]?0*[1-9][0-9]{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])\b")
DATE_MAX_CHARS = 100  # a longer text is no date (dateutil reads it slowly, a character at a time)


def read_date(text: str) -> dt.date | None:
    """A date in any form python-dateutil reads (2022-08-01T16:23:25Z, 2022/06/23,
    June 23, 2022), as the day written: no time zone is applied. None without a year:
    not a date we can trust. Any year a date type holds (1 to 9999): `in_years` says
    whether the day may be an article's."""
    if len(text) > DATE_MAX_CHARS:
        return None
    if _ISO_DAY.match(text):  # the seed format's own: read as dateutil reads it, 50x faster
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None  # 2024-02-30: dateutil refuses it too
    from dateutil import parser as dateparser  # only when a date must be read

    try:
        when = dateparser.parse(text, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if when.year == 1900 and "1900" not in text:
        return None
    return when.date()


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


def day_of(written: str) -> tuple[dt.date | None, str | None, bool]:
    """The date of a field as written, the warning when it gives none (no date, one
    that does not read, a day outside the years), and whether it was outside them."""
    written = written.strip()
    if not written:
        return None, "no date: indexed with an unknown date", False
    day = read_date(written)
    if day is not None and in_years(day):
        return day, None, False
    shown = repr(written[:40])
    if beyond_years(written, day):
        why = f"unreadable date {shown} (outside {YEARS}): indexed with an unknown date"
        return None, why, True
    return None, f"unreadable date {shown}: indexed with an unknown date", False
