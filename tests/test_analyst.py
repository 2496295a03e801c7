"""Analyst commands that count: `count` is what `search --limit 0` totals, its groups
add up to it, and a timeline's buckets plus its undated articles add up to it too, under
every filter and period, on sample_data, on a real corpus and on generated dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conflictcli import timeline as tl
from conflictcli.errors import QueryError

from conftest import UKRAINE_MEDIA, Corpus, Run, as_json, needs_corpus, only_folder, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

QUERIES = ["drone", "attack OR strike", "Russia NOT Kyiv", '"air defence"', "Kyiv"]
FILTERS = [[], ["--since", "2024-01"], ["--until", "2023-12", "--place", "Kyiv"]]


def search_total(run: Run, ix: str, *args: str) -> int:
    r = run("search", *args, "--limit", "0", "--json", "--index", ix)
    return int(json.loads(r.stdout)["total"]) if r.stdout else 0


def checked(run: Run, ix: str, query: str, filters: list[str]) -> int:
    """Every count of the query agrees with search's total; returns it."""
    total = search_total(run, ix, query, *filters)
    got = as_json(run("count", query, *filters, "--json", "--index", ix))
    assert got == {"query": query, "count": total}, (query, filters)
    for by in ("source", "month", "year", "lang"):
        grouped = as_json(run("count", query, *filters, "--by", by, "--json", "--index", ix))
        assert grouped["count"] == total and grouped["by"] == by
        assert sum(g["count"] for g in grouped["groups"]) == total, (query, filters, by)
        keys = [g["key"] for g in grouped["groups"]]
        assert len(set(keys)) == len(keys)
    for by in tl.PERIODS:
        t = as_json(run("timeline", query, *filters, "--by", by, "--json", "--index", ix))
        periods = [b["period"] for b in t["buckets"]]
        # by hour, the articles with a date but no time of day are counted apart (untimed)
        assert sum(b["count"] for b in t["buckets"]) + t["undated"] + t["untimed"] == total
        assert t["untimed"] == 0 or by == "hour"
        assert len(set(periods)) == len(periods) and periods == sorted(periods)
        assert set(t["peaks"]) <= set(periods) and t["by"] == by
        if total and periods:
            assert t["buckets"][0]["count"] > 0 and t["buckets"][-1]["count"] > 0
    return total


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("filters", FILTERS, ids=["all", "since", "until-place"])
def test_counts_agree_with_search_on_sample_data(
    run: Run, sample_archive: Path, query: str, filters: list[str]
) -> None:
    checked(run, str(sample_archive), query, filters)


def test_count_prints_the_number_alone_and_exits_1_on_none(run: Run, sample_archive: Path) -> None:
    r = run("count", "drone", "--index", str(sample_archive))
    assert r.exit_code == 0 and r.stdout.strip() == str(
        search_total(run, str(sample_archive), "drone")
    )
    r = run("count", "zzyzxq", "--index", str(sample_archive))
    assert r.exit_code == 1 and r.stdout.strip() == "0"


