"""From a tantivy query to a page of hits: the order (tantivy's BM25 score, or by
date with the undated last), one hit per story, partial matches after full ones; and
the key terms of a text, for `similar`."""

from __future__ import annotations

import math
from typing import Any

import tantivy

from conflictcli.engine.folding import Ranked, page_of
from conflictcli.engine.tantivy.documents import schema
from conflictcli.engine.tantivy.translate import MUST, Q
from conflictcli.query import SearchRequest, Sort


def fill(ranked: Ranked, s: Any, more: Any, req: SearchRequest) -> None:
    """Partial matches after the full ones, up to the end of the page (collapsed: of
    stories no full match is in)."""
    n = _count(s, more)
    got = _ranked(s, more, n if ranked.held else min(ranked.room, n), req.sort)
    stories = _stories(s, got) if ranked.held else [None] * len(got)
    ranked.add_partial([(a, x, st) for (a, x), st in zip(got, stories, strict=True)])


def mark_partial(ranked: Ranked, s: Any, full: Any) -> None:
    """With --any: the hits that do not hold every term, marked partial."""
    listed = ranked.listed
    keys = s.fast_field_values("key", [a for a, _, _ in listed]) if listed else []
    whole = Q.term_set_query(schema(), "key", [k for k in keys if k is not None])
    held = {_where(a) for a in _all(s, Q.boolean_query([(MUST, full), (MUST, whole)]))}
    ranked.listed = [(a, x, _where(a) not in held) for a, x, _ in listed]


def _stories(s: Any, got: list[tuple[Any, float | None]]) -> list[int]:
    return list(s.fast_field_values("story", [a for a, _ in got])) if got else []


def _where(a: Any) -> tuple[int, int]:
    return (a.segment_ord, a.doc)


def page(s: Any, query: Any, req: SearchRequest) -> Ranked:
    total = _count(s, query)
    want = None if req.limit == 0 else req.offset + req.limit
    n = total if want is None or req.collapse else min(want, total)
    got = _ranked(s, query, n, req.sort)
    stories: list[int | None] = [None] * len(got)
    if req.collapse:
        stories = list(_stories(s, got))
    return page_of(
        total, [(a, x, st) for (a, x), st in zip(got, stories, strict=True)], req, req.collapse
    )


def _count(s: Any, query: Any) -> int:
    return int(s.search(query, 1, count=True).count)


def _all(s: Any, query: Any) -> list[Any]:
    n = _count(s, query)
    return [a for _, a in s.search(query, n, count=False).hits] if n else []


def _ranked(s: Any, query: Any, n: int, sort: Sort) -> list[tuple[Any, float | None]]:
    if n <= 0:
        return []
    if sort is Sort.relevance:
        return [(a, round(x, 4)) for x, a in s.search(query, n, count=False).hits]
    order = tantivy.Order.Desc if sort is Sort.newest else tantivy.Order.Asc
    fields = schema()
    dated = Q.boolean_query([(MUST, query), (MUST, Q.term_query(fields, "undated", 0))])
    hits = s.search(dated, n, count=False, order_by_field="date", order=order).hits
    got: list[tuple[Any, float | None]] = [(a, None) for _, a in hits]
    if len(got) < n:  # the undated last, either way
        undated = Q.boolean_query([(MUST, query), (MUST, Q.term_query(fields, "undated", 1))])
        rest = s.search(undated, n - len(got), count=False, order_by_field="key").hits
        got += [(a, None) for _, a in rest]
    return got


def key_terms(s: Any, text: str, n: int) -> list[tuple[str, float]]:
    """The n terms of `text` that best tell it apart (the Bo1 model, as Whoosh's
    more-like-this, with document frequencies for collection frequencies), each with
    its weight (the largest 1)."""
    from conflictcli.analysis import term_positions

    total = max(int(s.num_docs), 1)
    weights = []
    for term, places in term_positions(text, None).items():
        df = s.doc_freq("body", term)
        if not df:
            continue
        f = df / total
        weights.append((term, len(places) * math.log2((1 + f) / f) + math.log2(1 + f)))
    weights.sort(key=lambda tw: (-tw[1], tw[0]))
    top = weights[:n]
    most = top[0][1] if top else 1.0
    return [(w, x / most) for w, x in top]
