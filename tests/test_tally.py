"""The reading room's facets come from one tally of the engine (its query run once, its
selection kept for the next request of the same page): each kind must give what the
engine's other answers and the catalogue's rows give, for every query and filter, and
a kept selection must never answer another request."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from conflictcli import counting
from conflictcli.filters import Filters

from conftest import UKRAINE_MEDIA, Corpus, Run, needs_corpus, open_archive, write

pytestmark = pytest.mark.engine

KINDS = ("source", "place", "country", "lang", "year", "month")
QUERIES = ["drone", "attack OR strike", "Russia NOT Kyiv", '"air defence"', "Kyiv", "Україна"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"since": "2022-06"},
    {"until": "2022-05", "places": ("Kyiv",)},
    {"sources": ("Meduza",), "langs": ("en", "ru")},
    {"countries": ("UA",)},
]


def reference(archive: Any, req: Any, kind: str) -> Any:
    """count --by `kind` as the engine's one-kind answers and the catalogue's rows give it,
    never through a tally."""
    engine, store = archive.engine, archive.store
    if kind in ("source", "lang"):
        facts, notes = counting._facts(engine, store, req)
        return counting._from_facts(req, facts, notes, kind, store)
    return counting.count(engine, store, req, kind)


def compared(ix: str, queries: list[str], filters: list[dict[str, Any]]) -> int:
    """Each query under each filter: after the page's search, the facets equal the
    references and every total equals count's. Returns how many groups were compared."""
    archive, fresh = open_archive(ix), open_archive(ix)
    seen = 0
    for query, given in itertools.product(queries, filters):
        f = Filters.from_stored({"query": query, **given})
        req = f.request()
        total = fresh.count(req).count
        archive.search(f.request(limit=20, collapse=True))  # what the page asks first
        got = archive.facets(req, KINDS)
        for kind in KINDS:
            want = reference(fresh, req, kind)
            assert got[kind].count == total == want.count, (query, given, kind)
            assert got[kind].groups == want.groups, (query, given, kind)
            assert got[kind].notes == want.notes, (query, given, kind)
            seen += len(want.groups)
    return seen


@needs_corpus(UKRAINE_MEDIA)
def test_facets_equal_each_count_on_a_real_corpus(ukraine_media: Corpus) -> None:
    assert compared(ukraine_media.ix, QUERIES, FILTERS) > 100


def test_facets_equal_each_count_where_outlets_are_spelled_many_ways(
    run: Run, tmp_path: Path
) -> None:
    """Outlets spelled in several cases (shown as most of the archive spells them),
    articles with no source, undated ones, Cyrillic and English."""
    folder = tmp_path / "a"
    sources = ["BBC News", "bbc news", "BBC NEWS", "BBC News", "Meduza", None, "meduza"]
    for i in range(28):
        source = sources[i % len(sources)]
        head = f" date 2022-0{1 + i % 9}-1{i % 10}\n" if i % 5 else ""
        said = f"source: {source}\n\n" if source else ""
        text = "Обстрел Харькова, дроны над городом." if i % 3 == 0 else "Drone strike on Kyiv."
        write(folder / f"{i:02d}.txt", f"{head}{said}{text} Paragraph {i}.\n")
    ix = str(tmp_path / "ix")
    r = run("ingest", str(folder), "--index", ix)
    assert r.exit_code == 0, r.stderr
    filters: list[dict[str, Any]] = [{}, {"sources": ("bbc news",)}, {"until": "2022-04"}]
    assert compared(ix, ["drone", "Kyiv OR Харькова", "Paragraph"], filters) > 10
    spelled = {
        g.key for g in open_archive(ix).count(Filters("Paragraph").request(), "source").groups
    }
    assert "BBC News" in spelled and "bbc news" not in spelled


def test_a_kept_selection_answers_only_its_own_request(sample_archive: Path) -> None:
    """A search keeps what it selected for the facets of its page: another query, other
    filters or the same query with --any are counted afresh."""
    archive = open_archive(sample_archive)
    asked = [
        Filters("drone"),
        Filters("drone", since="2024-01-01"),
        Filters("drone attack"),
        Filters("drone attack", any_terms=True),
        Filters("drone", sources=("Kyiv Independent",)),
    ]
    for before, after in itertools.permutations(asked, 2):
        archive.search(before.request(limit=5, collapse=True))
        got = archive.facets(after.request(), ("year", "lang"))
        want = open_archive(sample_archive).count(after.request()).count
        assert got["year"].count == got["lang"].count == want, (before, after)
