"""Places as a facet: `conflict places [QUERY]` counts, for each place of the gazetteer,
the matching articles that name it in any spelling, and `--place NAME` keeps the
articles that name a place. The two are one definition: a place's count is what
`search --place` totals, under every query and filter, on sample_data and on a real
corpus (ukraine-media-2022)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import UKRAINE_MEDIA, Corpus, Run, as_json, needs_corpus

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)


def places(run: Run, ix: Path | str, *args: str) -> dict[str, Any]:
    return as_json(run("places", *args, "--limit", "0", "--json", "--index", str(ix)))


def total(run: Run, ix: Path | str, *args: str) -> int:
    r = run("search", *args, "--limit", "0", "--json", "--index", str(ix))
    assert r.exit_code in (0, 1), r.stderr
    return int(json.loads(r.stdout)["total"])


PLACE_KEYS = ("place", "id", "kind", "articles")


def test_places_json_lists_named_places_most_named_first(run: Run, sample_archive: Path) -> None:
    got = places(run, sample_archive)
    assert set(got) == {"schema", "query", "total", "places"}
    held = as_json(run("stats", "--json", "--index", str(sample_archive)))["articles"]
    assert got["query"] == "" and got["total"] == held
    rows = got["places"]
    assert rows and all(set(p) == {*PLACE_KEYS, "country", "lat", "lon"} for p in rows)
    for p in rows:  # where it is, for a map: every place of the gazetteer has coordinates
        assert isinstance(p["country"], str) and len(p["country"]) == 2, p
        if p["kind"] == "place" or p["lat"] is not None:  # a region may have none
            assert -90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180, p
    assert all(p["kind"] in ("place", "region") and 0 < p["articles"] <= held for p in rows)
    counts = [p["articles"] for p in rows]
    assert counts == sorted(counts, reverse=True)
    assert "Kyiv" in {p["place"] for p in rows}


def test_csv_jsonl_and_limit_carry_the_same_rows(run: Run, sample_archive: Path) -> None:
    rows = places(run, sample_archive)["places"]
    r = run("places", "--limit", "0", "--csv", "--index", str(sample_archive))
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["place"], int(x["articles"])) for x in table] == [
        (p["place"], p["articles"]) for p in rows
    ]
    r = run("places", "--limit", "0", "--jsonl", "--index", str(sample_archive))
    assert [json.loads(line) for line in r.stdout.splitlines()] == rows
    first3 = as_json(run("places", "-n", "3", "--json", "--index", str(sample_archive)))
    assert first3["places"] == rows[:3]


@pytest.mark.parametrize("query", ["drone", "attack OR strike", "Russia NOT Kyiv"])
@pytest.mark.parametrize("dates", [[], ["--since", "2023-11"]])
def test_a_place_counts_what_search_place_finds(
    run: Run, sample_archive: Path, query: str, dates: list[str]
) -> None:
    got = places(run, sample_archive, query, *dates)
    assert got["total"] == total(run, sample_archive, query, *dates)
    assert got["places"], (query, dates)
    for p in got["places"][:6]:
        assert total(run, sample_archive, query, *dates, "--place", p["place"]) == p["articles"]


def test_with_no_query_a_place_counts_the_articles_that_name_it(
    run: Run, sample_archive: Path
) -> None:
    every = places(run, sample_archive)["places"]
    for p in every[:2] + every[-1:]:
        only = places(run, sample_archive, "--place", p["place"])
        assert only["total"] == p["articles"], p
        assert {q["place"]: q["articles"] for q in only["places"]}[p["place"]] == p["articles"]


def test_place_takes_any_spelling_and_repeats_mean_any(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    kyiv = total(run, ix, "attack", "--place", "Kyiv")
    assert kyiv > 0
    assert total(run, ix, "attack", "--place", "Kiev") == kyiv
    assert total(run, ix, "attack", "--place", "Київ") == kyiv
    odesa = total(run, ix, "attack", "--place", "Odessa")
    both = total(run, ix, "attack", "--place", "Kyiv", "--place", "Odesa")
    assert max(kyiv, odesa) <= both <= kyiv + odesa


def test_a_place_filter_changes_no_score(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    every = {
        x["id"]: x["score"]
        for x in as_json(run("search", "drone", "--limit", "0", "--json", "--index", ix))["results"]
    }
    kept = as_json(
        run("search", "drone", "--place", "Kyiv", "--limit", "0", "--json", "--index", ix)
    )["results"]
    assert kept and all(every[x["id"]] == x["score"] for x in kept)


def test_a_name_that_is_no_place_is_refused_with_the_next_step(
    run: Run, sample_archive: Path
) -> None:
    r = run("search", "drone", "--place", "Atlantis", "--index", str(sample_archive))
    assert r.exit_code == 2 and "No place called 'Atlantis'" in r.stderr
    assert "conflict places" in r.stderr and "Traceback" not in r.stderr
    r = run("places", "--place", "Zelensky", "--index", str(sample_archive))
    assert r.exit_code == 2 and "a person, not a place" in r.stderr


def test_explain_shows_the_place_filter(run: Run, sample_archive: Path) -> None:
    r = run(
        "search", "drone", "--place", "Kiev", "--explain", "--json", "--index", str(sample_archive)
    )
    tree = json.dumps(as_json(r))
    assert '"places"' in tree and "Kyiv" in tree


def test_every_spelling_counts_for_one_place_only() -> None:
    """A spelling two entries share is counted for the more prominent one (the one a
    search reads it as), so no article counts for two places by one word."""
    from conflictcli import names

    owner: dict[names.Key, str] = {}
    for place in names.places():
        for form in names.own_forms(place):
            assert form not in owner, (form, owner.get(form), place.name)
            owner[form] = place.name
            match = names.gazetteer().lookup(form)
            assert match is None or match.name.id == place.id
    shared = [p for p in names.places() if len(names.own_forms(p)) < len(p.forms)]
    assert shared, "the gazetteer has spellings that two places share (Pokrovsk)"


# -- ukraine-media-2022 --------------------------------------------------------------
@needs_corpus(UKRAINE_MEDIA)
def test_places_on_a_real_corpus_count_every_spelling(ukraine_media: Corpus, run: Run) -> None:
    """With no query, a place counts at least the articles that hold one of its common
    spellings alone (a regular expression over the files; "Kyiv region" and "Kyiv and
    Sumy regions" name the oblasts),
    at most those a search for it finds (expanded to every spelling: "Kyiv region" too),
    and --place agrees under a query and a date filter."""
    ix = ukraine_media.ix
    got = {p["place"]: p["articles"] for p in places(run, ix)["places"]}
    texts = [p.read_text(encoding="utf-8") for p in ukraine_media.files]
    for place, pattern in [
        ("Kyiv", r"kyiv|kiev"),
        ("Kharkiv", r"kharkiv|kharkov"),
        ("Mariupol", r"mariupol"),
    ]:
        holds = re.compile(
            rf"(?<!regions of )(?<!region of )(?<!\w)({pattern})(?![\w-])"
            r"(?![^.]{0,40}\b(regions?|oblasts?|provinces?|regional|Independent|Post)\b)",
            re.IGNORECASE,
        )  # a spelling alone, not the oblast (Kyiv region, Kyiv and Sumy regions)
        want = sum(1 for t in texts if holds.search(t))
        assert total(run, ix, place) >= got[place] >= want > 0, (place, got[place], want)
    for query, filters in [("drone", []), ("grain", ["--since", "2022-07", "--until", "2022-09"])]:
        facet = places(run, ix, query, *filters)
        assert facet["total"] == total(run, ix, query, *filters)
        for p in facet["places"][:5]:
            assert total(run, ix, query, *filters, "--place", p["place"]) == p["articles"]
