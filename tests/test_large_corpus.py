"""The issue's large check: ../shared/corpora/ukraine-media-2022 (11,081 real articles).
Counts, dates, every date filter form and both date sorts, checked against the corpus's
metadata.jsonl. Takes a minute or two (the ingest); timings live in bench/, not here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPORA, as_json, invoke

CORPUS = CORPORA / "ukraine-media-2022"
pytestmark = pytest.mark.skipif(
    not (CORPUS / "articles").is_dir(),
    reason=f"real corpus not here: {CORPUS} (it lives in ../shared beside the repository)",
)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    where = tmp_path_factory.mktemp("ukraine-media") / "archive"
    r = invoke("ingest", str(CORPUS / "articles"), "--index", str(where), "--json", "--quiet")
    assert r.exit_code == 0, r.stderr
    dates = {}
    for line in (CORPUS / "metadata.jsonl").open(encoding="utf-8"):
        m = json.loads(line)
        dates[str((CORPUS / m["file"]).resolve())] = m["date"]
    return {"ix": str(where), "summary": json.loads(r.stdout), "dates": dates}


def lines(big: dict, *args: str) -> list[dict]:  # type: ignore[type-arg]
    r = invoke("search", *args, "--jsonl", "--limit", "0", "--index", str(big["ix"]))
    return [json.loads(x) for x in r.stdout.splitlines()]


def test_every_article_with_its_date(big: dict) -> None:  # type: ignore[type-arg]
    s = big["summary"]
    assert s["added"] == len(big["dates"]) == 11081 and s["skipped"] == [] and s["warnings"] == []
    st = as_json(invoke("stats", "--json", "--index", big["ix"]))
    assert st["articles"] == 11081 and st["undated"] == 0
    assert st["by_month"] == dict(sorted(Counter(d[:7] for d in big["dates"].values()).items()))
    assert (st["first_date"], st["last_date"]) == (
        min(big["dates"].values()),
        max(big["dates"].values()),
    )


def test_second_run_is_unchanged(big: dict) -> None:  # type: ignore[type-arg]
    again = as_json(invoke("ingest", str(CORPUS / "articles"), "--json", "--index", big["ix"]))
    assert again["unchanged"] == 11081
    assert again["added"] == again["updated"] == again["removed"] == 0


@pytest.mark.parametrize(
    "since, until, lo, hi",
    [
        ("2022-03", "2022-03", "2022-03-01", "2022-03-31"),
        ("March 2022", "March 2022", "2022-03-01", "2022-03-31"),
        ("2022-02-24", "24 Feb 2022", "2022-02-24", "2022-02-24"),
        ("2022-06-15", "2022-07-15", "2022-06-15", "2022-07-15"),
        ("2021", "2021", "2021-01-01", "2021-12-31"),
        (None, "2020-12", "0000", "2020-12-31"),
        ("Dec 2022", None, "2022-12-01", "9999"),
    ],
)
def test_date_filters_are_exact(
    big: dict, since: str | None, until: str | None, lo: str, hi: str
) -> None:  # type: ignore[type-arg]
    args = ["Russia"]
    args += ["--since", since] if since else []
    args += ["--until", until] if until else []
    everything = lines(big, "Russia")
    want = {x["id"] for x in everything if lo <= big["dates"][x["path"]] <= hi}
    got = lines(big, *args)
    assert len(want) > 0
    assert {x["id"] for x in got} == want


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_are_exact(big: dict, sort: str) -> None:  # type: ignore[type-arg]
    relevance = lines(big, "Kyiv")
    ordered = lines(big, "Kyiv", "--sort", sort)
    assert {x["id"] for x in ordered} == {x["id"] for x in relevance}
    dates = [x["date"] for x in ordered]
    assert dates == [big["dates"][x["path"]] for x in ordered]
    assert dates == sorted(dates, reverse=sort == "newest")


def test_show_bodies_are_intact(big: dict) -> None:  # type: ignore[type-arg]
    for p in sorted((CORPUS / "articles").glob("*.txt"))[::997]:
        a = as_json(invoke("show", str(p), "--json", "--index", big["ix"]))
        text = p.read_text(encoding="utf-8")
        body = text.split(" ", 3)[3] if text.startswith(" date ") else text
        assert " ".join(a["body"].split()) == " ".join(body.split()), Path(p).name
