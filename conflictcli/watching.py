"""Watches: saved searches that show what is new since they last ran. The catalogue
keeps each watch's filters as typed, the ids it has shown, and the notes it has shown
(how its query was read), so that a run from cron says each once."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from conflictcli.errors import NotFound, UsageError
from conflictcli.filters import Filters
from conflictcli.pages import results_of
from conflictcli.records.search import SearchResult, Watch
from conflictcli.store import Store

if TYPE_CHECKING:
    from conflictcli.query import SearchRequest

if TYPE_CHECKING:  # the search engine loads only for the commands that search
    from conflictcli.engine.base import Engine


def check_name(name: str) -> None:
    """A watch's name is a word or words, with no space around them."""
    if not name.strip() or name != name.strip():
        raise UsageError(f"{name!r} is no name for a watch.", "Use a word, such as: kherson")


def add(engine: Engine, store: Store, name: str, filters: Filters, req: SearchRequest) -> None:
    """Save a search as a watch, its filters as typed (`req`: the request they make);
    what it finds today counts as shown, so that its first run shows the articles
    ingested after this."""
    ids, _ = engine.matching(req)  # reads the query: a bad one is refused now
    saved = json.dumps(filters.as_stored(), ensure_ascii=False)
    if not store.add_watch(name, req.text, saved, ids):
        raise UsageError(
            f"A watch named {name!r} exists.", f"Remove it first: conflict watch rm {name}"
        )


def watches(store: Store) -> list[Watch]:
    return [
        Watch(name, query, json.loads(filters), created, last_run)
        for name, query, filters, created, last_run in store.watches()
    ]


def remove(store: Store, name: str) -> None:
    if not store.remove_watch(name):
        raise NotFound(f"No watch named {name!r}.", "'conflict watch list' lists them.")


def run(
    engine: Engine,
    store: Store,
    watch: Watch,
    req: SearchRequest,
    peek: bool,
    notes_shown: bool = True,
) -> SearchResult:
    """The watch's matches (`req`: the request its filters make) that it has not shown
    yet, in the order of its search, with the notes it has not shown before; marked as
    shown unless `peek` (the notes only if they are, `notes_shown`)."""
    t0 = time.perf_counter()
    found = engine.search(replace(req, limit=0, offset=0, collapse=False))
    new = set(store.unseen(watch.name, [h.id for h in found.hits]))
    results = results_of(store, [h for h in found.hits if h.id in new])
    said = store.watch_notes(watch.name)
    notes = [n for n in dict.fromkeys(found.notes) if n not in said]
    if not peek:
        store.watched(watch.name, [r.id for r in results], notes if notes_shown else [])
    took = round((time.perf_counter() - t0) * 1000, 1)
    return SearchResult(watch.query, len(results), 0, 0, took, results, notes)
