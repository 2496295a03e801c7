"""The searches an archive answers: a page of results, a search whose terms share a
sentence (--within), how the engine reads a request (--explain), every match for an
export, the articles most like one. The engine finds the hits; pages.py makes them
results from the catalogue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from conflictcli.pages import (
    ROWS_PER_READ,
    TEXTS_PER_READ,
    page_results,
    result_of,
    results_of,
    rows_of,
)
from conflictcli.records.search import Result, SearchResult, from_hit

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.query import SearchRequest
    from conflictcli.records.holdings import Member
    from conflictcli.store import Store

if TYPE_CHECKING:  # the search engine loads only for the commands that search
    from conflictcli.engine.base import Engine
    from conflictcli.engine.records import Explanation


def search(
    engine: Engine, store: Store, req: SearchRequest, snippets: bool, rows: bool = True
) -> SearchResult:
    """The page of results the request asks for. Without `snippets` (an output that
    shows neither snippets nor highlights) no text is read: each result is its row
    of the catalogue, and snippet is "". Without `rows` (an output of FROM_THE_INDEX
    fields only) no row is read either: each result is what the engine's hit holds."""
    if req.within:
        return _within(engine, store, req)
    t0 = time.perf_counter()
    found = engine.search(req)
    if rows:
        results = page_results(store, found.hits, snippets)
    else:
        results = [from_hit(h.id, h.score, h.partial, h.similar) for h in found.hits]
    took = round((time.perf_counter() - t0) * 1000, 1)
    notes = [*req.notes, *found.notes]
    return SearchResult(
        req.text, found.total, req.offset, req.limit, took, results, notes, req.collapse
    )


def _within(engine: Engine, store: Store, req: SearchRequest) -> SearchResult:
    """A search whose every full match is kept only where one sentence (or
    paragraph) of its title or body holds each required part of the query; the
    snippet is that sentence. The total counts those kept."""
    from conflictcli import within
    from conflictcli.analysis import spans_of
    from conflictcli.engine.snippets import mark

    assert req.within is not None
    t0 = time.perf_counter()
    every = replace(req, limit=0, offset=0, collapse=False, any_terms=False)
    found = engine.search(every)
    wanted = within.merged(within.needs(engine.tree(req)))
    kept: list[Result] = []
    for first in range(0, len(found.hits), TEXTS_PER_READ):
        hits = found.hits[first : first + TEXTS_PER_READ]
        articles = store.articles([h.id for h in hits])
        for h in hits:
            a = articles.get(h.id)
            if a is None:
                continue
            unit = None
            # the body first (its sentence is the snippet), then a title of its own
            for text in (a.body,) if a.title_derived else (a.body, a.title):
                unit = within.first_unit(text, req.within, wanted)
                if unit is not None:
                    break
            if unit is None:
                continue
            mark(h, a.title, a.body)  # the marks of the title
            r = result_of(a, h)
            r.snippet = " ".join(text[unit[0] : unit[1]].split())
            r.highlights = spans_of(r.snippet, h.words)
            kept.append(r)
    page = kept[req.offset : req.offset + req.limit] if req.limit else kept[req.offset :]
    took = round((time.perf_counter() - t0) * 1000, 1)
    notes = [*req.notes, *found.notes]
    return SearchResult(req.text, len(kept), req.offset, req.limit, took, page, notes, False)


def explain(engine: Engine, req: SearchRequest) -> Explanation:
    """How the engine reads a request, and how many articles it selects."""
    found = engine.explain(req)
    found.notes[:0] = req.notes
    return found


def export(
    engine: Engine, store: Store, req: SearchRequest, snippets: bool, texts: bool
) -> tuple[int, Iterator[tuple[Result, str]]]:
    """Every article the request selects, each as its search result with its body, in
    the order of search --limit 0: how many there are, and the rows, read a few at a
    time so that memory stays flat however many match. Without `snippets` the results
    have none (""), and without `texts` the bodies are "": what is not written is not
    read."""
    found = engine.search(replace(req, limit=0, offset=0, collapse=False))
    hits = found.hits
    step = TEXTS_PER_READ if (snippets or texts) else ROWS_PER_READ

    def rows() -> Iterator[tuple[Result, str]]:
        for first in range(0, len(hits), step):
            yield from rows_of(store, hits[first : first + step], snippets, texts)

    return found.total, rows()


def every_article(store: Store) -> Iterator[tuple[Result, str]]:
    """Every article of the archive, in the order it was added, as export gives them."""
    from conflictcli.engine.records import Hit
    from conflictcli.engine.snippets import mark

    for a in store.iter_articles():
        hit = Hit(id=a.id, score=None)
        mark(hit, a.title, a.body)
        yield result_of(a, hit), a.body


def similar(
    engine: Engine, store: Store, a: Article, story: list[Member], limit: int
) -> SearchResult:
    """The articles most like `a`, leaving out the article and the other copies of its
    `story` (near-duplicates: show lists them)."""
    t0 = time.perf_counter()
    leave_out = {a.id, *(m.id for m in story)}
    found = engine.similar(f"{a.title}\n\n{a.body}", leave_out, limit)
    results = results_of(store, found.hits)
    took = round((time.perf_counter() - t0) * 1000, 1)
    return SearchResult(f"similar to {a.id}", len(results), 0, limit, took, results, [])
