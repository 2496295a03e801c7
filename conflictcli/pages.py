"""Hits made into results: the engine finds ids, the catalogue supplies what is shown.
Each hit becomes its article's row of the catalogue, with the snippet and the marks
cut from its text; a long page has its snippets cut by worker processes forked from
this one."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from conflictcli import workers
from conflictcli.articles import Article
from conflictcli.records.search import Result
from conflictcli.store import Store

if TYPE_CHECKING:
    from conflictcli.engine.records import Hit

PARALLEL_HITS = 1000  # a page this long has its snippets cut by worker processes
HITS_PER_JOB = 200  # hits a worker cuts the snippets of at a time
ROWS_PER_READ = 500  # articles read from the catalogue at a time, without their texts ...
# ... and with them: few enough that a read stays within bounds if each text is as long
# as the catalogue lets one be (MAX_TEXT_BYTES), whatever the archive holds
TEXTS_PER_READ = 32
# what a forked worker inherits: the catalogue it opened, the page it cuts snippets for
_WORKER_STORE: Store | None = None
_WORKER_PAGE: list[Hit] = []


def results_of(store: Store, hits: list[Hit], snippets: bool = True) -> list[Result]:
    """The page's results: each article's fields from the catalogue, with its snippet
    and marks cut from its text (unless not `snippets`: then no text is read). A hit
    the catalogue lacks (an ingest that stopped between the two) is left out."""
    return [r for r, _ in rows_of(store, hits, snippets, texts=snippets)]


def rows_of(
    store: Store, hits: list[Hit], snippets: bool = True, texts: bool = True
) -> list[tuple[Result, str]]:
    """results_of, each with the article's body ("" without `texts`: not read)."""
    from conflictcli.engine.snippets import mark

    articles = store.articles([h.id for h in hits], texts=texts or snippets)
    rows = []
    for h in hits:
        a = articles.get(h.id)
        if a is None:
            continue
        if snippets:
            mark(h, a.title, a.body)
        rows.append((result_of(a, h), a.body))
    return rows


def result_of(a: Article, h: Hit) -> Result:
    """The result an article found by a hit gives: its fields, the hit's marks."""
    return Result(
        id=a.id,
        date=a.date.isoformat() if a.date else None,
        title=a.title,
        source=a.source,
        url=a.url,
        path=a.paths[0] if a.paths else None,
        score=h.score,
        snippet=h.snippet,
        highlights=h.highlights,
        title_highlights=h.title_highlights,
        partial=h.partial,
        cluster=a.cluster,
        similar=h.similar,
        datetime=f"{a.date.isoformat()}T{a.time.isoformat()}" if a.date and a.time else None,
        lang=a.lang,
        meta=dict(a.meta),
    )


def page_results(store: Store, hits: list[Hit], snippets: bool = True) -> list[Result]:
    """results_of a search's page; a page of PARALLEL_HITS hits or more has its
    snippets cut by worker processes, where they can fork."""
    n = workers.count() if len(hits) >= PARALLEL_HITS and workers.can_fork() else 0
    if n and snippets:
        return _results_in_workers(store.reopened, hits, n)
    return results_of(store, hits, snippets)


def _results_in_workers(opened: Callable[[], Store], hits: list[Hit], n: int) -> list[Result]:
    """results_of, HITS_PER_JOB hits at a time, in `n` worker processes forked from
    this one, in the order of the page. The workers find the page in the memory they
    inherit, so a job is sent as a number and comes back as tuples (pickling the hits
    and the results both ways would cost more than the work). Each worker opens the
    catalogue for itself (`opened`): a connection is never shared across a fork."""
    import multiprocessing

    global _WORKER_PAGE
    context = multiprocessing.get_context("fork")
    _WORKER_PAGE = hits
    try:
        with context.Pool(n, initializer=_worker_start, initargs=(opened, os.getpid())) as pool:
            jobs = pool.imap(_worker_results, range(0, len(hits), HITS_PER_JOB))
            return [Result(*values) for job in jobs for values in job]
    finally:
        _WORKER_PAGE = []


def _worker_start(opened: Callable[[], Store], parent: int) -> None:
    global _WORKER_STORE
    workers.init(parent)
    _WORKER_STORE = opened()


def _worker_results(first: int) -> list[tuple[Any, ...]]:
    assert _WORKER_STORE is not None
    found = results_of(_WORKER_STORE, _WORKER_PAGE[first : first + HITS_PER_JOB])
    return [tuple(getattr(r, name) for name in _RESULT_FIELDS) for r in found]


_RESULT_FIELDS = tuple(f.name for f in fields(Result))  # in the order Result() takes them
