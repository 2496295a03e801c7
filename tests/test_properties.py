"""Properties that hold for any input (hypothesis): the header and dates of an article
file, date filters, and queries are read or refused with a message, never with a
crash; and what goes in by any input format comes back out by `show`."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictcli.dates import read_date
from conflictcli.errors import QueryError
from conflictcli.query import read_days, read_query
from conflictcli.readers.body import clean_body
from conflictcli.readers.text import split_header

from conftest import Run, as_json, open_archive

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
DATES = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


@given(ANY_TEXT)
def test_a_header_is_read_or_reported_never_a_crash(text: str) -> None:
    date, rest, problem = split_header(text)
    assert date is None or isinstance(date, dt.date)
    assert isinstance(rest, str) and (problem is None or isinstance(problem, str))
    assert read_date(text) is None or isinstance(read_date(text), dt.date)


@given(DATES, st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=40))
def test_a_date_line_gives_its_day_and_the_rest(day: dt.date, first: str) -> None:
    body_first = first.strip()
    date, rest, _ = split_header(f" date {day.isoformat()}\n{first}\nSecond line.")
    assert date == day
    assert rest.rstrip().endswith("Second line.") and body_first in rest


@given(ANY_TEXT, st.booleans())
def test_a_date_filter_is_read_or_refused_with_a_message(text: str, dayfirst: bool) -> None:
    try:
        first, last, note = read_days(text, "--since", dayfirst)
    except QueryError as e:
        assert e.message
        return
    assert first <= last and (note is None or note.startswith("--since"))


QUERY_TEXT = st.one_of(
    ANY_TEXT,
    st.lists(
        st.sampled_from(
            [
                "Kyiv",
                "drone*",
                '"',
                "(",
                ")",
                "AND",
                "OR",
                "NOT",
                "title:",
                "date:",
                "2024",
                "~",
                "?",
                "*",
                "Київ",
                "Belgorod",
                "-",
                ":",
                "[",
                "]",
                "TO",
                "\x1b",
            ]
        ),
        max_size=8,
    ).map(" ".join),
)


@given(QUERY_TEXT)
def test_a_query_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        reading = read_query(text)
    except QueryError as e:
        assert e.message
        return
    assert isinstance(reading.text, str)


@settings(max_examples=60, deadline=None)
@given(QUERY_TEXT, st.booleans())
def test_the_engine_reads_or_refuses_any_query(
    sample_engine: Any, text: str, any_terms: bool
) -> None:
    """Through the whole query path (names, wildcards, the parser) on a real index."""
    try:
        parsed = sample_engine.parse(text, any_terms=any_terms)
    except QueryError as e:
        assert e.message
        return
    assert parsed.query is not None


@pytest.fixture(scope="module")
def sample_engine(sample_archive: Path) -> Any:

    archive = open_archive(sample_archive)
    yield archive.engine
    archive.close()


# -- ingest, then show: the same text back, whatever the format ------------------------
WORDS = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=12)
PARAGRAPH = st.lists(WORDS, min_size=3, max_size=12).map(" ".join)
ARTICLE = st.fixed_dictionaries(
    {
        "title": st.lists(WORDS, min_size=2, max_size=6).map(" ".join),
        "paragraphs": st.lists(PARAGRAPH, min_size=1, max_size=3),
        "date": st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31))),
    }
)
# every format but HTML, whose main-text extractor judges what is an article's text
# (a short paragraph can be navigation): a page has its own test below
FORMATS = ["txt", "md", "csv", "tsv", "jsonl", "json", "txt.gz", "csv.bz2"]


def _write(folder: Path, fmt: str, articles: list[dict[str, Any]]) -> None:
    def body(a: dict[str, Any]) -> str:
        return "\n\n".join(a["paragraphs"])

    def day(a: dict[str, Any]) -> str:
        return a["date"].isoformat() if a["date"] else ""

    base = fmt.split(".")[0]
    files: dict[str, bytes] = {}
    if base in ("txt", "md"):
        for n, a in enumerate(articles):
            head = (
                f" date {day(a)}\ntitle: {a['title']}\n\n"
                if a["date"]
                else f"title: {a['title']}\n\n"
            )
            files[f"a{n}.{base}"] = (head + body(a) + "\n").encode()
    elif base in ("csv", "tsv"):
        out = io.StringIO()
        w = csv.writer(out, delimiter="," if base == "csv" else "\t", lineterminator="\n")
        w.writerow(["title", "text", "date"])
        w.writerows([a["title"], body(a), day(a)] for a in articles)
        files[f"all.{base}"] = out.getvalue().encode()
    elif base == "jsonl":
        rows = [{"title": a["title"], "text": body(a), "date": day(a) or None} for a in articles]
        files["all.jsonl"] = "".join(json.dumps(r) + "\n" for r in rows).encode()
    elif base == "json":
        rows = [{"title": a["title"], "text": body(a), "date": day(a) or None} for a in articles]
        files["all.json"] = json.dumps(rows).encode()
    elif base == "html":
        import html

        for n, a in enumerate(articles):
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in a["paragraphs"])
            meta = (
                f'<meta property="article:published_time" content="{day(a)}">' if a["date"] else ""
            )
            files[f"a{n}.html"] = (
                f"<html><head><title>{html.escape(a['title'])}</title>{meta}</head>"
                f"<body><article><h1>{html.escape(a['title'])}</h1>{paras}</article></body></html>"
            ).encode()
    for name, data in files.items():
        if fmt.endswith(".gz"):
            name, data = name + ".gz", gzip.compress(data)
        elif fmt.endswith(".bz2"):
            import bz2

            name, data = name + ".bz2", bz2.compress(data)
        (folder / name).write_bytes(data)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    articles=st.lists(ARTICLE, min_size=1, max_size=4, unique_by=lambda a: tuple(a["paragraphs"]))
)
def test_what_goes_in_comes_back_out(
    run: Run, tmp_path_factory: pytest.TempPathFactory, fmt: str, articles: list[dict[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("in")
    _write(folder, fmt, articles)
    ix = str(tmp_path_factory.mktemp("ix") / "archive")
    r = run("ingest", str(folder), "--index", ix, "--json")
    assert r.exit_code == 0, r.stderr
    assert as_json(run("stats", "--json", "--index", ix))["articles"] == len(articles)
    shown = []
    for line in run("export", "--all", "--index", ix).stdout.splitlines():
        rec = json.loads(line)
        shown.append((rec["title"], rec["body"], rec["date"]))
    want = {
        (clean_body("\n\n".join(a["paragraphs"])), a["date"].isoformat() if a["date"] else None)
        for a in articles
    }
    assert {(body, date) for _, body, date in shown} == want
    assert {title for title, _, _ in shown} == {" ".join(a["title"].split()) for a in articles}


def test_a_page_dated_before_1995_keeps_its_date(run: Run, tmp_path: Path) -> None:
    """htmldate reads no date before 1995 unless told; a saved page's metadata can."""
    _write(
        tmp_path,
        "html",
        [
            {
                "title": "Sarajevo market shelled",
                "paragraphs": [
                    "A mortar shell hit the Markale market in Sarajevo, killing dozens.",
                    "The siege of the city went on through the winter, officials said.",
                ],
                "date": dt.date(1994, 2, 5),
            }
        ],
    )
    ix = str(tmp_path / "ix")
    assert run("ingest", str(tmp_path), "--index", ix, "--quiet").exit_code == 0
    got = as_json(run("search", "Markale", "--json", "--index", ix))
    assert [r["date"] for r in got["results"]] == ["1994-02-05"]
