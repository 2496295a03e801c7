"""conflict search: semantics, filters, sorting, paging, every output mode, errors.

Expected counts come from reading the sample files with plain regular expressions,
not from the engine."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conflictcli import pages, workers
from conflictcli.query import SearchRequest

from conftest import SAMPLE, Run, as_json, open_archive, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

RESULT_KEYS = {"id", "date", "title", "source", "url", "path", "score", "snippet", "highlights"}


def files_matching(*patterns: str) -> set[str]:
    """Sample files whose text matches every pattern (case-insensitive)."""
    out = set()
    for p in SAMPLE.rglob("*.txt"):
        text = p.read_text(encoding="utf-8")
        if all(re.search(pat, text, re.I) for pat in patterns):
            out.add(str(p))
    return out


def date_of(path: str) -> str | None:
    """sample_data names each dated file after its date."""
    m = re.match(r"(\d{4}-\d{2}-\d{2})-", Path(path).name)
    return m.group(1) if m else None


@pytest.fixture
def search(run: Run, sample_archive: Path):  # type: ignore[no-untyped-def]
    def go(*args: str):  # type: ignore[no-untyped-def]
        return run("search", *args, "--index", str(sample_archive))

    return go


def test_belgorod_drones_all_terms_required(search) -> None:  # type: ignore[no-untyped-def]
    want = files_matching(r"\bbelgorod", r"\bdrones?\b")
    assert len(want) >= 4
    r = search("Belgorod drones", "--json", "--limit", "0")
    assert r.exit_code == 0, r.stderr
    res = as_json(r)
    assert {x["path"] for x in res["results"]} == want
    assert res["total"] == len(want)
    assert not any(x.get("partial") for x in res["results"])
    top = res["results"][0]
    assert set(top) >= RESULT_KEYS
    assert top["date"] == "2024-03-27" or top["date"] == "2024-03-28"


def test_piped_lists_hold_only_full_matches_whatever_the_limit(search, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    full = files_matching(r"\bbelgorod", r"\bdrones?\b")
    res = as_json(search("Belgorod drones", "--json", "--limit", "20"))
    assert {x["path"] for x in res["results"]} == full and res["total"] == len(full)
    assert not any("partial" in x for x in res["results"])
    lines = search("Belgorod drones", "--jsonl", "--limit", "20").stdout.splitlines()
    assert len(lines) == len(full)
    rows = list(csv.DictReader(io.StringIO(search("Belgorod drones", "--csv", "-n", "20").stdout)))
    assert len(rows) == len(full) and {r["partial"] for r in rows} == {"false"}
    queries = tmp_path / "queries.txt"
    queries.write_text("Belgorod drones\n", encoding="utf-8")
    for fmt in ("--jsonl", "--csv"):
        batch = search("--from-file", str(queries), fmt, "-n", "20")
        assert len(batch.stdout.splitlines()) == len(full) + (fmt == "--csv"), fmt


def test_the_table_goes_on_with_partial_matches_under_their_own_heading(search) -> None:  # type: ignore[no-untyped-def]
    full = len(files_matching(r"\bbelgorod", r"\bdrones?\b"))
    r = search("Belgorod drones", "--limit", "20", "--all")
    assert f"showing 1–{full} of {full}, then {20 - full} partial matches" in r.stderr
    rows = [line for line in r.stdout.splitlines() if re.match(r"\s*\d+\s+\d{4}-", line)]
    assert len(rows) == 20
    none = search("Belgorod zzqqxxnotaword", "--limit", "2")
    assert "showing 0 of 0, then 2 partial matches" in none.stderr
    piped = search("Belgorod zzqqxxnotaword", "--json", "--limit", "2")
    assert piped.exit_code == 1 and as_json(piped)["results"] == []


def test_any_counts_every_article_with_any_term(search) -> None:  # type: ignore[no-untyped-def]
    some = files_matching(r"\bbelgorod|\bdrones?\b")
    r = search("Belgorod drones", "--any", "--json", "--limit", "0")
    res = as_json(r)
    assert res["total"] == len(some) == len(res["results"])
    # those holding only one of the terms are matches too, marked
    both = files_matching(r"\bbelgorod", r"\bdrones?\b")
    assert {x["path"] for x in res["results"] if x.get("partial")} == some - both
    assert f"{len(some - both)} of the {len(some)} listed hold only some of the terms" in r.stderr
    # holding both terms earns a bonus: on average they rank above those holding one
    ranks = {x["path"]: n for n, x in enumerate(res["results"])}
    mean_both = sum(ranks[p] for p in both) / len(both)
    mean_one = sum(ranks[p] for p in some - both) / len(some - both)
    assert res["results"][0]["path"] in both and mean_both < mean_one


@pytest.mark.parametrize(
    "query, patterns",
    [
        ("Київ", [r"(?<!\w)(Київ|Києв|Киев|kyiv|kiev)(?!\w)"]),  # every spelling (names.py)
        ("cafe", [r"café|cafe"]),
        ("CAFÉ", [r"café|cafe"]),
        ('"Belgorod region"', [r"Belgorod region"]),
        ("Zaporizh*", [r"\bzaporizh"]),
        ("title:Belgorod", None),
        ("Su-34", [r"\bsu-34"]),
    ],
)
def test_query_language(search, query: str, patterns: list[str] | None) -> None:  # type: ignore[no-untyped-def]
    r = search(query, "--json", "--limit", "0")
    assert r.exit_code == 0, r.stderr
    res = as_json(r)
    got = {x["path"] for x in res["results"]}
    if patterns is None:
        assert got and all("belgorod" in x["title"].lower() for x in res["results"])
    else:
        assert got == files_matching(*patterns)


def test_not_excludes(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Belgorod NOT drones", "--json", "--limit", "0"))
    want = files_matching(r"\bbelgorod") - files_matching(r"\bdrones?\b")
    assert {x["path"] for x in res["results"]} == want and len(want) >= 3


def test_stemming_finds_other_forms(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("drone", "--json", "--limit", "0"))
    assert {x["path"] for x in res["results"]} == files_matching(r"\bdrones?\b")


def test_fuzzy_term(search) -> None:  # type: ignore[no-untyped-def]
    exact = as_json(search("Gladkov", "--json", "--limit", "0"))["total"]
    fuzzy = as_json(search("Gladkof~", "--json", "--limit", "0"))["total"]
    assert exact > 0 and fuzzy >= exact


def test_title_weighs_more_than_body(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Kursk", "--json", "--limit", "3"))
    assert "kursk" in res["results"][0]["title"].lower()


def test_snippet_highlights_point_at_terms(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Belgorod drones", "--json"))
    for x in res["results"]:
        marked = {x["snippet"][a:b].lower() for a, b in x["highlights"]}
        assert marked and marked <= {"belgorod", "drone", "drones"}


@pytest.mark.parametrize(
    "since, until, lo, hi",
    [
        ("2024-03", "March 2024", "2024-03-01", "2024-03-31"),
        ("2024-03-27", "2024-03-27", "2024-03-27", "2024-03-27"),
        ("27 Mar 2024", None, "2024-03-27", "9999"),
        (None, "2023-12", "0000", "2023-12-31"),
        ("2024", "2024", "2024-01-01", "2024-12-31"),
    ],
)
def test_date_filters_are_exact_and_inclusive(search, since, until, lo, hi) -> None:  # type: ignore[no-untyped-def]
    args = ["drones", "--any", "--json", "--limit", "0"]
    args += ["--since", since] if since else []
    args += ["--until", until] if until else []
    res = as_json(search(*args))
    want = {p for p in files_matching(r"\bdrones?\b") if (d := date_of(p)) and lo <= d <= hi}
    got = {x["path"] for x in res["results"]}
    assert got == want and res["total"] == len(want)


@pytest.mark.parametrize(
    "query, lo, hi",
    [
        ("date:2024-03-27", "2024-03-27", "2024-03-27"),
        ("date:2024-03", "2024-03-01", "2024-03-31"),
        ('date:"27 March 2024"', "2024-03-27", "2024-03-27"),
        ("date:'March 2024'", "2024-03-01", "2024-03-31"),
        ("date:[2024-03-01 to 2024-04-30]", "2024-03-01", "2024-04-30"),
        ("date:[Mar 2024 TO Apr 2024]", "2024-03-01", "2024-04-30"),
        ("date:[2024-05 to]", "2024-05-01", "9999"),
        ("date:>2024-03", "2024-04-01", "9999"),
        ("date:>=2024-03", "2024-03-01", "9999"),
        ("date:<2023-11", "0000", "2023-10-31"),
    ],
)
def test_date_field_in_the_query(search, query: str, lo: str, hi: str) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search(f"Kyiv {query}", "--json", "--limit", "0"))
    want = {p for p in files_matching(r"\bkyiv\b") if (d := date_of(p)) and lo <= d <= hi}
    assert {x["path"] for x in res["results"]} == want and want


@pytest.mark.parametrize("sort, reverse", [("newest", True), ("oldest", False)])
def test_sort_by_date(search, sort: str, reverse: bool) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Kyiv OR Sudan OR Myanmar", "--json", "--limit", "0", "--sort", sort))
    dates = [x["date"] for x in res["results"]]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=reverse)
    assert None in dates and dates.index(None) == len(dated)  # unknown dates last
    assert all(x["score"] is None for x in res["results"])


def test_relevance_is_ordered_by_score(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Kyiv", "--json", "--limit", "0"))
    scores = [x["score"] for x in res["results"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_limit_and_offset_page_through(search) -> None:  # type: ignore[no-untyped-def]
    everything = as_json(search("Kyiv", "--json", "--limit", "0"))
    assert everything["total"] == len(everything["results"]) > 6
    ids = [x["id"] for x in everything["results"]]
    page = as_json(search("Kyiv", "--json", "--limit", "3", "--offset", "2"))
    assert [x["id"] for x in page["results"]] == ids[2:5]
    assert (page["offset"], page["limit"], page["total"]) == (2, 3, everything["total"])
    default = as_json(search("Kyiv", "--json"))
    assert len(default["results"]) == min(10, everything["total"])


def test_jsonl_and_csv_carry_the_same_results(search) -> None:  # type: ignore[no-untyped-def]
    res = as_json(search("Belgorod", "--json", "--limit", "0"))
    lines = search("Belgorod", "--jsonl", "--limit", "0").stdout.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [x["id"] for x in res["results"]]
    rows = list(csv.DictReader(io.StringIO(search("Belgorod", "--csv", "--limit", "0").stdout)))
    assert [r["id"] for r in rows] == [x["id"] for x in res["results"]]
    assert set(rows[0]) >= {"id", "date", "title", "path", "snippet", "partial"}


def test_json_puts_the_totals_first_and_one_result_a_line(search) -> None:  # type: ignore[no-untyped-def]
    out = search("Belgorod", "--json", "--limit", "0").stdout
    res = json.loads(out)
    lines = out.splitlines()
    assert len(lines) == len(res["results"]) + 2 and lines[-1] == "]}"
    assert json.loads(lines[0] + "]}") == {**res, "results": []}
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == res["results"]
    empty = search("zzqqxxnotaword", "--json").stdout
    assert empty.count("\n") == 1 and json.loads(empty)["results"] == []


def test_table_on_stdout_and_counts_on_stderr(search) -> None:  # type: ignore[no-untyped-def]
    r = search("Belgorod drones", "--all")  # every copy of a story: a line an article
    assert r.exit_code == 0
    assert "Belgorod" in r.stdout and "date" in r.stdout
    n = len(files_matching(r"\bbelgorod", r"\bdrones?\b"))
    assert f"showing 1–{n} of {n}, then {10 - n} partial matches" in r.stderr
    full = search("Belgorod drones", "--limit", "3", "--all")
    assert re.search(rf"showing 1–3 of {n} \(\d+ ms\)", full.stderr)
    assert "showing" not in r.stdout
    # into a pipe nothing is wrapped: one line a result, whole, no trailing spaces
    rows = [line for line in r.stdout.splitlines() if re.match(r"\s*\d+\s+\d{4}-", line)]
    assert len(rows) == 10 and all(line == line.rstrip() for line in r.stdout.splitlines())


def test_no_match_exits_1_with_valid_json(search) -> None:  # type: ignore[no-untyped-def]
    r = search("zzqqxxnotaword", "--json")
    assert r.exit_code == 1
    res = json.loads(r.stdout)
    assert res["total"] == 0 and res["results"] == []
    r = search("zzqqxxnotaword")
    assert r.exit_code == 1 and r.stdout == "" and "No articles match" in r.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["AND"], "nothing to search for"),
        (["NOT NOT"], "nothing to search for"),
        (["the"], "nothing to search for"),
        (["title:"], "has no value"),
        (["Kyiv", "--since", "yesterday"], "--since 'yesterday'"),
        (["Kyiv", "--until", "March"], "has no year"),
        (["Kyiv", "--json", "--csv"], "just one of"),
        (["Kyiv", "--sort", "size"], "size"),
        (["Kyiv", "--limit", "-1"], "--limit"),
        (["drones date:garbage"], "date: 'garbage' is not a date"),
        (["date:[2024-05 to junk]"], "'junk' is not a date"),
    ],
)
def test_bad_queries_exit_2_with_a_message(search, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    r = search(*args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.parametrize("query", ['"unclosed', "(Kyiv", "*", "a" * 3000, "Kyiv)", "drone?"])
def test_odd_queries_never_trace_back(search, query: str) -> None:  # type: ignore[no-untyped-def]
    r = search(query, "--json")
    assert r.exit_code in (0, 1, 2)
    assert "Traceback" not in r.stderr + r.stdout
    if r.exit_code in (0, 1):
        json.loads(r.stdout)


def test_titles_carry_marks_for_the_table(sample_archive: Path) -> None:
    archive = open_archive(sample_archive)
    res = archive.search(SearchRequest(text="Kursk drones", any_terms=True, limit=20))
    marked = [
        {r.title[a:b].lower() for a, b in r.title_highlights}
        for r in res.results
        if r.title_highlights
    ]
    assert marked and all(m <= {"kursk", "drone", "drones"} for m in marked)
    archive.close()


@pytest.mark.skipif(not workers.can_fork(), reason="worker processes fork only on Linux")
def test_a_long_page_cut_by_worker_processes_is_the_page_cut_here(
    run: Run, sample_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of PARALLEL_HITS results or more get their snippets in forked workers: the
    same results, in the same order, as when this process cuts them."""
    args = ("search", "drone OR Ukraine OR Russia", "--limit", "0", "--index", str(sample_archive))

    def page(n: str) -> list[dict[str, object]]:
        monkeypatch.setenv("CONFLICT_WORKERS", n)
        return list(as_json(run(*args, "--json"))["results"])

    here = page("0")
    monkeypatch.setattr(pages, "PARALLEL_HITS", 1)
    monkeypatch.setattr(pages, "HITS_PER_JOB", 3)  # several jobs, back in order
    forked = page("2")
    assert len(here) > 3 * 3
    assert forked == here


