"""conflict ingest: counts, incremental runs, bad files, the JSON summary."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conflictcli.store import Store

from conftest import SAMPLE, ReadonlyDir, Run, as_json, write

SUMMARY_KEYS = {"added", "updated", "unchanged", "removed", "skipped", "warnings", "took_s"}
SAMPLE_FILES = sorted(p for p in SAMPLE.rglob("*") if p.suffix in {".txt", ".md"})


def test_ingest_sample_json_summary(run: Run) -> None:
    r = run("ingest", str(SAMPLE), "--json")
    assert r.exit_code == 0, r.stderr
    s = as_json(r)
    assert set(s) >= SUMMARY_KEYS
    assert s["added"] == len(SAMPLE_FILES) >= 40
    assert (s["updated"], s["unchanged"], s["removed"], s["skipped"]) == (0, 0, 0, [])
    assert s["articles"] == len(SAMPLE_FILES)
    # the undated and odd-date files are indexed, with a warning naming the file
    assert any("undated-chad-sudan-refugees.txt" in w for w in s["warnings"])
    assert any("odd-date-myanmar" in w and "2024-13-45" in w for w in s["warnings"])
    assert isinstance(s["took_s"], float)


def test_second_run_is_all_unchanged(run: Run) -> None:
    run("ingest", str(SAMPLE), "--quiet")
    s = as_json(run("ingest", str(SAMPLE), "--json"))
    assert s["unchanged"] == len(SAMPLE_FILES)
    assert s["added"] == s["updated"] == s["removed"] == 0


def test_changed_file_is_replaced(run: Run, articles_dir: Path) -> None:
    run("ingest", str(articles_dir), "--quiet")
    target = articles_dir / "2024-03-27-belgorod-drones-gladkov.txt"
    write(target, " date 2024-03-27 Zyzzogeton sightings replaced the old text entirely.\n")
    s = as_json(run("ingest", str(articles_dir), "--json"))
    assert (s["updated"], s["unchanged"], s["added"]) == (1, len(SAMPLE_FILES) - 1, 0)
    assert s["articles"] == len(SAMPLE_FILES)
    found = as_json(run("search", "zyzzogeton", "--json"))
    assert found["total"] == 1 and found["results"][0]["path"] == str(target)
    old = as_json(run("search", "Gladkov", "--json", "--limit", "0"))
    assert all(x["path"] != str(target) for x in old["results"])


def test_prune_removes_articles_of_deleted_files(run: Run, articles_dir: Path) -> None:
    run("ingest", str(articles_dir), "--quiet")
    gone = articles_dir / "ukraine" / "2024-08-12-kursk-evacuations.txt"
    gone.unlink()
    kept = as_json(run("ingest", str(articles_dir), "--json"))
    assert kept["removed"] == 0 and kept["articles"] == len(SAMPLE_FILES)
    s = as_json(run("ingest", str(articles_dir), "--prune", "--json"))
    assert s["removed"] == 1 and s["articles"] == len(SAMPLE_FILES) - 1
    assert run("show", str(gone)).exit_code == 1


def test_prune_only_touches_the_given_paths(run: Run, tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "one.txt", " date 2024-01-01 Alpha article about Kherson.\n")
    write(tmp_path / "b" / "two.txt", " date 2024-01-02 Beta article about Odesa.\n")
    run("ingest", str(tmp_path / "a"), str(tmp_path / "b"), "--quiet")
    (tmp_path / "b" / "two.txt").unlink()
    s = as_json(run("ingest", str(a.parent), "--prune", "--json"))
    assert s["removed"] == 0 and s["articles"] == 2


def test_same_text_at_two_paths_is_one_article(run: Run, tmp_path: Path) -> None:
    text = " date 2024-03-27 Identical wire copy about Belgorod drones.\n"
    one = write(tmp_path / "in" / "one.txt", text)
    two = write(tmp_path / "in" / "copy" / "two.txt", text)
    s = as_json(run("ingest", str(tmp_path / "in"), "--json"))
    assert s["added"] == 2 and s["duplicates"] == 1 and s["articles"] == 1
    hits = as_json(run("search", "identical", "--json"))
    assert hits["total"] == 1
    shown = as_json(run("show", hits["results"][0]["id"], "--json"))
    assert shown["paths"] == sorted([str(one), str(two)])
    one.unlink()
    s = as_json(run("ingest", str(tmp_path / "in"), "--prune", "--json"))
    assert s["removed"] == 1 and s["articles"] == 1  # the copy still holds it
    assert as_json(run("show", hits["results"][0]["id"], "--json"))["paths"] == [str(two)]


def test_bad_files_are_skipped_and_the_batch_goes_on(run: Run, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "good.txt", " date 2024-03-27 A good article about Kharkiv.\n")
    (src / "latin1.txt").write_bytes(" date 2024-03-27 Caf\xe9 in Kyiv.\n".encode("latin-1"))
    (src / "binary.txt").write_bytes(b"\x00\x01\x02 date")
    write(src / "empty.txt", "  \n\n")
    write(src / "only-date.txt", " date 2024-03-27\n\nAdvertisement\n")
    write(src / "notes.csv", "name,value\nsee,notes\n")
    write(src / "notes.pdf", "not read: wrong suffix")
    r = run("ingest", str(src), "--json")
    assert r.exit_code == 0, r.stderr
    s = as_json(r)
    assert s["added"] == 2  # good.txt, and latin1.txt decoded as what it is
    reasons = {Path(x["path"]).name: x["reason"] for x in s["skipped"]}
    assert set(reasons) == {"binary.txt", "empty.txt", "only-date.txt", "notes.csv"}
    assert "binary" in reasons["binary.txt"] and "no text column" in reasons["notes.csv"]
    assert as_json(run("search", "café", "--json"))["total"] == 1
    r = run("ingest", str(src))
    assert "skipped" in r.stderr and "binary.txt" in r.stderr and r.stdout == ""


def test_a_file_that_turns_bad_keeps_its_article(run: Run, tmp_path: Path) -> None:
    f = write(tmp_path / "in" / "a.txt", " date 2024-03-27 Mykolaiv port article.\n")
    run("ingest", str(f.parent), "--quiet")
    f.write_bytes(b"\xff\xfe broken now")
    s = as_json(run("ingest", str(f.parent), "--json"))
    assert len(s["skipped"]) == 1 and s["articles"] == 1
    assert as_json(run("search", "Mykolaiv", "--json"))["total"] == 1


def test_named_file_with_other_suffix_is_reported(run: Run, tmp_path: Path) -> None:
    f = write(tmp_path / "x.pdf", "a,b\n")
    s = as_json(run("ingest", str(f), "--json"))
    assert s["skipped"][0]["path"] == str(f) and "supported" in s["skipped"][0]["reason"]


def test_hidden_files_and_folders_are_not_read(run: Run, tmp_path: Path) -> None:
    write(tmp_path / "in" / ".git" / "x.txt", " date 2024-01-01 hidden\n")
    write(tmp_path / "in" / ".draft.txt", " date 2024-01-01 hidden\n")
    write(tmp_path / "in" / "seen.md", " date 2024-01-01 Markdown article about Sumy.\n")
    s = as_json(run("ingest", str(tmp_path / "in"), "--json"))
    assert s["added"] == 1


def test_missing_path_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    r = run("ingest", str(tmp_path / "nope"))
    assert r.exit_code == 2
    assert "Path not found" in r.stderr and "nope" in r.stderr
    assert not (tmp_path / "archive").exists()  # no empty archive left behind
    assert "Traceback" not in r.stderr + r.stdout


def test_unwritable_archive_is_a_data_error(run: Run, readonly_dir: ReadonlyDir) -> None:
    locked = readonly_dir()  # for root too: a read-only mount
    r = run("ingest", str(SAMPLE), "--index", str(locked / "archive"))
    assert r.exit_code == 1 and "Cannot open the archive" in r.stderr


def test_archive_under_a_file_is_a_data_error(run: Run, tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", "x")
    r = run("ingest", str(SAMPLE), "--index", str(blocker / "archive"))
    assert r.exit_code == 1
    assert "Cannot open the archive" in r.stderr and "--index" in r.stderr
    assert "Traceback" not in r.stderr


def test_human_summary_goes_to_stderr(run: Run) -> None:
    r = run("ingest", str(SAMPLE))
    assert r.exit_code == 0
    assert r.stdout == ""
    assert f"added {len(SAMPLE_FILES)}" in r.stderr and "warning" in r.stderr
    q = run("ingest", str(SAMPLE), "--quiet")
    assert "unchanged" in q.stderr and "warning" not in q.stderr


def test_archive_is_never_made_inside_a_folder_of_other_files(run: Run, tmp_path: Path) -> None:
    busy = tmp_path / "documents"
    write(busy / "letter.txt", "not an archive")
    r = run("ingest", str(SAMPLE), "--index", str(busy))
    assert r.exit_code == 1 and "not empty and holds no archive" in r.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["letter.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("ingest", str(SAMPLE), "--index", str(empty), "--quiet").exit_code == 0


def test_a_lost_search_index_is_rebuilt_from_the_catalogue(run: Run, isolated: Path) -> None:
    run("ingest", str(SAMPLE / "ukraine"), "--quiet")
    before = as_json(run("search", "Belgorod", "--json", "--limit", "0"))
    shutil.rmtree(isolated / "whoosh")
    lost = run("search", "Belgorod")
    assert (
        lost.exit_code == 1 and "search index" in lost.stderr and "conflict ingest" in lost.stderr
    )
    s = as_json(run("ingest", str(SAMPLE / "ukraine"), "--json"))
    assert s["unchanged"] == 7 and any("rebuilt" in w for w in s["warnings"])
    assert as_json(run("search", "Belgorod", "--json", "--limit", "0")) | {"took_ms": 0} == (
        before | {"took_ms": 0}
    )


def test_killed_between_the_two_commits_is_repaired_by_the_next_ingest(
    run: Run, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("ingest", str(articles_dir / "other"), "--quiet")
    changed = articles_dir / "other" / "2024-05-20-el-fasher-siege.txt"
    write(changed, " date 2024-05-20 Quokkafish replaced the El Fasher text.\n")

    def die(self: Store) -> None:
        raise KeyboardInterrupt  # the index has committed; the catalogue never will

    with monkeypatch.context() as m:
        m.setattr(Store, "commit", die)
        assert run("ingest", str(articles_dir), "--quiet").exit_code == 130

    s = as_json(run("ingest", str(articles_dir), "--json"))
    assert s["articles"] == len(list(articles_dir.rglob("*.txt")))
    everything = as_json(run("search", "*", "--json", "--limit", "0"))
    assert everything["total"] == s["articles"] == len(everything["results"])
    assert as_json(run("search", "quokkafish", "--json"))["total"] == 1
    assert as_json(run("search", "Fasher", "--json", "--limit", "0"))["total"] == len(
        [p for p in articles_dir.rglob("*.txt") if "Fasher" in p.read_text(encoding="utf-8")]
    )


def test_an_unchanged_reingest_reads_no_file(
    run: Run, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("ingest", str(articles_dir), "--quiet").exit_code == 0
    reads: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: reads.append(p) or real(p))
    s = as_json(run("ingest", str(articles_dir), "--json"))
    assert s["unchanged"] == 50 and s["added"] == s["updated"] == 0
    assert [p for p in reads if p.suffix == ".txt"] == []
    s = as_json(run("ingest", str(articles_dir), "--json", "--rehash"))
    assert s["unchanged"] == 50 and len([p for p in reads if p.suffix == ".txt"]) == 50


def test_a_change_that_keeps_size_and_time_needs_rehash(run: Run, tmp_path: Path) -> None:
    f = write(tmp_path / "in" / "a.txt", " date 2024-03-27 Strike on Sumy overnight.\n")
    run("ingest", str(f.parent), "--quiet")
    st = f.stat()
    f.write_text(" date 2024-03-27 Strike on Lviv overnight.\n", encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same time
    assert as_json(run("ingest", str(f.parent), "--json"))["unchanged"] == 1
    s = as_json(run("ingest", str(f.parent), "--json", "--rehash"))
    assert s["updated"] == 1
    assert as_json(run("search", "Lviv", "--json"))["total"] == 1


def test_a_touched_file_is_unchanged_and_not_read_next_time(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write(tmp_path / "in" / "a.txt", " date 2024-03-27 Strike on Sumy overnight.\n")
    run("ingest", str(f.parent), "--quiet")
    os.utime(f, (1_700_000_000, 1_700_000_000))
    assert as_json(run("ingest", str(f.parent), "--json"))["unchanged"] == 1
    monkeypatch.setattr(Path, "read_bytes", lambda p: (_ for _ in ()).throw(OSError(5, "no")))
    s = as_json(run("ingest", str(f.parent), "--json"))
    assert s["unchanged"] == 1 and s["skipped"] == []


def test_worker_processes_build_the_same_archive(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read, parsed and analysed in worker processes give the archive that one
    process gives: the same articles, results, snippets, warnings and skipped files."""
    from conflictcli import reading

    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    (src / "bad.txt").write_bytes(b"\xff\xfe not text")
    write(src / "meta" / "a.txt", " date 2024-02-01 Shelling of Kupiansk overnight.\n")
    write(src / "meta" / "metadata.jsonl", '{"file": "a.txt", "source": "Wire"}\nnot json\n')
    monkeypatch.setattr(reading, "PARALLEL_FROM", 5)
    outputs = []
    for workers in ("0", "2"):
        monkeypatch.setenv("CONFLICT_WORKERS", workers)
        ix = ["--index", str(tmp_path / f"ix{workers}")]
        s = as_json(run("ingest", str(src), "--json", *ix))
        s.pop("took_s")
        found = run("search", "Belgorod OR Kupiansk OR drones", "--jsonl", "--limit", "0", *ix)
        rows = [json.loads(line) for line in found.stdout.splitlines()]
        outputs.append((s, rows, as_json(run("stats", "--json", *ix))["articles"]))
    (serial, rows0, n0), (parallel, rows1, n1) = outputs
    assert n0 == n1 == 51
    assert {k: (serial[k], parallel[k]) for k in serial if serial[k] != parallel[k]} == {}
    assert serial == parallel
    assert rows0 == rows1 and any(r["source"] == "Wire" for r in rows0)
    assert any("not a metadata line" in w for w in serial["warnings"])
    assert [x["path"] for x in serial["skipped"]] == [str(src / "bad.txt")]
