"""conflict rm: articles out of the archive by id or by path, from the catalogue and the
engine's index alike, so that every count agrees after it (count, search --limit 0,
stats, timeline, places) and `check` finds nothing out of step; stories never point at
an article that is gone; a dry run changes nothing; what names nothing is said, with
the next step; an rm that stops part way leaves the archive whole.

Real archives on disk (sample_data, articles written here, a real corpus): the engine
suite runs them on Whoosh, tantivy and team archives (README: Development)."""

from __future__ import annotations

import json
import random
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    CORPORA,
    SAMPLE,
    Run,
    as_json,
    invoke,
    needs_corpus,
    only_folder,
    open_archive,
    write,
)

pytestmark = pytest.mark.engine

LEADER = SAMPLE / "2024-03-27-belgorod-power-lines-drone.txt"  # the first of sample's story
WIRE = SAMPLE / "ukraine" / "2024-03-27-belgorod-substation-wire-copy.txt"  # its copy

# (query, filters) whose counts must agree after any rm
QUERIES: list[tuple[str, list[str]]] = [
    ("*", []),
    ("Belgorod", []),
    ("drone", ["--since", "2024-03"]),
    ("Kyiv attack", ["--any"]),
    ("Kiev", ["--exact"]),
    ("*", ["--place", "Kharkiv"]),
    ("strike", ["--lang", "en", "--until", "2024-06"]),
]


def ids_of(run: Run, query: str, *extra: str) -> list[str]:
    r = run("search", query, *extra, "--jsonl", "--limit", "0", "--fields", "id")
    return [json.loads(line)["id"] for line in r.stdout.splitlines()]


def agree(run: Run, queries: list[tuple[str, list[str]]] = QUERIES) -> int:
    """Every count of the archive agrees, query by query, and check finds it whole;
    returns how many articles it holds."""
    held = as_json(run("stats", "--json"))["articles"]
    for query, extra in queries:
        listed = ids_of(run, query, *extra)
        count = as_json(run("count", query, *extra, "--json"))["count"]
        assert len(listed) == len(set(listed)) == count, (query, extra)
        t = as_json(run("timeline", query, *extra, "--json"))
        assert sum(b["count"] for b in t["buckets"]) + t["undated"] == count, (query, extra)
        if "--exact" not in extra:  # places reads names in every spelling
            assert as_json(run("places", query, *extra, "--json", "-n", "1"))["total"] == count
        if query == "*" and not extra:
            assert count == held
    report = run("check", "--json")
    assert report.exit_code == 0 and as_json(report)["problems"] == [], report.stdout
    return held


def snapshot(run: Run) -> dict[str, Any]:
    """What a dry run must leave as it was."""
    stats = as_json(run("stats", "--json"))
    return {
        "articles": stats["articles"],
        "by_month": stats["by_month"],
        "ids": sorted(ids_of(run, "*")),
        "dupes": as_json(run("dupes", "--json")),
        "check": as_json(run("check", "--json"))["problems"],
        "show": run("show", str(LEADER), "--json").stdout,
    }


