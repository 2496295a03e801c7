"""What a page's address asks for, read as the command line reads its options: the
query and the filters (one Filters record, as search, count and export take it), the
order, the page. Every value is bounded: a long query, many filters or a far page are
refused with a message, never run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from conflictcli.choices import Period, Sort
from conflictcli.errors import UsageError
from conflictcli.filters import Filters

MAX_QUERY = 2000  # characters of a query
MAX_VALUES = 20  # values of one filter (sources, places, ...)
MAX_VALUE = 200  # characters of one value
MAX_PAGE = 1000
PER_PAGE = 20
# the filters a page passes on, in the order links write them
KEYS = ("q", "since", "until", "source", "place", "country", "lang", "any", "exact", "sort")


class Params(Protocol):
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Asked:
    """A page's request: the filters, the order and the page."""

    filters: Filters
    sort: Sort = Sort.relevance
    page: int = 1
    params: tuple[tuple[str, str], ...] = ()  # as given (without the token), for links

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    def link(self, **changes: str | int | None) -> str:
        """This request's query string with some values changed (None: left out)."""
        kept = [(k, v) for k, v in self.params if k not in changes]
        for k, v in changes.items():
            if v is not None and v != "":
                kept.append((k, str(v)))
        return urlencode(kept)

    def toggled(self, key: str, value: str) -> str:
        """The query string with `value` added to the filter `key`, or taken off it."""
        kept = [(k, v) for k, v in self.params if k != "page"]
        if (key, value) in kept:
            kept.remove((key, value))
        else:
            kept.append((key, value))
        return urlencode(kept)

    def chosen(self, key: str) -> list[str]:
        return [v for k, v in self.params if k == key]


def _one(params: Params, key: str, limit: int = MAX_VALUE) -> str | None:
    given = params.getlist(key)
    value = given[0] if given else None
    if value is None or not value.strip():
        return None
    if len(value) > limit:
        raise UsageError(f"{key}: longer than {limit:,} characters.", "Shorten it.")
    return value.strip()


def _many(params: Params, key: str) -> tuple[str, ...]:
    values = [v.strip() for v in params.getlist(key) if v.strip()]
    if len(values) > MAX_VALUES or any(len(v) > MAX_VALUE for v in values):
        raise UsageError(f"{key}: too many values, or one too long.", "Choose fewer.")
    return tuple(dict.fromkeys(values))


def _flag(params: Params, key: str) -> bool:
    return (_one(params, key) or "").lower() in ("1", "on", "true", "yes")


def read(params: Params) -> Asked:
    """The request a page's parameters make (a UsageError for one that cannot be)."""
    query = _one(params, "q", MAX_QUERY) or ""
    sort_name = _one(params, "sort") or Sort.relevance.value
    try:
        sort = Sort(sort_name)
    except ValueError:
        raise UsageError(
            f"sort: {sort_name!r} is not an order.", "Choose relevance, newest or oldest."
        ) from None
    page_text = _one(params, "page") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise UsageError(f"page: {page_text!r} is not a page from 1 to {MAX_PAGE}.")
    filters = Filters(
        query=query,
        since=_one(params, "since"),
        until=_one(params, "until"),
        sources=_many(params, "source"),
        places=_many(params, "place"),
        countries=tuple(c.upper() for c in _many(params, "country")),
        langs=tuple(c.lower() for c in _many(params, "lang")),
        any_terms=_flag(params, "any"),
        exact=_flag(params, "exact"),
    )
    given = tuple((k, v.strip()) for k in (*KEYS, "page") for v in params.getlist(k) if v.strip())
    return Asked(filters, sort, int(page_text), given)


def number(params: Params, key: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high` (the default when not given)."""
    text = _one(params, key)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise UsageError(f"{key}: {text!r} is not a number from {low} to {high:,}.")
    return int(text)


def period(params: Params) -> str | None:
    """A timeline's period (by=day|week|month|year|hour; None: the span decides)."""
    text = _one(params, "by")
    if text is not None and text not in {p.value for p in Period}:
        choices = ", ".join(p.value for p in Period)
        raise UsageError(f"by: {text!r} is not a period.", f"Choose {choices}.")
    return text


def queries(params: Params) -> list[str]:
    """The queries of a timeline (q repeated), at most MAX_VALUES."""
    got = [q.strip() for q in params.getlist("q") if q.strip()]
    if len(got) > MAX_VALUES or any(len(q) > MAX_QUERY for q in got):
        raise UsageError("Too many queries, or one too long.", "Chart fewer at once.")
    return got
