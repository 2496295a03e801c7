"""End to end on a real corpus: ../shared/corpora/guardian-nyt-ukraine-2022 (397 articles
with metadata.jsonl). Expected figures come from the files and the metadata, read
here with plain Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import CORPORA, as_json, invoke

CORPUS = CORPORA / "guardian-nyt-ukraine-2022"
pytestmark = pytest.mark.skipif(
    not (CORPUS / "articles").is_dir(),
    reason=f"real corpus not here: {CORPUS} (it lives in ../shared beside the repository)",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    where = tmp_path_factory.mktemp("guardian") / "archive"
    r = invoke("ingest", str(CORPUS / "articles"), "--index", str(where), "--json")
    assert r.exit_code == 0, r.stderr
    meta = [json.loads(line) for line in (CORPUS / "metadata.jsonl").open(encoding="utf-8")]
    return {"ix": str(where), "summary": json.loads(r.stdout), "meta": meta}


def search(corpus: dict[str, object], *args: str) -> dict[str, object]:
    return as_json(invoke("search", *args, "--json", "--index", str(corpus["ix"])))


def test_counts_and_dates(corpus: dict) -> None:  # type: ignore[type-arg]
    files = sorted((CORPUS / "articles").glob("*.txt"))
    assert corpus["summary"]["added"] == len(files) == 397
    assert corpus["summary"]["skipped"] == []
    stats = as_json(invoke("stats", "--json", "--index", corpus["ix"]))
    assert stats["articles"] == 397
    dates = sorted(m["date"] for m in corpus["meta"])
    assert (stats["first_date"], stats["last_date"]) == (dates[0], dates[-1])
    again = as_json(invoke("ingest", str(CORPUS / "articles"), "--json", "--index", corpus["ix"]))
    assert again["unchanged"] == 397 and again["added"] == 0


def test_known_search_matches_the_files(corpus: dict) -> None:  # type: ignore[type-arg]
    res = search(corpus, "Kyiv", "--limit", "0")
    want = {
        str(p)
        for p in (CORPUS / "articles").glob("*.txt")
        if re.search(r"\bkyiv\b", p.read_text(encoding="utf-8"), re.I)
    }
    got = {x["path"] for x in res["results"]}
    assert res["total"] == len(got) == len(want)
    assert got == want


def test_month_filter_is_exact(corpus: dict) -> None:  # type: ignore[type-arg]
    by_file = {str((CORPUS / m["file"]).resolve()): m["date"] for m in corpus["meta"]}
    everything = search(corpus, "Kyiv", "--limit", "0")
    july = search(corpus, "Kyiv", "--limit", "0", "--since", "2022-07", "--until", "July 2022")
    want = {x["id"] for x in everything["results"] if by_file[x["path"]].startswith("2022-07")}
    assert len(want) >= 40
    assert {x["id"] for x in july["results"]} == want


def test_metadata_sidecar_gives_titles_and_sources(corpus: dict) -> None:  # type: ignore[type-arg]
    res = search(corpus, "Zelenskiy", "--limit", "5")
    meta = {str((CORPUS / m["file"]).resolve()): m for m in corpus["meta"]}
    for x in res["results"]:
        m = meta[x["path"]]
        assert x["title"] == " ".join(m["title"].split())
        assert x["source"] == m["source"]
    newest = search(corpus, "Kyiv", "--sort", "newest", "--limit", "50")
    dates = [x["date"] for x in newest["results"]]
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)


def test_show_bodies_are_intact(corpus: dict) -> None:  # type: ignore[type-arg]
    for p in sorted((CORPUS / "articles").glob("*.txt"))[::40]:
        a = as_json(invoke("show", str(p), "--json", "--index", corpus["ix"]))
        body = re.sub(r"^\s*date \S+\s*", "", p.read_text(encoding="utf-8"))
        assert " ".join(a["body"].split()) == " ".join(body.split()), Path(p).name
