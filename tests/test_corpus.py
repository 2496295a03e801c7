"""End to end on a real corpus: ../shared/corpora/guardian-nyt-ukraine-2022 (397 articles
with metadata.jsonl). Expected figures come from the files and the metadata, read
here with plain Python."""

from __future__ import annotations

import re

import pytest

from conftest import Corpus, as_json, ingest_corpus, needs_corpus, resolved

NAME = "guardian-nyt-ukraine-2022"
pytestmark = needs_corpus(NAME)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return ingest_corpus(tmp_path_factory, NAME)


def test_counts_and_dates(corpus: Corpus) -> None:
    assert corpus.summary["added"] == len(corpus.files) == 397
    assert corpus.summary["skipped"] == []
    st = as_json(corpus.run("stats", "--json"))
    assert st["articles"] == 397
    dates = sorted(m["date"] for m in corpus.meta.values())
    assert (st["first_date"], st["last_date"]) == (dates[0], dates[-1])
    again = as_json(corpus.run("ingest", str(corpus.root / "articles"), "--json"))
    assert again["unchanged"] == 397 and again["added"] == 0


def test_known_search_matches_the_files(corpus: Corpus) -> None:
    res = corpus.search("Kyiv", "--limit", "0")
    want = {
        resolved(p)
        for p in corpus.files
        if re.search(r"\bkyiv\b", p.read_text(encoding="utf-8"), re.I)
    }
    got = {resolved(x["path"]) for x in res["results"]}
    assert res["total"] == len(got) == len(want)
    assert got == want


def test_month_filter_is_exact(corpus: Corpus) -> None:
    everything = corpus.search("Kyiv", "--limit", "0")
    july = corpus.search("Kyiv", "--limit", "0", "--since", "2022-07", "--until", "July 2022")
    want = {
        x["id"]
        for x in everything["results"]
        if corpus.meta[x["path"]]["date"].startswith("2022-07")
    }
    assert len(want) >= 40
    assert {x["id"] for x in july["results"]} == want


def test_metadata_sidecar_gives_titles_and_sources(corpus: Corpus) -> None:
    for x in corpus.search("Zelenskiy", "--limit", "5")["results"]:
        m = corpus.meta[x["path"]]
        assert x["title"] == " ".join(m["title"].split())
        assert x["source"] == m["source"]
    newest = corpus.search("Kyiv", "--sort", "newest", "--limit", "50")
    dates = [x["date"] for x in newest["results"]]
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)


def test_show_bodies_are_intact(corpus: Corpus) -> None:
    for p in corpus.files[::40]:
        a = as_json(corpus.run("show", str(p), "--json"))
        body = re.sub(r"^\s*date \S+\s*", "", p.read_text(encoding="utf-8"))
        assert " ".join(a["body"].split()) == " ".join(body.split()), p.name
