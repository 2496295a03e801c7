"""Articles counted by period: the periods of a timeline (day, ISO week, month, year),
every one from the first to the last so that empty periods show as zero, the default
period for a span of dates, and the peaks (periods well above the typical level)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence

PERIODS = ("hour", "day", "week", "month", "year")
MAX_PERIODS = 100_000  # a longer span is refused: narrow it with --since and --until
PEAK_MIN = 3  # a period with fewer articles is never a peak
PEAK_SPREADS = 3.0  # how many spreads above the median a peak stands


def period_of(day: dt.date, by: str) -> str:
    """The period that holds `day`: 2022-03-01T14 (an hour: `day` is a datetime),
    2022-03-01, 2022-W09 (ISO week), 2022-03, 2022."""
    if by == "hour":  # a day alone stands at its start
        return _hour(day).isoformat()[:13]
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def periods(first: dt.date, last: dt.date, by: str) -> list[str]:
    """Every period from the one that holds `first` to the one that holds `last`."""
    out: list[str] = []
    if by == "hour":  # datetimes (a day alone stands at its start)
        first, last = _hour(first), _hour(last)
        step = dt.timedelta(hours=1)
        if (last - first) / step > MAX_PERIODS:
            from conflictcli.errors import QueryError

            raise QueryError(
                f"timeline --by hour from {first:%Y-%m-%d} to {last:%Y-%m-%d} would be "
                f"more than {MAX_PERIODS:,} hours.",
                "Narrow it with --since and --until, or count --by day.",
            )
    elif by == "day":
        step = dt.timedelta(days=1)
    elif by == "week":
        first = first - dt.timedelta(days=first.weekday())  # its Monday
        step = dt.timedelta(days=7)
    elif by == "month":
        months = (last.year - first.year) * 12 + last.month - first.month
        return [
            f"{first.year + (first.month - 1 + i) // 12:04d}-{(first.month - 1 + i) % 12 + 1:02d}"
            for i in range(months + 1)
        ]
    else:
        return [f"{y:04d}" for y in range(first.year, last.year + 1)]
    day = first
    while day <= last:
        out.append(period_of(day, by))
        day += step
    return out


def _hour(day: dt.date) -> dt.datetime:
    """The start of the hour that holds a moment (of the day, for a day)."""
    if isinstance(day, dt.datetime):
        return day.replace(minute=0, second=0, microsecond=0)
    return dt.datetime.combine(day, dt.time())


def default_by(first: dt.date, last: dt.date) -> str:
    """The period that suits a span of dates: days up to two months, weeks up to a
    year, months up to fifteen years, years beyond."""
    days = (last - first).days
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    if days <= 15 * 366:
        return "month"
    return "year"


def peaks(counts: Sequence[int]) -> list[int]:
    """The indexes of the periods well above the typical level: at least PEAK_MIN
    articles and more than the median plus PEAK_SPREADS spreads, the spread being
    1.4826 times the median absolute deviation (the standard deviation, for counts
    that vary normally, and untouched by the peaks themselves), or the square root of
    the mean where that is zero (most periods alike, or empty)."""
    if len(counts) < 3:
        return []
    median = statistics.median(counts)
    spread = 1.4826 * statistics.median(abs(c - median) for c in counts)
    if spread == 0:
        spread = math.sqrt(statistics.fmean(counts))
    level = median + PEAK_SPREADS * spread
    return [i for i, c in enumerate(counts) if c >= PEAK_MIN and c > level]
