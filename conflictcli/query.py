"""What a user asks for: the query text and its filters, as a plain request the
engine understands (index.py turns it into an engine query)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from dateutil import parser as dateparser

from conflictcli.errors import QueryError


class Sort(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


@dataclass(frozen=True)
class SearchRequest:
    text: str
    any_terms: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    sort: Sort = Sort.relevance
    limit: int = 10  # 0 = every full match
    offset: int = 0


# Two defaults far apart tell which parts of a date the user wrote: a part that comes
# out the same under both was written.
_LOW = dt.datetime(1904, 1, 1)
_HIGH = dt.datetime(1908, 12, 31)
_YEAR_ONLY = re.compile(r"^\s*\d{4}\s*$")


def parse_day_range(text: str, option: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date expression covers: `2024` is a year,
    `2024-03` and `March 2024` a month, `27 Mar 2024` a day."""
    try:
        low = dateparser.parse(text, default=_LOW)
        high = dateparser.parse(text, default=_HIGH)
    except (ValueError, OverflowError) as e:
        raise QueryError(
            f"{option} {text!r} is not a date I can read.",
            "Use a form like 2024-03-27, 2024-03, 'March 2024' or '27 Mar 2024'.",
        ) from e
    if _YEAR_ONLY.match(text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if low.year != high.year:
        raise QueryError(
            f"{option} {text!r} has no year.", f"Add one, as in '{text} {dt.date.today().year}'."
        )
    return low.date(), high.date()


def since_date(text: str | None) -> dt.date | None:
    return parse_day_range(text, "--since")[0] if text else None


def until_date(text: str | None) -> dt.date | None:
    return parse_day_range(text, "--until")[1] if text else None
