"""Counts you can trust: `total` is the number of articles the query and every filter
select, whatever --limit, --offset and --sort are.

Two proofs: a matrix of queries x filters x pages on a real corpus, each checked against
--limit 0 and against the corpus's own metadata; and a property test on generated
archives, where every count is checked against a plain-Python evaluation of the query."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import UKRAINE_MEDIA, Corpus, as_json, invoke, needs_corpus

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

# -- the matrix on ukraine-media-2022 ------------------------------------------------
QUERIES = [
    "Kyiv",
    "HIMARS",
    "source:RT",
    "Kyiv OR (Syria NOT NATO)",
    "Ukraine NOT NATO",
    '"grain deal"',
    "drone*",
    "Zelenskyy~",
    "title:Bakhmut",
    "Kharkiv counteroffensive",
    "date:2022-07 Putin",
    "Mariupol AND (steel OR Azovstal)",
    "Kyiv: explosions",
    "Zelensky says Ukraine will NOT give up Donbas",
]
ANY_QUERIES = ["Kharkiv counteroffensive", "Belgorod Kursk drones"]
FILTERS = {
    "july": (["--since", "2022-07", "--until", "2022-07"], "2022-07-01", "2022-07-31"),
    "from-october": (["--since", "2022-10"], "2022-10-01", "9999"),
    "to-mid-march": (["--until", "15 March 2022"], "0000", "2022-03-15"),
}
PAGES = [
    ["--limit", "1"],
    ["--limit", "10"],
    ["--limit", "3", "--offset", "4"],
    ["--limit", "5", "--sort", "newest"],
    ["--limit", "4", "--offset", "2", "--sort", "oldest"],
]


def full_list(corpus: Corpus, *args: str) -> tuple[int, list[dict[str, Any]]]:
    res = corpus.search(*args, "--limit", "0")
    return res["total"], res["results"]


def check_pages(corpus: Corpus, args: list[str], total: int, listed: list[dict[str, Any]]) -> None:
    assert total == len(listed), (args, total, len(listed))
    ids = [x["id"] for x in listed]
    for page in PAGES:
        r = corpus.run("search", *args, *page, "--json")
        res = as_json(r)
        assert res["total"] == total, (args, page, res["total"], total)
        got = res["results"]  # only what count counts, in every mode
        limit = int(page[1])
        offset = int(page[page.index("--offset") + 1]) if "--offset" in page else 0
        assert len(got) == max(0, min(limit, total - offset)), (args, page)
        if "--sort" not in page:
            assert [x["id"] for x in got] == ids[offset : offset + limit], (args, page)
        else:
            assert {x["id"] for x in got} <= set(ids)
            dates = [x["date"] for x in got]
            assert dates == sorted(dates, reverse="newest" in page), (args, page)
        if offset >= total and total:
            assert r.exit_code == 1 or res["results"], (args, page)


@needs_corpus(UKRAINE_MEDIA)
@pytest.mark.parametrize("query", QUERIES)
def test_total_is_exact_under_every_filter_and_page(ukraine_media: Corpus, query: str) -> None:
    corpus = ukraine_media
    total, listed = full_list(corpus, query)
    assert total > 0, query
    check_pages(corpus, [query], total, listed)
    for filters, first, last in FILTERS.values():
        # the metadata of the corpus, not the engine, says which dates fall in range
        want = {x["id"] for x in listed if first <= corpus.meta[x["path"]]["date"] <= last}
        f_total, f_listed = full_list(corpus, query, *filters)
        assert {x["id"] for x in f_listed} == want, (query, filters)
        check_pages(corpus, [query, *filters], f_total, f_listed)


@needs_corpus(UKRAINE_MEDIA)
@pytest.mark.parametrize("query", ANY_QUERIES)
def test_any_counts_every_article_holding_any_term(ukraine_media: Corpus, query: str) -> None:
    corpus = ukraine_media
    total, listed = full_list(corpus, query, "--any")
    each = [{x["id"] for x in full_list(corpus, word)[1]} for word in query.split()]
    assert {x["id"] for x in listed} == set().union(*each)
    check_pages(corpus, [query, "--any"], total, listed)
    filters, first, last = FILTERS["july"]
    f_total, f_listed = full_list(corpus, query, "--any", *filters)
    assert f_total == sum(first <= corpus.meta[x["path"]]["date"] <= last for x in listed)
    check_pages(corpus, [query, "--any", *filters], f_total, f_listed)


# -- the property test on generated archives ----------------------------------------
# Words that no stemmer merges, none a stop word, each with its own first three letters.
WORDS = ["kyiv", "kharkiv", "drone", "tank", "border", "missile", "port", "bridge"]
FILLER = "report"
DAY0 = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class Doc:
    words: tuple[str, ...]
    date: dt.date | None

    @property
    def text(self) -> str:
        return " ".join((FILLER, *self.words)) + "."


# A query is a tree: ("w", word) | ("p", prefix) | ("ph", word, word) a phrase
# | ("and"|"or", a, b) | ("not", a, b)
Query = tuple[Any, ...]


def queries(depth: int = 2) -> st.SearchStrategy[Query]:
    leaf = st.one_of(
        st.tuples(st.just("w"), st.sampled_from(WORDS)),
        st.tuples(st.just("p"), st.sampled_from(WORDS).map(lambda w: w[:3])),
        st.tuples(st.just("ph"), st.sampled_from(WORDS), st.sampled_from(WORDS)),
    )
    if depth == 0:
        return leaf
    sub = queries(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(["and", "or", "not"]), sub, sub))


def render(q: Query, implicit_and: bool) -> str:
    kind = q[0]
    if kind == "w":
        return str(q[1])
    if kind == "p":
        return f"{q[1]}*"
    if kind == "ph":
        return f'"{q[1]} {q[2]}"'
    a, b = render(q[1], implicit_and), render(q[2], implicit_and)
    if kind == "and":
        return f"({a} {b})" if implicit_and else f"({a} AND {b})"
    return f"({a} OR {b})" if kind == "or" else f"({a} NOT {b})"


def holds(q: Query, words: tuple[str, ...]) -> bool:
    kind = q[0]
    if kind == "w":
        return q[1] in words
    if kind == "p":
        return any(w.startswith(q[1]) for w in words)
    if kind == "ph":
        return any(pair == (q[1], q[2]) for pair in itertools.pairwise(words))
    a, b = holds(q[1], words), holds(q[2], words)
    return a and b if kind == "and" else a or b if kind == "or" else a and not b


docs = st.builds(
    Doc,
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(tuple),
    date=st.one_of(st.none(), st.integers(0, 150).map(lambda n: DAY0 + dt.timedelta(days=n))),
)
bounds = st.one_of(st.none(), st.integers(0, 150).map(lambda n: DAY0 + dt.timedelta(days=n)))


def write_archive(folder: Path, corpus: list[Doc]) -> str:
    src = folder / "in"
    src.mkdir()
    for n, d in enumerate(corpus):
        head = f" date {d.date.isoformat()} " if d.date else ""
        (src / f"{n:03d}.txt").write_text(head + d.text + "\n", encoding="utf-8")
    where = str(folder / "ix")
    r = invoke("ingest", str(src), "--index", where, "--quiet")
    assert r.exit_code == 0, r.stderr
    return where


def within(d: Doc, since: dt.date | None, until: dt.date | None) -> bool:
    return (since is None or (d.date is not None and d.date >= since)) and (
        until is None or (d.date is not None and d.date <= until)
    )


def selected(
    corpus: list[Doc],
    q: Query,
    since: dt.date | None,
    until: dt.date | None,
    field: tuple[dt.date, dt.date] | None = None,
) -> int:
    unique = {(d.date, d.text): d for d in corpus}.values()  # the same text is one article
    return sum(
        holds(q, d.words) and within(d, since, until) and (field is None or within(d, *field))
        for d in unique
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(docs, min_size=1, max_size=25),
    q=queries(),
    implicit_and=st.booleans(),
    since=bounds,
    until=bounds,
    field=st.one_of(st.none(), st.tuples(bounds, bounds)),
    pages=st.lists(
        st.tuples(
            st.integers(1, 12),
            st.integers(0, 30),
            st.sampled_from(["relevance", "newest", "oldest"]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_total_equals_the_articles_the_query_selects(
    corpus: list[Doc],
    q: Query,
    implicit_and: bool,
    since: dt.date | None,
    until: dt.date | None,
    field: tuple[dt.date | None, dt.date | None] | None,
    pages: list[tuple[int, int, str]],
) -> None:
    if since and until and since > until:
        since, until = until, since
    text = render(q, implicit_and)
    days = None
    lo, hi = field if field else (None, None)
    if lo and hi:  # a date: range in the query itself
        days = (min(lo, hi), max(lo, hi))
        text += f" date:[{days[0].isoformat()} to {days[1].isoformat()}]"
    filters = (["--since", since.isoformat()] if since else []) + (
        ["--until", until.isoformat()] if until else []
    )
    want = selected(corpus, q, since, until, days)
    with tempfile.TemporaryDirectory() as tmp:
        where = write_archive(Path(tmp), corpus)
        args = ["search", text, *filters, "--index", where, "--json"]
        everything = invoke(*args, "--limit", "0")
        res = json.loads(everything.stdout)
        full = [x["id"] for x in res["results"]]
        assert res["total"] == len(full) == want, (text, filters)
        for limit, offset, sort in pages:
            page = json.loads(
                invoke(*args, "--limit", str(limit), "--offset", str(offset), "--sort", sort).stdout
            )
            assert page["total"] == want, (text, filters, limit, offset, sort)
            got = [x["id"] for x in page["results"]]
            assert not any(x.get("partial") for x in page["results"])
            assert len(got) == max(0, min(limit, want - offset))
            if sort == "relevance":
                assert got == full[offset : offset + limit]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(docs, min_size=1, max_size=25),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    since=bounds,
)
def test_any_total_equals_the_articles_holding_any_term(
    corpus: list[Doc], words: list[str], since: dt.date | None
) -> None:
    q: Query = ("w", words[0])
    for w in words[1:]:
        q = ("or", q, ("w", w))
    want = selected(corpus, q, since, None)
    filters = ["--since", since.isoformat()] if since else []
    with tempfile.TemporaryDirectory() as tmp:
        where = write_archive(Path(tmp), corpus)
        for limit in ("0", "1", "5"):
            r = invoke(
                "search",
                " ".join(words),
                "--any",
                *filters,
                "--limit",
                limit,
                "--index",
                where,
                "--json",
            )
            assert json.loads(r.stdout)["total"] == want


def test_the_oracle_can_fail() -> None:
    """The property test's plain-Python evaluation disagrees with a wrong count."""
    corpus = [Doc(("kyiv", "tank"), DAY0), Doc(("kyiv",), None), Doc(("tank",), DAY0)]
    q: Query = ("not", ("w", "kyiv"), ("w", "tank"))
    assert selected(corpus, q, None, None) == 1
    assert selected(corpus, ("w", "kyiv"), DAY0, None) == 1
    assert selected(corpus, ("ph", "tank", "kyiv"), None, None) == 0
    assert selected(corpus, ("ph", "kyiv", "tank"), None, None) == 1
    assert re.fullmatch(r"\(kyiv NOT tank\)", render(q, False))