def test_a_long_page_reads_the_same_ids_from_the_key_column(
    run: Run, sample_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of BULK_IDS results or more reads its ids from the key column in one pass:
    the same ids, in the same order, as from the stored fields."""
    from conflictcli.engine.whoosh import results as index

    args = ("search", "drone OR Ukraine OR Russia", "--limit", "0", "--json")
    stored = as_json(run(*args, "--index", str(sample_archive)))["results"]
    monkeypatch.setattr(index, "BULK_IDS", 1)
    keyed = as_json(run(*args, "--index", str(sample_archive)))["results"]
    assert len(stored) > 3 and [r["id"] for r in keyed] == [r["id"] for r in stored]


@given(st.text(max_size=20) | st.from_regex(r"[0-9a-f]{16}", fullmatch=True))
def test_an_id_is_a_key_only_when_it_reads_back_the_same(article_id: str) -> None:
    from conflictcli.engine.whoosh.writer import NO_KEY, id_number

    key = id_number(article_id)
    if key != NO_KEY:
        assert f"{key + (1 << 63):016x}" == article_id
    else:
        hex16 = len(article_id) == 16 and set(article_id) <= set("0123456789abcdef")
        assert not hex16 or article_id == "0" * 16


def _archive_where(tmp_path: Path, run: Run, name: str, common: str, rare: str) -> Path:
    """Eight articles, all holding `common` and one also `rare`; and two more, one of
    each word alone. Ingested once (one commit), so two such archives are alike in
    everything a process could mistake one for the other by, but their words' rarity."""
    docs = tmp_path / f"docs-{name}"
    for n in range(8):
        extra = f" {rare}" if n == 0 else ""
        write(docs / f"c{n}.txt", f" date 2024-01-0{n + 1}\nThe {common}{extra} report {n}.\n")
    write(docs / "only-a.txt", " date 2024-02-01\nA note on alpha and nothing more.\n")
    write(docs / "only-b.txt", " date 2024-02-02\nA note on bravo and nothing more.\n")
    ix = tmp_path / f"ix-{name}"
    assert run("ingest", str(docs), "--index", str(ix), "--quiet").exit_code == 0
    return ix


def test_each_archive_ranks_by_its_own_counts(tmp_path: Path, run: Run) -> None:
    """Two archives read by one process, where "alpha" is rare in one and common in the
    other: each ranks by its own words' rarity (a team archive's counts were once held
    for the process's last commit number, whichever archive it was, and a second archive
    ranked by the first's)."""
    first = _archive_where(tmp_path, run, "first", common="bravo", rare="alpha")
    second = _archive_where(tmp_path, run, "second", common="alpha", rare="bravo")
    for ix, rare in ((first, "alpha"), (second, "bravo"), (first, "alpha")):
        res = as_json(run("search", "alpha bravo", "--any", "--json", "--index", str(ix)))
        top = {Path(x["path"]).name for x in res["results"][:2]}
        assert top == {"c0.txt", f"only-{rare[0]}.txt"}, (ix.name, res["results"][:3])
