"""Checkpoints: an ingest commits as it goes, a run that stops keeps what it committed,
and the next run goes on from there, reading only what is not in yet. (Kills with
SIGKILL at random moments: test_reliability's crash harness and bench/crash.py.)"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex

from conflictcli import readers, reading
from conflictcli.engine.whoosh.loading import fast_paths
from conflictcli.engine.whoosh.schema import SCHEMA
from conflictcli.ingest import ingest

from conftest import ENGINE, Run, as_json, interrupt_at_read, only_folder

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

QUERIES = ["Kyiv", "Belgorod drones", "El Fasher", "*"]


def _snapshot(run: Run, index: Path) -> dict[str, Any]:
    """What a researcher sees: the count, and each query's total and ids."""
    out: dict[str, Any] = {
        "articles": as_json(run("stats", "--json", "--index", str(index)))["articles"]
    }
    for q in QUERIES:
        got = as_json(run("search", q, "--json", "--limit", "0", "--index", str(index)))
        assert got["total"] == len(got["results"]), q
        out[q] = sorted(r["id"] for r in got["results"])
    return out


def _agrees(run: Run, index: Path) -> int:
    """The archive's article count, once stats, search and check agree on it."""
    held = as_json(run("stats", "--json", "--index", str(index)))["articles"]
    every = as_json(run("search", "*", "--json", "--limit", "0", "--index", str(index)))
    assert every["total"] == len(every["results"]) == held
    report = as_json(run("check", "--json", "--index", str(index)))
    assert report["ok"] and report["indexed"] == held, report
    return int(held)


@only_folder("reads the index's folder (team archives: tests/test_team.py's SIGKILL trials)")
def test_an_interrupted_ingest_keeps_its_checkpoints_and_goes_on(
    run: Run, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tmp_path / "whole"
    assert run("ingest", str(articles_dir), "--quiet", "--index", str(whole)).exit_code == 0
    monkeypatch.setenv("CONFLICT_CHECKPOINT", "7")
    with monkeypatch.context() as m:
        interrupt_at_read(m, 30)
        r = run("ingest", str(articles_dir), "--quiet")
    assert r.exit_code == 130 and "commits as it goes" in r.stderr
    held = _agrees(run, Path(os.environ["CONFLICT_INDEX"]))
    if fast_paths() and ENGINE == "whoosh":  # each checkpoint's segment, marked as such
        assert len(list((Path(os.environ["CONFLICT_INDEX"]) / "whoosh").glob("*.inlined"))) == 4
    # 29 files went in, one article each: the checkpoints after 7, 14, 21 and 28
    assert held == 28

    reads: list[Path] = []
    real_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: reads.append(p) or real_bytes(p))
    s = as_json(run("ingest", str(articles_dir), "--json"))
    assert s["unchanged"] == 28 and s["added"] == 22
    assert len([p for p in reads if p.suffix == ".txt"]) == 22  # the rest were known
    index = Path(os.environ["CONFLICT_INDEX"])
    assert _snapshot(run, index) == _snapshot(run, whole)
    # the stopped run's checkpoint segments were merged into the new one
    assert not list((index / "whoosh").glob("*.inlined"))
    if fast_paths() and ENGINE == "whoosh":  # its merge (Whoosh's own writer: its own rule)
        assert len(windex.open_dir(str(index / "whoosh"), schema=SCHEMA)._segments()) <= 2


def _rows_file(path: Path, n: int) -> Path:
    """A CSV of n distinct articles."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "text"])
        for i in range(n):
            w.writerow(
                [
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    f"Report {i} from Kyiv",
                    f"Drones over Belgorod, report number {i}. Shelling near Kyiv "
                    f"was reported on day {i} by officials.\n\nA second paragraph {i * 7}.",
                ]
            )
    return path


class _StopAt:
    """A progress display whose fourth batch of rows raises KeyboardInterrupt."""

    def __init__(self, at: int) -> None:
        self.at, self.batches = at, 0

    def start(self, total: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def rows(self, name: str, rows: int, done: int, size: int) -> None:
        self.batches += 1
        if self.batches == self.at:
            raise KeyboardInterrupt


@only_folder("reads the index's folder (team archives: tests/test_team.py's SIGKILL trials)")
def test_a_large_file_stopped_part_way_goes_on_with_its_new_rows_only(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICT_WORKERS", "0")  # rows analysed here, where they are counted
    monkeypatch.setenv("CONFLICT_CHECKPOINT", "64")  # a checkpoint after every batch
    monkeypatch.setattr(readers, "STREAM_FROM", 1)  # the CSV streams, 64 rows a batch
    data = _rows_file(tmp_path / "rows.csv", 300)
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    ingest(whole, [data])

    with pytest.raises(KeyboardInterrupt):
        ingest(stopped, [data], progress=_StopAt(4))  # batches 1-3 committed
    assert _agrees(run, stopped) == 3 * 64

    analysed: list[int] = []
    real = reading.analyse_batch
    monkeypatch.setattr(
        reading,
        "analyse_batch",
        lambda batch, *rest: analysed.append(len(batch)) or real(batch, *rest),
    )
    s = ingest(stopped, [data])
    assert sum(analysed) == 300 - 3 * 64  # the rows in before were not analysed again
    assert s.articles == 300 and s.duplicates == 0 and not s.skipped
    assert _snapshot(run, stopped) == _snapshot(run, whole)
    # every row is linked to its article again, those read before the stop too
    for row in (2, 100, 301):  # lines of the file: the header is the first
        shown = as_json(run("show", f"{data}:{row}", "--json", "--index", str(stopped)))
        assert f"report number {row - 2}." in shown["body"]


@only_folder("commits a Whoosh index ahead of its catalogue")
def test_an_index_left_ahead_of_the_catalogue_is_put_right_first(
    run: Run, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies after the index's commit and before the catalogue's: the next
    ingest finds the two apart, repairs the index from the catalogue, and says so."""
    from conflictcli.store import Store

    run("ingest", str(articles_dir / "other"), "--quiet")

    def die(self: Store) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(Store, "commit", die)
        assert run("ingest", str(articles_dir), "--quiet").exit_code == 130
    # the index holds articles the catalogue lacks: check says so
    assert not as_json(run("check", "--json"))["ok"]
    s = as_json(run("ingest", str(articles_dir), "--json"))
    assert any("disagreed" in w for w in s["warnings"])
    index = Path(os.environ["CONFLICT_INDEX"])
    assert _agrees(run, index) == s["articles"] == 50


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_no_worker_process_outlives_a_killed_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of an ingest: its worker processes end within seconds (before, they
    waited on their pool's queue for ever, 60 MB each)."""
    from conftest import ROOT, write

    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import crash

    folder = tmp_path / "many"
    for n in range(400):
        write(
            folder / f"{n:04d}.txt", f" date 2024-01-{1 + n % 28:02d}\n" + f"Shelling {n}. " * 300
        )
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conflictcli",
            "ingest",
            str(folder),
            "--index",
            str(tmp_path / "ix"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, CONFLICT_WORKERS="2"),
    )
    kids: list[int] = []
    deadline = time.monotonic() + 60
    while len(kids) < 2 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        kids = [k for k in crash.children(p.pid) if b"spawn_main" in _cmdline(k)]
    assert len(kids) == 2, "the ingest ended before its workers started"
    p.kill()
    p.wait()
    assert crash.outlived(kids, wait=10) == []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
