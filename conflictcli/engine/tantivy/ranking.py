"""From a tantivy query to a page of hits: the order (tantivy's BM25 score, or by
date with the undated last), one hit per story, partial matches after full ones; and
the key terms of a text, for `similar`."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import tantivy

from conflictcli.engine.tantivy.documents import schema
from conflictcli.engine.tantivy.translate import MUST, Q
from conflictcli.query import SearchRequest, Sort

Entry = tuple[Any, float | None, bool]  # a document, its score, partial


@dataclass
class Ranked:
    """The matches of a request up to the end of its page, in order."""

    total: int  # every match
    lines: int  # what limit and offset count: matches, or stories when collapsed
    listed: list[Entry]
    offset: int
    want: int | None
    stories: list[int] = field(default_factory=list)  # of `listed`, when collapsed
    held: Counter[int] = field(default_factory=Counter)  # matches per story

    @property
    def entries(self) -> list[Entry]:
        return self.listed[self.offset : self.want]

    @property
    def others(self) -> list[int | None]:
        if not self.held:
            return []
        return [self.held[s] - 1 for s in self.stories[self.offset : self.want]]

    def short(self, req: SearchRequest) -> bool:
        return self.want is not None and self.lines < self.want

    def fill(self, s: Any, more: Any, req: SearchRequest) -> None:
        """Partial matches after the full ones, up to the end of the page (collapsed:
        of stories no full match is in)."""
        assert self.want is not None
        room = self.want - self.lines
        n = _count(s, more)
        got = _ranked(s, more, n if self.held else min(room, n), req.sort)
        if not self.held:
            self.listed += [(a, x, True) for a, x in got[:room]]
            return
        before = set(self.held)
        stories = s.fast_field_values("story", [a for a, _ in got]) if got else []
        for (a, x), story in zip(got, stories, strict=True):
            if story in before:
                continue
            if story not in self.held and len(self.listed) < self.want:
                self.listed.append((a, x, True))
                self.stories.append(story)
            self.held[story] += 1

    def mark_partial(self, s: Any, full: Any) -> None:
        """With --any: the hits that do not hold every term, marked partial."""
        keys = s.fast_field_values("key", [a for a, _, _ in self.listed]) if self.listed else []
        whole = Q.term_set_query(schema(), "key", [k for k in keys if k is not None])
        held = {_where(a) for a in _all(s, Q.boolean_query([(MUST, full), (MUST, whole)]))}
        self.listed = [(a, x, _where(a) not in held) for a, x, _ in self.listed]


def _where(a: Any) -> tuple[int, int]:
    return (a.segment_ord, a.doc)


def page(s: Any, query: Any, req: SearchRequest) -> Ranked:
    total = _count(s, query)
    want = None if req.limit == 0 else req.offset + req.limit
    if not req.collapse:
        got = _ranked(s, query, total if want is None else min(want, total), req.sort)
        return Ranked(total, total, [(a, x, False) for a, x in got], req.offset, want)
    got = _ranked(s, query, total, req.sort)
    stories = s.fast_field_values("story", [a for a, _ in got]) if got else []
    held = Counter(stories)
    seen: set[int] = set()
    listed: list[Entry] = []
    firsts: list[int] = []
    for (a, x), story in zip(got, stories, strict=True):
        if story not in seen:
            seen.add(story)
            if want is None or len(listed) < want:
                listed.append((a, x, False))
                firsts.append(story)
    return Ranked(total, len(held), listed, req.offset, want, firsts, held)


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