def test_a_dry_run_changes_nothing(run: Run, archive: Path) -> None:
    before = snapshot(run)
    r = run("rm", str(LEADER), str(SAMPLE / "other"), "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    got = as_json(r)
    assert got["dry_run"] is True and got["removed"] == 6 and got["articles"] == 50
    assert len(got["paths"]) == 6 and got["regrouped"] == 1
    assert snapshot(run) == before
    told = run("rm", str(SAMPLE / "other"), "--dry-run")
    assert (
        "would remove 5 articles and forget 5 files (--dry-run: nothing was changed)" in told.stderr
    )
    assert told.stderr.count("\n  article  ") == told.stderr.count("\n  file     ") == 5


@pytest.mark.parametrize(
    "refs",
    [
        [str(LEADER)],  # a file: the first article of a story
        ["ID8"],  # a unique prefix of an id, as show takes it
        [str(SAMPLE / "ukraine")],  # a folder
        [str(SAMPLE / "other"), "ID", str(SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt")],
    ],
    ids=["file", "prefix", "folder", "several"],
)
def test_after_rm_every_count_agrees(run: Run, archive: Path, refs: list[str]) -> None:
    first = ids_of(run, "Kyiv")[0]
    refs = [first if r == "ID" else first[:8] if r == "ID8" else r for r in refs]
    before = agree(run)
    r = run("rm", *refs, "--json")
    assert r.exit_code == 0, r.stderr
    got = as_json(r)
    assert got["removed"] == len(got["ids"]) > 0 and got["not_found"] == []
    assert got["articles"] == before - got["removed"] == agree(run)
    for gone in got["ids"]:
        assert run("show", gone).exit_code == 1
        assert gone not in ids_of(run, "*")
    clusters = {json.loads(x)["cluster"] for x in _rows(run, "id,cluster")}
    assert not clusters & set(got["ids"])  # no story points at an article that is gone


def _rows(run: Run, fields: str) -> list[str]:
    return run("search", "*", "--jsonl", "--limit", "0", "--fields", fields).stdout.splitlines()


def test_rm_of_an_unknown_id_names_it_and_the_next_step(run: Run, archive: Path) -> None:
    r = run("rm", "0123456789abcdef")
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "not found 0123456789abcdef" in r.stderr and "conflict search" in r.stderr
    assert "removed 0 articles" in r.stderr
    short = as_json(run("rm", "be7", "--json"))["not_found"]
    assert short == [
        {
            "ref": "be7",
            "reason": "'be7' is too short to name an article. Give at least 4 characters "
            "of its id, or its file's path.",
        }
    ]
    nothing = run("rm")
    assert nothing.exit_code == 2 and "Missing argument 'ID|PATH...'" in nothing.stderr
    assert as_json(run("stats", "--json"))["articles"] == 50


def test_rm_of_a_path_the_archive_never_read_says_so(
    run: Run, archive: Path, tmp_path: Path
) -> None:
    outside = write(tmp_path / "elsewhere" / "note.txt", " date 2024-01-01 Not ingested.\n")
    for ref in (outside, outside.parent, tmp_path / "gone.txt"):
        r = run("rm", str(ref))
        assert r.exit_code == 1, r.stderr
        assert f"No file at or under {ref.resolve()} was ingested into this archive" in r.stderr
        assert "'conflict show ID' lists an article's paths" in r.stderr
    assert agree(run) == 50


def test_what_names_nothing_does_not_stop_the_rest(run: Run, archive: Path) -> None:
    r = run("rm", "ffffffff00000000", str(LEADER), "--json")
    assert r.exit_code == 1
    got = as_json(r)
    assert got["removed"] == 1 and [u["ref"] for u in got["not_found"]] == ["ffffffff00000000"]
    assert agree(run) == 49


def test_rm_by_id_then_show_fails_and_ingest_brings_it_back(run: Run, articles_dir: Path) -> None:
    run("ingest", str(articles_dir), "--quiet")
    aid = as_json(run("show", str(articles_dir / LEADER.name), "--json"))["id"]
    r = run("rm", aid, "--json")
    assert r.exit_code == 0 and as_json(r)["paths"] == [str((articles_dir / LEADER.name).resolve())]
    shown = run("show", aid)
    assert shown.exit_code == 1 and f"No article with id '{aid}'" in shown.stderr
    assert agree(run) == 49
    again = as_json(run("ingest", str(articles_dir), "--json", "--quiet"))
    assert (again["added"], again["articles_added"], again["articles"]) == (1, 1, 50)
    assert run("show", aid).exit_code == 0
    assert agree(run) == 50


def test_rm_of_a_folder_forgets_its_files_and_a_later_ingest_reads_them_again(
    run: Run, articles_dir: Path
) -> None:
    run("ingest", str(articles_dir), "--quiet")
    r = run("rm", str(articles_dir / "ukraine") + "/", "--json")
    got = as_json(r)
    assert r.exit_code == 0 and got["removed"] == 7 and len(got["paths"]) == 7
    assert all(p.startswith(str((articles_dir / "ukraine").resolve()) + "/") for p in got["paths"])
    assert agree(run) == 43
    again = as_json(run("ingest", str(articles_dir), "--json", "--quiet"))
    assert (again["added"], again["unchanged"], again["articles"]) == (7, 43, 50)
    story = as_json(run("show", str(articles_dir / "ukraine" / WIRE.name), "--json"))
    assert story["cluster"] != story["id"]  # the wire copy is in its story again
    assert agree(run) == 50


def test_rm_of_files_that_are_gone_from_disk(run: Run, articles_dir: Path) -> None:
    run("ingest", str(articles_dir), "--quiet")
    shutil.rmtree(articles_dir / "other")
    r = run("rm", str(articles_dir / "other"), "--json")
    assert r.exit_code == 0 and as_json(r)["removed"] == 5
    assert agree(run) == 45


def test_an_article_another_file_holds_is_kept(run: Run, tmp_path: Path) -> None:
    text = " date 2024-05-01 The same report, filed twice by a scraper.\n"
    one = write(tmp_path / "in" / "a.txt", text)
    two = write(tmp_path / "in" / "copies" / "a.txt", text)
    write(tmp_path / "in" / "b.txt", " date 2024-05-02 Another report.\n")
    run("ingest", str(tmp_path / "in"), "--quiet")
    aid = as_json(run("show", str(one), "--json"))["id"]
    got = as_json(run("rm", str(two.parent), "--json"))
    assert (got["removed"], got["kept"], got["paths"]) == (0, [aid], [str(two.resolve())])
    assert as_json(run("show", aid, "--json"))["paths"] == [str(one.resolve())]
    assert agree(run, [("*", []), ("report", [])]) == 2
    got = as_json(run("rm", str(one), "--json"))
    assert (got["removed"], got["ids"]) == (1, [aid])
    assert agree(run, [("*", []), ("report", [])]) == 1


def test_rm_of_a_row_reads_its_file_again_at_the_next_ingest(run: Run, tmp_path: Path) -> None:
    rows = "date,title,text\n" + "".join(
        f"2024-04-0{n},Report {n},Shelling hit the district number {n} overnight.\n"
        for n in (1, 2, 3)
    )
    table = write(tmp_path / "in" / "t.csv", rows)
    run("ingest", str(tmp_path / "in"), "--quiet")
    second = as_json(run("show", f"{table}:3", "--json"))["id"]
    got = as_json(run("rm", f"{table}:3", "--json"))
    assert (got["ids"], got["paths"], got["read_again"]) == ([second], [], [str(table.resolve())])
    assert agree(run, [("*", []), ("shelling", [])]) == 2
    third = as_json(run("show", f"{table}:4", "--json"))["id"]
    got = as_json(run("rm", third, "--json"))
    assert got["read_again"] == [str(table.resolve())] and agree(run, [("*", [])]) == 1
    again = as_json(run("ingest", str(tmp_path / "in"), "--json", "--quiet"))
    assert (again["updated"], again["articles_added"], again["duplicates"]) == (1, 2, 0)
    assert agree(run, [("*", []), ("shelling", [])]) == 3


# -- stories --------------------------------------------------------------------------
def _paragraphs(seed: int, n: int = 10) -> list[str]:
    rnd = random.Random(seed)
    words = "drone strike city region governor forces village front shelling power bridge"
    pool = [*words.split(), "convoy", "officials", "attack", "missile", "troops", "border"]
    return [" ".join(rnd.choice(pool) for _ in range(40)) + "." for _ in range(n)]


def _similarity(a: list[str], b: list[str]) -> float:
    """Jaccard similarity of word 5-shingles, written plainly (not stories.py's)."""

    def runs(paras: list[str]) -> set[tuple[str, ...]]:
        w = re.findall(r"\w+", " ".join(paras).lower())
        return {tuple(w[i : i + 5]) for i in range(len(w) - 4)}

    x, y = runs(a), runs(b)
    return len(x & y) / len(x | y)


def test_removing_a_storys_first_article_gives_its_copies_stories_again(
    run: Run, tmp_path: Path
) -> None:
    """b and c are each a copy of a, not of each other: once a goes, they are two
    stories, in the catalogue and in the index (search no longer folds them together)."""
    a = _paragraphs(7)
    b, c = [*a[:9], *_paragraphs(8, 1)], [*_paragraphs(9, 1), *a[1:]]
    assert min(_similarity(a, b), _similarity(a, c)) > 0.75 > 0.7 > _similarity(b, c)
    d = tmp_path / "in"
    for name, paras in (("a", a), ("b", b), ("c", c)):
        write(d / f"{name}.txt", " date 2024-06-01\n\n" + "\n\n".join(paras) + "\n")
    run("ingest", str(d), "--quiet")
    ids = {n: as_json(run("show", str(d / f"{n}.txt"), "--json"))["id"] for n in "abc"}
    assert as_json(run("dupes", "--json"))["stories"][0]["articles"] == 3
    folded = run("search", "convoy", "--collapse", "--jsonl", "--limit", "0").stdout.splitlines()
    assert len(folded) == 1
    got = as_json(run("rm", ids["a"], "--json"))
    assert got["regrouped"] == 2
    for n in "bc":
        shown = as_json(run("show", ids[n], "--json"))
        assert shown["cluster"] == ids[n] and shown["similar"] == []
    assert as_json(run("dupes", "--json"))["stories"] == []
    folded = run("search", "convoy", "--collapse", "--jsonl", "--limit", "0").stdout.splitlines()
    assert sorted(json.loads(x)["id"] for x in folded) == sorted([ids["b"], ids["c"]])
    assert agree(run, [("*", []), ("convoy", [])]) == 2


def test_a_copy_left_alone_is_a_story_of_its_own(run: Run, archive: Path) -> None:
    wire = as_json(run("show", str(WIRE), "--json"))
    leader = wire["cluster"]
    assert leader != wire["id"]
    run("rm", leader)
    after = as_json(run("show", str(WIRE), "--json"))
    assert after["cluster"] == wire["id"]  # alone now: its own story
    assert as_json(run("dupes", "--json"))["stories_count"] == 0


# -- the writer's lock, and an rm that stops part way -----------------------------------
@only_folder("the writer's lock is a file of the archive's folder")
def test_rm_waits_for_another_writer_or_says_who_holds_the_archive(run: Run, archive: Path) -> None:
    from conflictcli.archive import Archive

    writer = Archive.open(archive)
    held = threading.Event()

    def hold() -> None:
        with writer.writing(wait=0):
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    busy = run("rm", str(LEADER), "--wait", "0")
    assert busy.exit_code == 1 and "archive is busy: ingest by PID" in busy.stderr
    t0 = time.monotonic()
    waited = run("rm", str(LEADER), "--wait", "30", "--json")
    thread.join()
    assert waited.exit_code == 0 and time.monotonic() - t0 >= 0.5
    assert as_json(waited)["removed"] == 1
    with writer.writing(wait=0, what="rm"):
        other = run("ingest", str(SAMPLE), "--wait", "0")
        assert other.exit_code == 1 and "archive is busy: rm by PID" in other.stderr
    writer.close()


def test_an_rm_interrupted_before_its_commit_changes_nothing(
    run: Run, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli.stories import Stories

    before = snapshot(run)

    def interrupted(self: Stories, ids: list[str]) -> list[Any]:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(Stories, "regroup", interrupted)
        assert run("rm", str(LEADER)).exit_code == 130
    assert snapshot(run) == before
    assert agree(run) == 50


@only_folder("a team archive commits its index and catalogue as one")
def test_an_rm_killed_between_its_two_commits_is_put_right_by_the_next_write(
    run: Run, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli.archive import Archive

    aid = as_json(run("show", str(LEADER), "--json"))["id"]

    def killed(self: Archive) -> None:
        raise KeyboardInterrupt  # as a kill after the index's commit, before the catalogue's

    with monkeypatch.context() as m:
        m.setattr(Archive, "synced", killed)
        assert run("rm", aid).exit_code == 130
    report = as_json(run("check", "--json"))
    assert [(p["kind"], p["examples"]) for p in report["problems"]] == [("not_indexed", [aid])]
    r = run("rm", aid, "--json")  # puts the index right first, then removes
    assert r.exit_code == 0 and as_json(r)["ids"] == [aid]
    assert "the index and the catalogue disagreed" in as_json(r)["warnings"][0]
    assert agree(run) == 49


def test_the_core_removes_as_the_command_does(archive: Path) -> None:
    """The core's removal, as the command gives it: the summary of what went."""
    from conflictcli.removing import remove

    where = open_archive(archive)
    location = getattr(where, "location", archive)
    where.close()
    got = remove(location, [str(WIRE)], dry_run=True)
    assert (got.removed, got.articles, got.dry_run) == (1, 50, True)
    got = remove(location, [str(WIRE)])
    assert (got.removed, got.articles, got.regrouped) == (1, 49, 0)
    assert invoke("count", "Belgorod", "--json").exit_code == 0


# -- a real corpus ----------------------------------------------------------------------
GUARDIAN = "guardian-nyt-ukraine-2022"


@needs_corpus(GUARDIAN)
def test_rm_on_a_real_corpus_keeps_every_count_true(run: Run, tmp_path: Path) -> None:
    files = sorted((CORPORA / GUARDIAN / "articles").glob("*.txt"))
    assert run("ingest", str(CORPORA / GUARDIAN / "articles"), "--quiet").exit_code == 0
    queries = [
        ("*", []),
        ("Kherson", []),
        ("Mariupol", ["--since", "2022-04"]),
        ("Zelensky Putin", ["--any"]),
        ("*", ["--place", "Kyiv"]),
    ]
    held = agree(run, queries)
    kherson = ids_of(run, "Kherson")
    refs = [str(f) for f in files[:3]] + kherson[:2]
    before = snapshot(run)
    assert run("rm", *refs, "--dry-run").exit_code == 0
    assert snapshot(run) == before
    got = as_json(run("rm", *refs, "--json"))
    assert got["removed"] == len(set(got["ids"])) >= 3 and got["not_found"] == []
    assert agree(run, queries) == held - got["removed"]
    assert not set(got["ids"]) & set(ids_of(run, "*"))
    dupes = run("dupes", "Kherson", "--since", "2022-03", "--json")
    assert dupes.exit_code == 0
    matching = set(ids_of(run, "Kherson", "--since", "2022-03"))
    for story in as_json(dupes)["stories"]:
        assert len(story["members"]) >= 2 and {m["id"] for m in story["members"]} <= matching