def test_count_csv_and_timeline_csv_carry_the_json_numbers(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    grouped = as_json(run("count", "drone", "--by", "month", "--json", "--index", ix))
    rows = list(
        csv.reader(
            io.StringIO(run("count", "drone", "--by", "month", "--csv", "--index", ix).stdout)
        )
    )
    assert rows[0] == ["month", "count"]
    assert [[g["key"] or "", str(g["count"])] for g in grouped["groups"]] == rows[1:]
    two = as_json(run("timeline", "drone", "Kyiv", "--by", "month", "--json", "--index", ix))
    assert isinstance(two, list) and [t["query"] for t in two] == ["drone", "Kyiv"]
    assert [b["period"] for b in two[0]["buckets"]] == [b["period"] for b in two[1]["buckets"]]
    table = list(
        csv.reader(
            io.StringIO(
                run("timeline", "drone", "Kyiv", "--by", "month", "--csv", "--index", ix).stdout
            )
        )
    )
    assert table[0] == ["period", "drone", "Kyiv"]
    assert table[-1] == ["undated", str(two[0]["undated"]), str(two[1]["undated"])]
    for row, b0, b1 in zip(table[1:-1], two[0]["buckets"], two[1]["buckets"], strict=True):
        assert row == [b0["period"], str(b0["count"]), str(b1["count"])]


def test_empty_periods_show_as_zero_and_undated_articles_are_counted_apart(
    run: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "texts"
    for day in ("2024-01-03", "2024-03-20", "2024-03-21"):
        write(folder / f"{day}.txt", f" date {day}\nShelling of the bridge went on.\n")
    write(folder / "undated.txt", "Shelling of the bridge, no date given.\n")
    ix = str(tmp_path / "ix")
    assert run("ingest", str(folder), "--index", ix, "--quiet").exit_code == 0
    t = as_json(run("timeline", "shelling", "--by", "month", "--json", "--index", ix))
    assert [(b["period"], b["count"]) for b in t["buckets"]] == [
        ("2024-01", 1),
        ("2024-02", 0),
        ("2024-03", 2),
    ]
    assert t["undated"] == 1 and (t["first"], t["last"]) == ("2024-01-03", "2024-03-21")
    assert as_json(run("timeline", "shelling", "--json", "--index", ix))["by"] == "week"
    grouped = as_json(run("count", "shelling", "--by", "year", "--json", "--index", ix))
    assert grouped["groups"] == [{"key": "2024", "count": 3}, {"key": None, "count": 1}]


def test_explain_works_for_count_and_timeline(run: Run, sample_archive: Path) -> None:
    for cmd in ("count", "timeline"):
        r = run(cmd, "drone", "--explain", "--json", "--index", str(sample_archive))
        assert as_json(r)["total"] == search_total(run, str(sample_archive), "drone")
    r = run("timeline", "drone", "Kyiv", "--explain", "--index", str(sample_archive))
    assert r.exit_code == 2 and "one query at a time" in r.stderr


# -- periods and peaks ---------------------------------------------------------------
DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))


@given(st.lists(DAYS, min_size=1, max_size=30), st.sampled_from(tl.PERIODS[1:]))
def test_every_day_falls_in_one_period_of_the_span(days: list[dt.date], by: str) -> None:
    span = tl.periods(min(days), max(days), by)
    assert len(set(span)) == len(span) and span == sorted(span)
    assert span[0] == tl.period_of(min(days), by) and span[-1] == tl.period_of(max(days), by)
    assert all(tl.period_of(d, by) in span for d in days)


MOMENTS = st.datetimes(min_value=dt.datetime(2023, 6, 1), max_value=dt.datetime(2024, 6, 1))


@given(st.lists(MOMENTS | st.dates(dt.date(2023, 6, 1), dt.date(2024, 5, 31)), min_size=1))
def test_every_moment_falls_in_one_hour_of_the_span(moments: list[dt.date]) -> None:
    """By hour: datetimes, and days alone (at their start), mixed."""
    key = tl._hour
    first, last = min(moments, key=key), max(moments, key=key)
    span = tl.periods(first, last, "hour")
    assert len(set(span)) == len(span) and span == sorted(span)
    assert span[0] == tl.period_of(first, "hour") and span[-1] == tl.period_of(last, "hour")
    assert all(tl.period_of(d, "hour") in span for d in moments)


def test_an_hourly_timeline_of_decades_is_refused_with_the_next_step() -> None:
    with pytest.raises(QueryError, match="more than 100,000 hours") as e:
        tl.periods(dt.date(1996, 1, 1), dt.date(2008, 1, 1), "hour")
    assert "--since and --until" in (e.value.hint or "")


