"""Counts you can trust on Russian and Ukrainian text dated day first: on generated
archives (a CSV whose dates are written DD.MM.YYYY, read with and without --dayfirst),
every number agrees with a plain-Python evaluation of the query: `count`, the total and
the length of `search --json -n 0`, the lines of `--jsonl` and of `export`, the
timeline's buckets with its undated, and the articles `places` counts its places in, under --since/--until written as days, ISO weeks
(2024-W07) and months (02.2024)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_counts import Query, holds, render  # the oracle of the English matrix

from conftest import as_json, invoke

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

# ordinary Russian and Ukrainian nouns, none of them a name of the gazetteer (checked)
WORDS = ["вода", "мост", "завод", "порт", "школа", "поезд", "рынок", "склад", "гараж",
         "котёл", "зерно", "хліб", "світло", "вокзал"]  # fmt: skip
FILLER = "Об этом сообщили местные жители"
DAY0 = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class Doc:
    words: tuple[str, ...]
    date: dt.date | None

    @property
    def text(self) -> str:
        return " ".join((FILLER, *self.words)) + "."


def queries(depth: int = 2) -> st.SearchStrategy[Query]:
    """Words and phrases (no prefixes: a Russian stem may end inside the three letters)."""
    leaf = st.one_of(
        st.tuples(st.just("w"), st.sampled_from(WORDS)),
        st.tuples(st.just("ph"), st.sampled_from(WORDS), st.sampled_from(WORDS)),
    )
    if depth == 0:
        return leaf
    sub = queries(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(["and", "or", "not"]), sub, sub))


# a bound as typed, and the days it stands for
Bound = tuple[str, dt.date, dt.date] | None


def _bound(kind: str, n: int) -> tuple[str, dt.date, dt.date]:
    day = DAY0 + dt.timedelta(days=n)
    if kind == "day":
        return day.strftime("%d.%m.%Y"), day, day
    if kind == "week":
        year, week, _ = day.isocalendar()
        first = dt.date.fromisocalendar(year, week, 1)
        return f"{year}-W{week:02d}", first, first + dt.timedelta(days=6)
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return day.strftime("%m.%Y"), first, last


bounds: st.SearchStrategy[Bound] = st.one_of(
    st.none(),
    st.builds(_bound, st.sampled_from(["day", "week", "month"]), st.integers(0, 120)),
)
docs = st.builds(
    Doc,
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(tuple),
    date=st.one_of(st.none(), st.integers(0, 120).map(lambda n: DAY0 + dt.timedelta(days=n))),
)


def write_archive(folder: Path, corpus: list[Doc], dayfirst: bool) -> str:
    src = folder / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "text"])
        for d in corpus:
            w.writerow([d.date.strftime("%d.%m.%Y") if d.date else "", d.text])
    where = str(folder / "ix")
    flags = ["--dayfirst"] if dayfirst else []
    r = invoke("ingest", str(src), "--index", where, "--quiet", *flags)
    assert r.exit_code == 0, r.stderr
    return where


def expected(corpus: list[Doc], q: Query, since: Bound, until: Bound) -> int:
    unique = {(d.date, d.text): d for d in corpus}.values()  # the same text is one article
    lo = since[1] if since else None
    hi = until[2] if until else None

    def dated(d: Doc) -> bool:
        if lo is None and hi is None:
            return True
        return d.date is not None and (lo is None or d.date >= lo) and (hi is None or d.date <= hi)

    return sum(holds(q, d.words) and dated(d) for d in unique)


def test_the_words_are_no_names() -> None:
    from conflictcli import names

    g = names.gazetteer()
    assert not [w for w in WORDS if g.lookup((w,)) is not None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(docs, min_size=1, max_size=20),
    q=queries(),
    since=bounds,
    until=bounds,
    dayfirst=st.booleans(),
)
@example(  # --since 05.03.2024 is 5 March, as the file's 05.03.2024 is
    corpus=[Doc(("вода",), DAY0 + dt.timedelta(days=64)), Doc(("вода",), DAY0)],
    q=("w", "вода"),
    since=_bound("day", 64),
    until=None,
    dayfirst=False,
)
def test_every_count_agrees_on_cyrillic_text_dated_day_first(
    corpus: list[Doc], q: Query, since: Bound, until: Bound, dayfirst: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ix = write_archive(Path(tmp), corpus, dayfirst)
        want = expected(corpus, q, since, until)
        f = ["--since", since[0]] if since else []
        f += ["--until", until[0]] if until else []
        query = render(q, implicit_and=False)
        if since and until and since[1] > until[2]:  # refused, as a usage error
            r = invoke("count", query, *f, "--index", ix)
            assert r.exit_code == 2 and "after --until" in r.stderr, r.stderr
            return

        def run(*args: str) -> Any:
            r = invoke(*args, "--index", ix)
            assert r.exit_code in (0, 1), (args, r.stderr)
            return r

        count = as_json(run("count", query, *f, "--json"))["count"]
        listed = as_json(run("search", query, *f, "--json", "-n", "0"))
        lines = run("search", query, *f, "--jsonl", "-n", "0").stdout.splitlines()
        exported = run("export", query, *f).stdout.splitlines()
        tl = as_json(run("timeline", query, *f, "--json"))
        summed = sum(b["count"] for b in tl["buckets"]) + tl["undated"]
        places = as_json(run("places", query, *f, "--json"))["total"]
        got = (count, listed["total"], len(listed["results"]), len(lines), len(exported), summed)
        assert (*got, places) == (want,) * 7, (query, f, dayfirst, got, places, want)
        assert all(json.loads(x)["id"] for x in lines)
