"""The two engines side by side on the same articles: every query of the benchmark and
of the query language (names, designations, Cyrillic forms, phrases, wildcards, fuzzy
words, NOT, fields, dates), under every filter, selects the same articles on tantivy
as on Whoosh, and the places, countries and stories come out the same. A real corpus
where ../shared is here, the benchmark's generated one elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conflictcli.archive import Archive
from conflictcli.query import SearchRequest, Sort

from agree import FILTERS, queries, request
from conftest import ROOT, Articles, invoke

pytest.importorskip("tantivy")


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
    differential_articles: Callable[[Path], Articles],
) -> Iterator[dict[str, Archive]]:
    real = ROOT.parent / "shared" / "corpora" / "ukraine-media-2022" / "articles"
    articles = differential_articles(real)
    out = {}
    for engine in ("whoosh", "tantivy"):
        where = tmp_path_factory.mktemp(engine) / "archive"
        r = invoke("ingest", str(articles.folder), "--engine", engine, "--index", str(where), "-q")
        assert r.exit_code == 0, r.stderr
        out[engine] = Archive.open(where)
        assert engine == out[engine].kind.NAME
    yield out
    for a in out.values():
        a.close()


def _selected(archive: Archive, req: SearchRequest) -> tuple[int, set[str]]:
    ids, _ = archive.engine.matching(req)
    return archive.engine.count(req), set(ids)


@pytest.mark.parametrize("text, dates", queries(), ids=lambda v: str(v)[:40])
def test_every_query_selects_the_same_articles_on_both_engines(
    both: dict[str, Archive], text: str, dates: dict[str, Any]
) -> None:
    w, tv = both["whoosh"], both["tantivy"]
    for extra in FILTERS:
        if any(dates.values()) and "since" in extra:
            continue  # the query's own dates stand
        given = {**dates, **extra}
        req = request(text, **dict(given))
        count_w, ids_w = _selected(w, req)
        count_t, ids_t = _selected(tv, req)
        assert count_w == len(ids_w), (text, extra)
        assert count_t == len(ids_t), (text, extra)
        assert ids_t == ids_w, (text, extra, sorted(ids_w ^ ids_t)[:5])


@pytest.mark.parametrize("text", ["Kyiv", "drones Belgorod", "ceasefire OR truce", "Mariupol"])
def test_pages_stories_and_orders_agree(both: dict[str, Archive], text: str) -> None:
    w, tv = both["whoosh"], both["tantivy"]
    for sort in (Sort.relevance, Sort.newest, Sort.oldest):
        for collapse in (False, True):
            req = replace(request(text), sort=sort, collapse=collapse, limit=0)
            rw, rt = w.search(req, snippets=False), tv.search(req, snippets=False)
            assert rt.total == rw.total, (text, sort, collapse)
            assert len(rt.results) == len(rw.results), (text, sort, collapse)
            if sort is not Sort.relevance:  # ties of a day may fall either way
                dates_w = [r.date for r in rw.results]
                assert [r.date for r in rt.results] == dates_w, (text, sort)
            if collapse:
                folded = sum(1 + (r.similar or 0) for r in rt.results)
                assert folded == rt.total, (text, sort)
    paged = [tv.search(replace(request(text), limit=5, offset=k), snippets=False) for k in (0, 5)]
    whole = tv.search(replace(request(text), limit=10), snippets=False)
    assert [r.id for p in paged for r in p.results] == [r.id for r in whole.results]


@pytest.mark.parametrize("text", ["", "Kyiv", "shelling"])
def test_places_and_countries_agree(both: dict[str, Archive], text: str) -> None:
    w, tv = both["whoosh"], both["tantivy"]
    req = request(text)
    total_w, per_w, _ = w.engine.places(req)
    total_t, per_t, _ = tv.engine.places(req)
    assert total_t == total_w
    assert {n.id: c for n, c in per_t} == {n.id: c for n, c in per_w if c}
    cw, ct = w.engine.countries(req), tv.engine.countries(req)
    assert ct[0] == cw[0]
    assert {k: v for k, v in ct[1].items() if v} == {k: v for k, v in cw[1].items() if v}


def test_snippets_mark_the_same_words(both: dict[str, Archive]) -> None:
    for text in ("Kyiv drones", "drone*", '"air defence"'):
        req = replace(request(text), limit=5)
        rw = {r.id: r for r in both["whoosh"].search(req).results}
        for r in both["tantivy"].search(req).results:
            if r.id in rw:
                assert r.snippet == rw[r.id].snippet, text


def test_the_inventory_is_the_same(both: dict[str, Archive]) -> None:
    w, tv = both["whoosh"].engine.inventory(), both["tantivy"].engine.inventory()
    assert tv == w


@pytest.mark.parametrize("text", ["Kyiv", "drones", "NOT Ukraine"])
def test_lists_and_counts_from_the_index_columns_agree_with_the_catalogues(
    both: dict[str, Archive], text: str
) -> None:
    """--fields id (no catalogue row read), timeline and count --by month|year (the date
    column) against what the catalogue tells, on each engine."""
    import json

    for engine, archive in both.items():
        ix = ["--index", str(archive.folder)]
        total = int(invoke("count", text, *ix).stdout.strip())
        alone = invoke("search", text, "-n", "0", "--jsonl", "--fields", "id", *ix).stdout
        with_rows = invoke("search", text, "-n", "0", "--jsonl", "--fields", "id,date", *ix)
        ids = [json.loads(line)["id"] for line in alone.splitlines()]
        assert ids == [json.loads(line)["id"] for line in with_rows.stdout.splitlines()], engine
        assert len(ids) == total, engine
        for by in ("day", "month", "year"):
            tl = json.loads(invoke("timeline", text, "--by", by, "--json", *ix).stdout)
            assert sum(b["count"] for b in tl["buckets"]) + tl["undated"] == total, (engine, by)
        for by in ("month", "year"):
            got = json.loads(invoke("count", text, "--by", by, "--json", *ix).stdout)
            assert got["count"] == total == sum(g["count"] for g in got["groups"]), (engine, by)
        dated = {r.id: r.date for r in archive.search(request(text, limit=0), False).results}
        months: dict[str | None, int] = {}
        for day in dated.values():
            months[day[:7] if day else None] = months.get(day[:7] if day else None, 0) + 1
        got = json.loads(invoke("count", text, "--by", "month", "--json", *ix).stdout)
        assert {g["key"]: g["count"] for g in got["groups"]} == months, engine
