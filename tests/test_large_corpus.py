"""The issue's large check: ../shared/corpora/ukraine-media-2022 (11,081 real articles).
Counts, dates, every date filter form and both date sorts, checked against the corpus's
metadata.jsonl. Takes a minute or two (the ingest); timings live in bench/, not here."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import UKRAINE_MEDIA, Corpus, as_json, needs_corpus

pytestmark = needs_corpus(UKRAINE_MEDIA)


@pytest.fixture
def big(ukraine_media: Corpus) -> Corpus:
    return ukraine_media


def date_of(big: Corpus, path: str) -> str:
    return str(big.meta[path]["date"])


def test_every_article_with_its_date(big: Corpus) -> None:
    s = big.summary
    assert s["added"] == len(big.meta) == 11081 and s["skipped"] == [] and s["warnings"] == []
    st = as_json(big.run("stats", "--json"))
    assert st["articles"] == 11081 and st["undated"] == 0
    dates = [m["date"] for m in big.meta.values()]
    counted = Counter(d[:7] for d in dates)
    assert {m: n for m, n in st["by_month"].items() if n} == dict(sorted(counted.items()))
    first, last = min(counted), max(counted)
    months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert list(st["by_month"]) == sorted(st["by_month"]) and len(st["by_month"]) == months
    assert (st["first_date"], st["last_date"]) == (min(dates), max(dates))


def test_second_run_is_unchanged(big: Corpus) -> None:
    again = as_json(big.run("ingest", str(big.root / "articles"), "--json"))
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
    big: Corpus, since: str | None, until: str | None, lo: str, hi: str
) -> None:
    args = ["Russia"]
    args += ["--since", since] if since else []
    args += ["--until", until] if until else []
    want = {x["id"] for x in big.search_all("Russia") if lo <= date_of(big, x["path"]) <= hi}
    assert len(want) > 0
    assert {x["id"] for x in big.search_all(*args)} == want


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_are_exact(big: Corpus, sort: str) -> None:
    relevance = big.search_all("Kyiv")
    ordered = big.search_all("Kyiv", "--sort", sort)
    assert {x["id"] for x in ordered} == {x["id"] for x in relevance}
    dates = [x["date"] for x in ordered]
    assert dates == [date_of(big, x["path"]) for x in ordered]
    assert dates == sorted(dates, reverse=sort == "newest")


def test_show_bodies_are_intact(big: Corpus) -> None:
    for p in big.files[::997]:
        a = as_json(big.run("show", str(p), "--json"))
        text = p.read_text(encoding="utf-8")
        body = text.split(" ", 3)[3] if text.startswith(" date ") else text
        assert " ".join(a["body"].split()) == " ".join(body.split()), p.name
