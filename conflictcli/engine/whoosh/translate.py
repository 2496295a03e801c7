"""The query tree (query/tree.py) as Whoosh's query objects, and back for the parts the
engine reads (a tree's words, for marks)."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import datetime as dt
from typing import Any

from whoosh import query as wq

from conflictcli.query import tree as t


class Spellings(wq.Or):
    """Every spelling of one name, or every form of a word: an Or, scored as any Or;
    `name` for --explain."""

    def __init__(self, subqueries: list[Any], boost: float = 1.0, name: str = "") -> None:
        super().__init__(subqueries, boost=boost)
        self.name = name


def day_range(
    fieldname: str, first: dt.date | None, last: dt.date | None, boost: float = 1.0
) -> wq.Query:
    start = dt.datetime.combine(first, dt.time.min) if first else None
    end = dt.datetime.combine(last, dt.time.max) if last else None
    return wq.DateRange(fieldname, start, end, boost=boost)


def whoosh_query(q: t.Part) -> Any:
    """The Whoosh query that means what the tree `q` means."""
    if isinstance(q, t.Term):
        return wq.Term(q.field, q.text, boost=q.boost)
    if isinstance(q, t.Phrase):
        return wq.Phrase(q.field, list(q.words), slop=q.slop, boost=q.boost)
    if isinstance(q, t.Pattern):
        if q.prefix:
            return wq.Prefix(q.field, q.text[:-1], boost=q.boost)
        return wq.Wildcard(q.field, q.text, boost=q.boost)
    if isinstance(q, t.Fuzzy):
        return wq.FuzzyTerm(
            q.field, q.text, boost=q.boost, maxdist=q.maxdist, prefixlength=q.prefix
        )
    if isinstance(q, t.Dates):
        return day_range(q.field, q.first, q.last, q.boost)
    if isinstance(q, t.Range):
        return wq.TermRange(
            q.field, q.start, q.end, q.start_excluded, q.end_excluded, boost=q.boost
        )
    if isinstance(q, t.Every):
        return wq.Every(q.field, boost=q.boost)
    if isinstance(q, t.Not):
        return wq.Not(whoosh_query(q.part), boost=q.boost)
    parts = [whoosh_query(c) for c in q.parts]
    if isinstance(q, t.Spellings):
        return Spellings(parts, boost=q.boost, name=q.name)
    return (wq.And if isinstance(q, t.All) else wq.Or)(parts, boost=q.boost)