@given(st.lists(st.integers(min_value=0, max_value=500), max_size=60))
def test_a_peak_stands_above_the_typical_level(counts: list[int]) -> None:
    found = tl.peaks(counts)
    for i in found:
        assert counts[i] >= tl.PEAK_MIN
        assert counts[i] > sorted(counts)[len(counts) // 2]  # above the median
    if len(counts) >= 3 and len(set(counts)) == 1:
        assert found == []


def test_a_spike_is_a_peak_and_a_steady_level_is_not() -> None:
    assert tl.peaks([4, 5, 4, 6, 5, 40, 5, 4]) == [5]
    assert tl.peaks([10, 11, 9, 10, 12, 10]) == []


# -- ukraine-media-2022 --------------------------------------------------------------
@needs_corpus(UKRAINE_MEDIA)
@pytest.mark.parametrize("query", ["Kherson", "grain deal", "Zelensky NOT Putin"])
def test_counts_agree_with_search_on_a_real_corpus(
    run: Run, ukraine_media: Corpus, query: str
) -> None:
    total = checked(run, ukraine_media.ix, query, [])
    assert total > 0
    checked(run, ukraine_media.ix, query, ["--since", "2022-06", "--until", "2022-09"])
    by_source = as_json(
        run("count", query, "--by", "source", "--json", "--index", ukraine_media.ix)
    )
    meta = ukraine_media.meta
    hits = ukraine_media.search_all(query)
    want: dict[Any, int] = {}
    for h in hits:
        want[meta[h["path"]]["source"]] = want.get(meta[h["path"]]["source"], 0) + 1
    assert sorted(g["count"] for g in by_source["groups"]) == sorted(want.values())


# -- export --------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["drone", "Russia NOT Kyiv", '"air defence"'])
@pytest.mark.parametrize("filters", FILTERS, ids=["all", "since", "until-place"])
def test_export_writes_every_match_with_its_body(
    run: Run, sample_archive: Path, query: str, filters: list[str]
) -> None:
    ix = str(sample_archive)
    listed = as_json(run("search", query, *filters, "--limit", "0", "--json", "--index", ix))
    r = run("export", query, *filters, "--index", ix)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["id"] for x in rows] == [x["id"] for x in listed["results"]], (query, filters)
    assert (
        len(rows)
        == listed["total"]
        == as_json(run("count", query, *filters, "--json", "--index", ix))["count"]
    )
    assert (
        all(x["body"] and set(x) == {*listed["results"][0], "body", "meta"} for x in rows)
        or not rows
    )
    table = list(
        csv.DictReader(
            io.StringIO(run("export", query, *filters, "-f", "csv", "--index", ix).stdout)
        )
    )
    assert [x["id"] for x in table] == [x["id"] for x in rows]
    assert [x["body"] for x in table] == [x["body"] for x in rows]
    md = run("export", query, *filters, "-f", "md", "--index", ix).stdout
    assert md.count("\n---\n") == len(rows)


def test_export_all_fields_and_a_file(run: Run, sample_archive: Path, tmp_path: Path) -> None:
    ix = str(sample_archive)
    held = as_json(run("stats", "--json", "--index", ix))["articles"]
    every = run("export", "--all", "--fields", "id,date", "--index", ix).stdout.splitlines()
    assert len(every) == held and all(set(json.loads(x)) == {"id", "date"} for x in every)
    assert len({json.loads(x)["id"] for x in every}) == held
    target = tmp_path / "out.csv"
    r = run(
        "export", "drone", "-f", "csv", "--fields", "title,id", "-o", str(target), "--index", ix
    )
    assert r.exit_code == 0 and not r.stdout and "wrote" in r.stderr
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["title", "id"] and len(rows) - 1 == search_total(run, ix, "drone")
    assert not list(tmp_path.glob("*.part"))
    bad = run("export", "drone", "--fields", "id,nope", "--index", ix)
    assert bad.exit_code == 2 and "nope" in bad.stderr and "Traceback" not in bad.stderr
    assert run("export", "--index", ix).exit_code == 2
    assert run("export", "zzyzxq", "--index", ix).exit_code == 1


