"""Filters: what a search asks, built once from the options, stored as-is by a watch."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conflictcli.choices import Sort
from conflictcli.errors import QueryError
from conflictcli.filters import Filters

from conftest import Run, as_json, open_archive

# a watch as `watch add` has stored it since watches exist (the catalogue's JSON)
STORED = {
    "query": "Kyiv",
    "since": "March 2024",
    "until": None,
    "sources": ["Reuters"],
    "places": ["Kiev"],
    "any": True,
    "exact": False,
    "dayfirst": True,
}


def test_a_stored_watch_reads_back_key_for_key() -> None:
    f = Filters.from_stored(STORED)
    assert f == Filters(
        query="Kyiv",
        since="March 2024",
        dayfirst=True,
        sources=("Reuters",),
        places=("Kiev",),
        any_terms=True,
    )
    assert list(f.as_stored().items()) == list(STORED.items())  # the same keys, in order
    assert Filters.from_stored({"query": "drone"}) == Filters(query="drone")
    within = Filters(query="drone", within="sentence")
    assert Filters.from_stored(json.loads(json.dumps(within.as_stored()))) == within


def test_a_request_reads_the_dates_and_takes_the_page() -> None:
    f = Filters(query="Kyiv", since="2024-03", until="2024", sources=("Reuters",), exact=True)
    req = f.request(Sort.newest, limit=5, offset=10, collapse=True)
    assert (req.text, req.since, req.until) == ("Kyiv", dt.date(2024, 3, 1), dt.date(2024, 12, 31))
    assert (req.sort, req.limit, req.offset, req.collapse) == (Sort.newest, 5, 10, True)
    assert (req.sources, req.exact, req.any_terms) == (("Reuters",), True, False)
    assert f.with_query("drone").request().text == "drone"
    with pytest.raises(QueryError):
        Filters(query="Kyiv", since="2024", until="2022").request()
    assert not Filters(query="x", any_terms=True, exact=True).narrowed()
    assert Filters(places=("Kiev",)).narrowed()


def test_watch_add_stores_the_filters_as_typed(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    import shutil

    ix = tmp_path / "ix"
    shutil.copytree(sample_archive, ix)
    args = ["Kyiv", "--since", "March 2024", "--source", "Reuters", "--place", "Kiev"]
    assert run("watch", "add", "k", *args, "--any", "--dayfirst", "--index", str(ix)).exit_code == 0
    [listed] = as_json(run("watch", "list", "--json", "--index", str(ix)))["watches"]
    assert listed["filters"] == STORED
    [watch] = open_archive(ix).watches()
    assert Filters.from_stored(watch.filters) == Filters.from_stored(STORED)