# -- piped lists hold what count counts, on a Cyrillic and English archive --------------
# Two words, some articles holding both, many holding one: a page of 50 is never padded
# with the articles that hold one. Texts written for the test.
BOTH = [
    "Паром вышел из порта, хотя шторм только начинался, рассказал капитан {i}.",
    "The ferry sailed although the storm was rising, captain {i} said.",
    "Шторм задержал паром на сутки, пассажиры ждали на причале {i}.",
]
ONE = [
    "Паром доставил на остров продукты и лекарства, рейс {i}.",
    "Синоптики предупредили: шторм придёт к вечеру, сообщение {i}.",
    "A ferry brought food and medicine to the island, run {i}.",
    "Forecasters warned that a storm would arrive by evening, bulletin {i}.",
    "Новый паром спустили на воду на верфи, выпуск {i}.",
]
PIPED_QUERIES = ["паром шторм", "ferry storm", "шторм паром", "паром OR storm", "паром NOT шторм"]
PIPED_FILTERS = [[], ["--since", "2024-11-21", "--until", "2024-11-21"], ["--until", "2024-11-20"]]


@pytest.fixture(scope="module")
def piped(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("piped")
    rows = []
    for day in (20, 21, 22):
        texts = [t.format(i=day) for t in BOTH] + [
            t.format(i=f"{day}-{j}") for j in range(4) for t in ONE
        ]
        rows += [{"date": f"2024-11-{day}", "text": t} for t in texts]
    (folder / "feed.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    ix = str(folder / "ix")
    assert invoke("ingest", str(folder / "feed.jsonl"), "--index", ix, "--quiet").exit_code == 0
    return ix


@pytest.mark.parametrize("filters", PIPED_FILTERS, ids=["all", "one-day", "until"])
@pytest.mark.parametrize("query", PIPED_QUERIES)
@pytest.mark.parametrize("mode", [[], ["--any"]], ids=["all-terms", "any"])
def test_every_piped_list_holds_what_count_counts(
    piped: str, query: str, filters: list[str], mode: list[str]
) -> None:
    args = [query, *mode, *filters, "--index", piped]
    n = json.loads(invoke("count", *args, "--json").stdout)["count"]
    assert n > 0, (query, filters, mode)
    every = json.loads(invoke("search", *args, "--json", "-n", "0").stdout)
    page = json.loads(invoke("search", *args, "--json", "-n", "50").stdout)
    lines = invoke("search", *args, "--jsonl", "-n", "50").stdout.splitlines()
    rows = list(csv.reader(io.StringIO(invoke("search", *args, "--csv", "-n", "50").stdout)))
    exported = invoke("export", *args).stdout.splitlines()
    said = (n, every["total"], len(every["results"]), len(exported))
    assert said == (n,) * 4, (query, filters, mode, said)
    assert len(page["results"]) == len(lines) == len(rows) - 1 == min(n, 50), (query, mode)
    ids = [x["id"] for x in every["results"]]
    assert [json.loads(x)["id"] for x in lines] == [x["id"] for x in page["results"]] == ids[:50]
    assert sorted(json.loads(x)["id"] for x in exported) == sorted(ids)
    # "partial" only with --any, where it marks the matches that lack one of two words
    marked = any(x.get("partial") for x in every["results"])
    assert marked == bool(mode) if query.count(" ") == 1 else not marked or mode