def test_a_csv_cell_never_runs_as_a_formula(run: Run, tmp_path: Path) -> None:
    write(tmp_path / "t" / "a.txt", ' date 2024-01-01\n=HYPERLINK("http://x") shelling report.\n')
    ix = str(tmp_path / "ix")
    assert run("ingest", str(tmp_path / "t"), "--index", ix, "--quiet").exit_code == 0
    rows = list(
        csv.DictReader(io.StringIO(run("export", "shelling", "-f", "csv", "--index", ix).stdout))
    )
    assert rows[0]["title"].startswith("'=") and rows[0]["body"].startswith("'=")


# -- similar -------------------------------------------------------------------------
def test_similar_lists_other_articles_on_the_subject(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    first = as_json(run("search", "Belgorod drones", "--json", "--index", ix))["results"][0]
    shown = as_json(run("show", first["id"], "--json", "--index", ix))
    copies = {m["id"] for m in shown.get("similar") or []}
    got = as_json(run("similar", first["id"], "--json", "-n", "5", "--index", ix))
    assert got["id"] == first["id"] and 3 <= len(got["results"]) <= 5
    ids = [x["id"] for x in got["results"]]
    assert first["id"] not in ids and not copies & set(ids) and len(set(ids)) == len(ids)
    assert all(set(x) == set(first) - {"partial"} for x in got["results"])
    scores = [x["score"] for x in got["results"]]
    assert scores == sorted(scores, reverse=True)
    # each was found by words of the article, marked in its snippet
    assert all(x["highlights"] for x in got["results"])
    prefix = run("similar", first["id"][:8], "--json", "-n", "5", "--index", ix)
    assert [x["id"] for x in as_json(prefix)["results"]] == ids
    missing = run("similar", "ffffffffffff", "--index", ix)
    assert missing.exit_code == 1 and "Traceback" not in missing.stderr


# -- batches of queries ----------------------------------------------------------------
def test_a_file_of_queries_gives_one_count_each(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    ix = str(sample_archive)
    queries = ["Kyiv", "drone", "Belgorod drones", '"air defence"']
    listed = tmp_path / "q.txt"
    listed.write_text("# my watch words\n\n" + "\n".join(queries) + "\n# the end\n", "utf-8")
    got = as_json(run("search", "--from-file", str(listed), "--count", "--json", "--index", ix))
    assert [(x["query"], x["count"]) for x in got["queries"]] == [
        (q, search_total(run, ix, q)) for q in queries
    ]
    table = run("search", "--from-file", str(listed), "--count", "--index", ix).stdout
    assert "Kyiv" in table and "watch words" not in table
    rows = run(
        "search", "--from-file", str(listed), "--jsonl", "--limit", "0", "--index", ix
    ).stdout
    hits = [json.loads(x) for x in rows.splitlines()]
    for q in queries:
        assert [h["id"] for h in hits if h["query"] == q] == [
            x["id"]
            for x in as_json(run("search", q, "--json", "--limit", "0", "--index", ix))["results"]
        ]


def test_a_bad_line_is_named_and_the_rest_still_run(
    run: Run, sample_archive: Path, tmp_path: Path
) -> None:
    listed = tmp_path / "q.txt"
    listed.write_text("Kyiv\nNOT\ndrone\n", "utf-8")
    r = run(
        "search", "--from-file", str(listed), "--count", "--csv", "--index", str(sample_archive)
    )
    assert r.exit_code == 2 and f"{listed}, line 2" in r.stderr and "Traceback" not in r.stderr
    assert [row[0] for row in csv.reader(io.StringIO(r.stdout))] == ["query", "Kyiv", "drone"]
    missing = run(
        "search", "--from-file", str(tmp_path / "none.txt"), "--index", str(sample_archive)
    )
    assert missing.exit_code == 2 and "none.txt" in missing.stderr
    both = run("search", "Kyiv", "--from-file", str(listed), "--index", str(sample_archive))
    assert both.exit_code == 2


# -- watchlists ----------------------------------------------------------------------
@only_folder("copies the archive's folder")
def test_a_watch_shows_only_what_is_new_since_it_last_ran(
    run: Run, articles_dir: Path, tmp_path: Path
) -> None:
    import shutil

    ix = str(tmp_path / "ix")
    assert run("ingest", str(articles_dir), "--index", ix, "--quiet").exit_code == 0
    assert run("watch", "add", "kyiv", "Kyiv", "--since", "2024-01", "--index", ix).exit_code == 0
    assert run("watch", "add", "belgorod", "Belgorod", "--index", ix).exit_code == 0
    dup = run("watch", "add", "kyiv", "drone", "--index", ix)
    assert dup.exit_code == 2 and "exists" in dup.stderr
    assert run("watch", "run", "--index", ix).stdout == ""  # what was there counts as seen
    write(articles_dir / "new" / "a.txt", " date 2024-09-01\nA drone hit a block in Kyiv.\n")
    write(articles_dir / "new" / "b.txt", " date 2023-01-05\nAn old report from Kyiv.\n")
    write(articles_dir / "new" / "c.txt", " date 2024-09-02\nBelgorod was shelled again.\n")
    assert run("ingest", str(articles_dir), "--index", ix, "--quiet").exit_code == 0
    peek = [
        json.loads(x)
        for x in run("watch", "run", "kyiv", "--peek", "--index", ix).stdout.splitlines()
    ]
    assert [(x["watch"], x["date"]) for x in peek] == [("kyiv", "2024-09-01")]  # --since holds
    first = [json.loads(x) for x in run("watch", "run", "--index", ix).stdout.splitlines()]
    assert sorted((x["watch"], x["date"]) for x in first) == [
        ("belgorod", "2024-09-02"),
        ("kyiv", "2024-09-01"),
    ]
    assert run("watch", "run", "--index", ix).stdout == ""
    moved = tmp_path / "moved"
    shutil.copytree(ix, moved)  # the watches live in the archive and move with it
    listed = as_json(run("watch", "list", "--json", "--index", str(moved)))["watches"]
    assert [(w["name"], w["query"], w["last_run"] is not None) for w in listed] == [
        ("belgorod", "Belgorod", True),
        ("kyiv", "Kyiv", True),
    ]
    assert listed[1]["filters"]["since"] == "2024-01"
    assert run("watch", "rm", "kyiv", "--index", ix).exit_code == 0
    assert run("watch", "rm", "kyiv", "--index", ix).exit_code == 1
    assert run("watch", "run", "kyiv", "--index", ix).exit_code == 1
    bad = run("watch", "add", "x", "NOT", "--index", ix)
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr


# -- same sentence, same paragraph ---------------------------------------------------------
WITHIN = {
    "a.txt": "Drones hit Belgorod overnight, Mr. Gladkov said. Power was cut.",
    "b.txt": "Belgorod was quiet on Monday. Drones flew over Kursk instead.",
    "c.txt": "Belgorod mourned.\n\nDrones were seen near the border.",
    "d.txt": "Gen. J. Smith said U.S. officials saw drones over Kiev. Nothing more.",
}


@pytest.fixture(scope="module")
def within_archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    from conftest import invoke

    folder = tmp_path_factory.mktemp("within")
    for name, text in WITHIN.items():
        write(folder / "texts" / name, f" date 2024-03-0{len(name)}\n{text}\n")
    ix = str(folder / "ix")
    assert invoke("ingest", str(folder / "texts"), "--index", ix, "--quiet").exit_code == 0
    return ix


def within_found(run: Run, ix: str, *args: str) -> dict[str, str]:
    got = as_json(run("search", *args, "--limit", "0", "--json", "--index", ix))
    assert got["total"] == len(got["results"])
    return {Path(x["path"]).name: x["snippet"] for x in got["results"]}


def test_within_a_sentence_keeps_articles_where_one_sentence_holds_every_term(
    run: Run, within_archive: str
) -> None:
    ix = within_archive
    assert set(within_found(run, ix, "Belgorod drones")) == {"a.txt", "b.txt", "c.txt"}
    one = within_found(run, ix, "Belgorod drones", "--within", "sentence")
    assert one == {"a.txt": "Drones hit Belgorod overnight, Mr. Gladkov said."}
    assert set(within_found(run, ix, "Belgorod drones", "--within", "paragraph")) == {
        "a.txt",
        "b.txt",
    }
    # a name in any spelling; "Gen.", "J." and "U.S." end no sentence
    kyiv = within_found(run, ix, "Kyiv drones", "--within", "sentence")
    assert kyiv == {"d.txt": "Gen. J. Smith said U.S. officials saw drones over Kiev."}


def test_within_pages_and_marks_agree(run: Run, within_archive: str) -> None:
    ix = within_archive
    every = as_json(
        run("search", "drones", "--within", "sentence", "--limit", "0", "--json", "--index", ix)
    )
    page = as_json(
        run(
            "search",
            "drones",
            "--within",
            "sentence",
            "-n",
            "2",
            "--offset",
            "1",
            "--json",
            "--index",
            ix,
        )
    )
    assert page["total"] == every["total"] == 4
    assert [x["id"] for x in page["results"]] == [x["id"] for x in every["results"]][1:3]
    for x in every["results"]:
        assert {x["snippet"][a:b].lower() for a, b in x["highlights"]} == {"drones"}


@given(
    st.lists(
        st.sampled_from(["Mr.", "Gen.", "U.S.", "J.", "troops", "said", "Kyiv", "10"]),
        min_size=1,
        max_size=8,
    )
)
def test_sentences_cover_the_text_in_order(words: list[str]) -> None:
    from conflictcli import within

    text = " ".join(words) + ". Next one here. And a third?"
    spans = within.units(text, "sentence")
    assert spans == sorted(spans) and all(a < b for a, b in spans)
    assert all(text[b1:a2].strip() == "" for (_, b1), (a2, _) in itertools.pairwise(spans))
    assert text[spans[-1][0] : spans[-1][1]] == "And a third?"


@needs_corpus(UKRAINE_MEDIA)
def test_export_similar_and_within_on_a_real_corpus(
    run: Run, ukraine_media: Corpus, tmp_path: Path
) -> None:
    ix = ukraine_media.ix
    total = search_total(run, ix, "Kherson")
    rows = run("export", "Kherson", "--fields", "id,body", "--index", ix).stdout.splitlines()
    assert len(rows) == total > 100 and all(json.loads(x)["body"] for x in rows)
    target = tmp_path / "k.csv"
    assert run("export", "Kherson", "-f", "csv", "-o", str(target), "--index", ix).exit_code == 0
    assert len(list(csv.DictReader(target.open(encoding="utf-8", newline="")))) == total
    both = search_total(run, ix, "Kherson bridge")
    one = as_json(
        run(
            "search",
            "Kherson bridge",
            "--within",
            "sentence",
            "--limit",
            "0",
            "--json",
            "--index",
            ix,
        )
    )
    assert 0 < one["total"] < both
    for x in one["results"]:
        words = {w.lower() for w in re.findall(r"\w+", x["snippet"])}
        assert "bridge" in words or "bridges" in words
        assert any(w.startswith(("kherson", "херсон")) for w in words), x["snippet"]
    first = as_json(run("search", "Kherson bridge", "--json", "--index", ix))["results"][0]["id"]
    similar = as_json(run("similar", first, "--json", "--index", ix))["results"]
    assert len(similar) >= 3 and first not in {x["id"] for x in similar}


def test_count_by_place_is_the_places_facet(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    grouped = as_json(run("count", "drone", "--by", "place", "--json", "--index", ix))
    facet = as_json(run("places", "drone", "-n", "0", "--json", "--index", ix))
    assert grouped["count"] == facet["total"] == search_total(run, ix, "drone")
    assert [(g["key"], g["count"]) for g in grouped["groups"]] == [
        (p["place"], p["articles"]) for p in facet["places"]
    ]
