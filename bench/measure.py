#!/usr/bin/env python
"""Run one command and measure it from a small process of its own: wall time, peak
memory, the bytes it wrote (Linux /proc io accounting) and, for an ingest, how many
articles its catalogue held every few seconds (the rate curve).

A process's counters in /proc/PID/io vanish with it, but Linux adds a child's counters
(and those of the children it waited for) to its parent's when the parent waits for it.
So this wrapper starts the command, waits for it, and reads its own /proc/self/io: the
difference is what the command and every process it waited for read and wrote. `selftest`
checks that this holds on the machine (bench/run.py runs it first and reports it).

The wrapper stays small (standard library only; sqlite3 only to poll a catalogue, psycopg
only to poll a team archive's, imported after the command started), so the peak memory
of its child (os.wait4) does not count what a big parent held.

    python bench/measure.py --report R.json [--catalogue DB --every 2] -- CMD ARG...
    python bench/measure.py selftest                       # prints JSON, exit 1 if not
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROC_IO = Path("/proc/self/io")
MB = 1e6
IO_KEYS = ("rchar", "wchar", "read_bytes", "write_bytes", "cancelled_write_bytes", "syscw")


def proc_io() -> dict[str, int] | None:
    """This process's io counters (its own and its waited-for children's), or None where
    there are none (not Linux, or no task io accounting)."""
    try:
        text = PROC_IO.read_text()
    except OSError:
        return None
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            out[key.strip()] = int(value)
    return out


def io_delta(before: dict[str, int] | None, after: dict[str, int] | None) -> dict[str, int] | None:
    if before is None or after is None:
        return None
    return {k: after[k] - before[k] for k in IO_KEYS if k in after and k in before}


# --------------------------------------------------------------------------- polling


class CataloguePoller(threading.Thread):
    """Every EVERY seconds, how many articles the catalogue holds (committed), read through
    a read-only connection opened for the one query: [(seconds since T0, count), ...].

    A catalogue named `*.url` is a file that holds the URL of a team archive (PostgreSQL):
    its `articles` table is counted on one connection (psycopg, imported here, in this
    thread, after the command started: its peak memory does not hold it)."""

    def __init__(self, catalogue: Path, every: float, t0: float) -> None:
        super().__init__(daemon=True)
        self.catalogue = catalogue
        self.every = every
        self.t0 = t0
        self.samples: list[tuple[float, int]] = []
        self.errors = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        if self.catalogue.suffix == ".url":
            count, close = _team_counter(self.catalogue.read_text(encoding="utf-8").strip())
        else:
            count, close = _sqlite_counter(self.catalogue), lambda: None
        tick = 1
        try:
            while not self.stopped.wait(
                max(0.0, self.t0 + tick * self.every - time.perf_counter())
            ):
                tick = int((time.perf_counter() - self.t0) / self.every) + 1
                at = time.perf_counter() - self.t0
                found = count()
                if found is None:  # not created yet, or no table yet, or busy
                    self.errors += 1
                    continue
                self.samples.append((round(at, 3), found))
        finally:
            close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)


def _sqlite_counter(catalogue: Path) -> Callable[[], int | None]:
    uri = catalogue.absolute().as_uri() + "?mode=ro"  # never creates the file

    def count() -> int | None:
        import sqlite3

        try:
            con = sqlite3.connect(uri, uri=True, timeout=1.0)
            try:
                return int(con.execute("select count(*) from articles").fetchone()[0])
            finally:
                con.close()
        except sqlite3.Error:
            return None

    return count


def _team_counter(url: str) -> tuple[Callable[[], int | None], Callable[[], None]]:
    """count() of a team archive's articles on one connection (made again after an
    error, each statement bounded to 1 s: never a wait on the ingest's locks), close()."""
    import psycopg

    held: list[Any] = []

    def count() -> int | None:
        try:
            if not held:
                held.append(psycopg.connect(url, autocommit=True, connect_timeout=5))
                held[0].execute("SET statement_timeout = 1000")
            return int(held[0].execute("select count(*) from articles").fetchone()[0])
        except psycopg.Error:
            close()
            return None

    def close() -> None:
        while held:
            held.pop().close()

    return count, close


def measure(
    cmd: Sequence[str], catalogue: Path | None = None, every: float = 2.0
) -> dict[str, Any]:
    """Run CMD (stdin, stdout and stderr inherited) and measure it."""
    before = proc_io()
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd))
    poller = CataloguePoller(catalogue, every, t0) if catalogue is not None else None
    if poller is not None:
        poller.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if poller is not None:
        poller.stop()
    io = io_delta(before, proc_io())
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / MB
    return {
        "wall_s": wall,
        "returncode": proc.returncode,
        "maxrss_mb": rss,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "io": io,
        "samples": poller.samples if poller is not None else None,
        "poll_errors": poller.errors if poller is not None else None,
    }


# --------------------------------------------------------------------------- rate curve


