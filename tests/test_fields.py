"""search --fields: only the chosen fields of each result, the same results as the
default output, and no text read when neither snippet nor highlights is chosen."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conflictcli.query import SearchRequest

from conftest import UKRAINE_MEDIA, Corpus, Run, as_json, needs_corpus, open_archive

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

FIELD_SETS = [
    ["id"],
    ["id", "date", "title", "path"],
    ["path", "id"],  # in the order given, not the default's
    ["score", "partial", "similar", "cluster"],
    ["id", "snippet", "highlights"],  # with the text read: the same snippets
]


def full_records(run: Run, ix: str, query: str, *args: str) -> dict[str, Any]:
    return as_json(run("search", query, *args, "--limit", "0", "--json", "--index", ix))


def chosen(default: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """What --fields should give for a result of the default output."""
    rec = {**default, "partial": default.get("partial", False), "similar": default.get("similar")}
    return {k: rec[k] for k in fields}


@pytest.mark.parametrize("fields", FIELD_SETS, ids=",".join)
@pytest.mark.parametrize(
    "query,args",
    [
        ("drone", []),
        ("Kyiv OR Kharkiv", []),
        ("drone attack", ["--any"]),
        ("*", ["--until", "2024-03"]),
    ],
)
def test_fields_are_the_default_results_cut_down(
    run: Run, sample_archive: Path, fields: list[str], query: str, args: list[str]
) -> None:
    ix = str(sample_archive)
    default = full_records(run, ix, query, *args)
    assert default["total"] > 0, query
    spec = ",".join(fields)
    got = full_records(run, ix, query, *args, "--fields", spec)
    assert {k: v for k, v in got.items() if k not in ("results", "took_ms")} == {
        k: v for k, v in default.items() if k not in ("results", "took_ms")
    }
    assert [list(r) for r in got["results"]] == [fields] * len(got["results"])
    assert got["results"] == [chosen(r, fields) for r in default["results"]]
    assert len(got["results"]) == got["total"]

    lines = run("search", query, *args, "--limit", "0", "--jsonl", "--fields", spec, "--index", ix)
    assert [json.loads(x) for x in lines.stdout.splitlines()] == got["results"]

    table = run("search", query, *args, "--limit", "0", "--csv", "--fields", spec, "--index", ix)
    rows = list(csv.reader(io.StringIO(table.stdout)))
    assert rows[0] == fields and len(rows) - 1 == got["total"]
    if "id" in fields:
        at = fields.index("id")
        assert [r[at] for r in rows[1:]] == [r["id"] for r in got["results"]]


def test_pages_with_fields_are_slices_of_the_whole_list(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    every = [r["id"] for r in full_records(run, ix, "*", "--fields", "id")["results"]]
    assert len(every) > 5
    for limit, offset in [(1, 0), (3, 2), (5, len(every) - 2), (2, len(every))]:
        page = as_json(
            run(
                "search", "*", "--json", "--fields", "id", "--limit", str(limit),
                "--offset", str(offset), "--index", ix,
            )
        )  # fmt: skip
        assert [r["id"] for r in page["results"]] == every[offset : offset + limit]
        assert page["total"] == len(every)


def test_fields_that_make_no_sense_are_refused(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    for args in (
        ["drone", "--fields", "id"],  # a table
        ["drone", "--json", "--fields", "id,body"],  # export has the body, search has not
        ["drone", "--json", "--fields", ""],
        ["drone", "--json", "--fields", "id", "--explain"],
    ):
        r = run("search", *args, "--index", ix)
        assert r.exit_code == 2, args
        assert "--fields" in r.stderr and "Traceback" not in r.stderr, args
    assert not run("search", "drone", "--fields", "id", "--index", ix).stdout  # stdout: data only


def test_export_without_text_fields_reads_no_text(run: Run, sample_archive: Path) -> None:
    ix = str(sample_archive)
    full = [json.loads(x) for x in run("export", "drone", "--index", ix).stdout.splitlines()]
    for spec in ("id,date,title,path", "body,id", "snippet", "highlights,score"):
        fields = spec.split(",")
        lines = run("export", "drone", "--fields", spec, "--index", ix).stdout.splitlines()
        assert [json.loads(x) for x in lines] == [{k: r[k] for k in fields} for r in full], spec


@needs_corpus(UKRAINE_MEDIA)
def test_a_long_list_without_snippets_is_the_same_list(ukraine_media: Corpus) -> None:
    """On a real corpus, past the length from which snippets are cut in worker
    processes: the same ids, scores and paths, in the same order, with no text read."""
    archive = open_archive(Path(ukraine_media.ix))
    for req in (
        SearchRequest("Ukraine", limit=0),
        SearchRequest("Kyiv drones", limit=0, any_terms=True),
        SearchRequest("Russia", limit=25, offset=1000),
    ):
        with_text = archive.search(req)
        without = archive.search(req, snippets=False)
        assert without.total == with_text.total and with_text.total > 1000, req.text
        assert len(without.results) == len(with_text.results)
        keep = ("id", "date", "title", "source", "url", "path", "score", "partial", "cluster")
        assert [[getattr(r, k) for k in keep] for r in without.results] == [
            [getattr(r, k) for k in keep] for r in with_text.results
        ], req.text
        assert all(r.snippet == "" and r.highlights == [] for r in without.results)
        assert all(r.snippet for r in with_text.results)


def test_fields_in_a_batch_of_queries(run: Run, sample_archive: Path, tmp_path: Path) -> None:
    ix = str(sample_archive)
    queries = tmp_path / "queries.txt"
    queries.write_text("drone\nKyiv OR Kharkiv\n# a comment\nBelgorod\n", encoding="utf-8")
    args = ["search", "--from-file", str(queries), "--limit", "0", "--index", ix]
    full = [json.loads(x) for x in run(*args, "--jsonl").stdout.splitlines()]
    assert {r["query"] for r in full} == {"drone", "Kyiv OR Kharkiv", "Belgorod"}
    fields = ["date", "id", "partial"]
    lines = run(*args, "--jsonl", "--fields", ",".join(fields)).stdout.splitlines()
    assert [json.loads(x) for x in lines] == [
        {"query": r["query"], **chosen(r, fields)} for r in full
    ]
    rows = list(csv.reader(io.StringIO(run(*args, "--csv", "--fields", "id").stdout)))
    assert rows[0] == ["query", "id"] and rows[1:] == [[r["query"], r["id"]] for r in full]
    pages = as_json(run(*args, "--json", "--fields", "id"))
    assert [p["total"] for p in pages] == [
        sum(r["query"] == q for r in full) for q in ("drone", "Kyiv OR Kharkiv", "Belgorod")
    ]
    assert [r for p in pages for r in p["results"]] == [{"id": r["id"]} for r in full]
    counted = run(*args, "--count", "--json", "--fields", "id")
    assert counted.exit_code == 2 and "--fields" in counted.stderr and not counted.stdout