def count_at(samples: Sequence[tuple[float, int]], t: float) -> float:
    """The articles committed at time T, linear between the samples around it."""
    if t <= samples[0][0]:
        return float(samples[0][1])
    for (t0, c0), (t1, c1) in itertools.pairwise(samples):
        if t <= t1:
            return c0 + (c1 - c0) * ((t - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return float(samples[-1][1])


def rate_curve(
    samples: Sequence[tuple[float, int]], wall: float, final: int, minute: float = 60.0
) -> dict[str, Any] | None:
    """Articles a second in every minute of a run and in its first and last tenth (of
    the wall time), from the catalogue's counts (SAMPLES), the process's start (0 articles)
    and its end (FINAL articles at WALL seconds).

    The count moves only when the ingest commits (a checkpoint), so the counts between
    two commits stay flat: the curve is linear between the first sample of each new count
    (when a commit was first seen), not a staircase."""
    if wall <= 0 or final <= 0:
        return None
    points = [(0.0, 0)]
    for t, c in samples:
        if 0 < t < wall and c > points[-1][1]:
            points.append((t, c))
    points.append((wall, max(final, points[-1][1])))
    per_minute = []
    start = 0.0
    while start < wall:
        end = min(start + minute, wall)
        articles = count_at(points, end) - count_at(points, start)
        per_minute.append(
            {"start_s": start, "end_s": round(end, 3), "articles_per_s": articles / (end - start)}
        )
        start = end
    tenth = wall / 10
    first = count_at(points, tenth) / tenth
    last = (final - count_at(points, wall - tenth)) / tenth
    return {
        "per_minute": per_minute,
        "first_tenth": first,
        "last_tenth": last,
        "last_x_first": last / first if first > 0 else None,
        "commits_seen": len(points) - 2,  # counts that moved between the polls
        # when the first commit was seen: start-up (in the first tenth) is before it
        "first_commit_s": points[1][0] if len(points) > 2 else None,
        # (seconds, articles) of the start, each commit seen and the end
        "points": [[round(t, 3), c] for t, c in points],
    }


# --------------------------------------------------------------------------- selftest

_WRITER = r"""
import subprocess, sys, threading
from multiprocessing import Pool

def write(path, n):
    with open(path, "wb") as f:
        f.write(b"x" * n)

if __name__ == "__main__":
    folder, n = sys.argv[1], int(sys.argv[2])
    if sys.argv[3:] == ["grandchild"]:
        write(folder + "/g", n)
        sys.exit(0)
    write(folder + "/a", n)                                            # the child itself
    t = threading.Thread(target=write, args=(folder + "/t", n)); t.start(); t.join()
    subprocess.run([sys.executable, __file__, folder, str(n), "grandchild"], check=True)
    with Pool(2) as pool:                                              # waited-for workers
        pool.starmap(write, [(folder + "/p1", n), (folder + "/p2", n)])
"""
_WRITES = 5  # files of n bytes that _WRITER writes


def selftest(n: int = 4_000_000) -> dict[str, Any]:
    """Does /proc/self/io, read after waiting for a child, count what the child, its
    thread, its own child and its pool's workers wrote? Within 1% (+64 KiB)."""
    if proc_io() is None:
        return {"holds": False, "reason": "no /proc/self/io here"}
    with tempfile.TemporaryDirectory(prefix="conflict-bench-io-") as tmp:
        script = Path(tmp) / "writer.py"
        script.write_text(_WRITER)
        (Path(tmp) / "out").mkdir()
        facts = measure([sys.executable, str(script), str(Path(tmp) / "out"), str(n)])
    expected = _WRITES * n
    io = facts["io"] or {}
    slack = expected * 0.01 + 65536
    ok = facts["returncode"] == 0 and all(
        expected <= io.get(k, 0) <= expected + slack for k in ("wchar", "write_bytes")
    )
    return {
        "holds": ok,
        "expected_bytes": expected,
        "wchar": io.get("wchar"),
        "write_bytes": io.get("write_bytes"),
        "reason": None if ok else f"exit {facts['returncode']}, counted {io}",
    }


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["selftest"]:
        result = selftest()
        print(json.dumps(result))
        return 0 if result["holds"] else 1
    cmd: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, cmd = argv[:at], argv[at + 1 :]
    p = argparse.ArgumentParser(prog="python bench/measure.py")
    p.add_argument("--report", type=Path, required=True, help="where to write the JSON facts")
    p.add_argument(
        "--catalogue",
        type=Path,
        help="poll this catalogue's article count (a *.url file: the team archive it names)",
    )
    p.add_argument("--every", type=float, default=2.0, help="seconds between polls")
    args = p.parse_args(argv)
    if not cmd:
        p.error("give the command after --")
    facts = measure(cmd, args.catalogue, args.every)
    args.report.write_text(json.dumps(facts), encoding="utf-8")
    code = facts["returncode"]
    return code if code >= 0 else 128 - code  # killed by a signal: 128 + its number


if __name__ == "__main__":
    sys.exit(main())
