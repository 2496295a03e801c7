#!/usr/bin/env python
"""Where the bytes an ingest writes go: a reproducible measurement (Linux).

It runs one `conflict ingest CORPUS --index ARCHIVE --quiet --json` into an empty
archive, as a child process, and reads while it runs:

* the kernel's I/O counters of the ingest and its worker processes (/proc/PID/io):
  `write_bytes`, what went to the disk's page cache to be written (the disk's figure),
  less `cancelled_write_bytes` (temporary files deleted before they were written);
  `wchar`, every byte handed to write() and pwrite(), pipes and temporary files too;
* the articles the catalogue holds (it commits at every checkpoint), so that each
  figure is told per 10,000 articles, with the rate (articles/s) of the first and the
  last tenth of the wall time (as bench/measure.py's rate curve counts them);
* at each checkpoint, the index's segments (Whoosh: one id, several files) and sizes;
* the CPU seconds and the largest resident set of the ingest and its workers (wait4).

With `--strace` the ingest runs under `strace -f -e trace=write,pwrite64,...`, and each
write() is told to the file it went to, in components: the index's segments (those a
checkpoint wrote, marked `.inlined`, and the others: merges, the end), postings spilled
to temporary files beside the index and Whoosh's temporary folder, the catalogue and
its WAL, SQLite's temporary files (statement journals), other temporary files, pipes.
These are write() bytes, not what reached the disk (a temporary file rewritten in
place, or deleted before the kernel wrote it, costs the disk little), and strace slows
the ingest: take its times from a run without it.

`--search-rounds R` then times bench/run.py's queries on the archive (whole processes,
`--fields id,date,title,path`, as run.py's target figure); `--search-only ARCHIVE`
times them on an archive alone. `--pythonpath DIR` runs another checkout's conflictcli
(a git worktree: `git worktree add /tmp/before COMMIT`), for a before and after on the
same corpus.

    python bench/bytes_written.py --articles 20000                  # Markdown on stdout
    python bench/bytes_written.py --articles 50000 --strace --json --out bw.json
    python bench/bytes_written.py --corpus /tmp/c50k --articles 50000 --search-rounds 3
    python bench/bytes_written.py --corpus /tmp/c50k --articles 50000 --pythonpath /tmp/before

The corpus is bench/corpus.py's (deterministic; --seed, --source), made in a temporary
folder unless --corpus gives one. Environment variables (CONFLICT_WHOOSH_FAST,
CONFLICT_WORKERS, CONFLICT_CHECKPOINT) pass to the ingest.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
MB = 1e6
STEP = 10_000  # articles a row of the per-step table covers
POLL_S = 0.25

TRACED = "write,pwrite64,writev,pwritev,pwritev2"
# strace -f -ttt -y: "PID 1733412345.123456 pwrite64(7</path/file>, "..."..., 4096, 0) = 4096"
_LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(\w+)\(\d+<([^>]*)>.*\)\s+=\s+(\d+)\s*$")


# --------------------------------------------------------------------------- counters


def io_of(pid: int | str) -> dict[str, int]:
    """A process's I/O counters (its threads, and the children it has reaped)."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return {}
    return {k: int(v) for k, v in (line.split(": ") for line in text.splitlines())}


def tree(pid: int) -> list[int]:
    """`pid` and every process under it (read from /proc)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(fields[1])].append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def disk_bytes(io: dict[str, int]) -> int:
    return io.get("write_bytes", 0) - io.get("cancelled_write_bytes", 0)


@dataclass
class Sample:
    t: float  # seconds since the ingest started
    articles: int  # committed in the catalogue
    disk: int  # write_bytes - cancelled_write_bytes, of the live processes
    wchar: int


@dataclass
class Watch:
    """What the poller saw: samples, and the index's segments at each checkpoint."""

    samples: list[Sample] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)


def committed(catalogue: Path) -> int:
    """The articles the catalogue holds as last committed (0 before it exists)."""
    if not catalogue.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{catalogue.as_uri()}?mode=ro", uri=True, timeout=0.05)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1  # busy or not made yet: the last figure stands


def segments(index: Path) -> dict[str, dict[str, int]]:
    """Each segment's files' bytes in the index folder (Whoosh: MAIN_<id>.<ext>), and
    whether a checkpoint wrote it (its `.inlined` marker)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    try:
        entries = list(os.scandir(index))
    except OSError:
        return {}
    for e in entries:
        m = re.match(r"MAIN_([a-z0-9]+)\.(.+)$", e.name)
        if m:
            with contextlib.suppress(OSError):
                out[m.group(1)][m.group(2)] = e.stat().st_size
    return dict(out)


def poll(pid: int, archive: Path, t0: float, watch: Watch, done: threading.Event) -> None:
    last = 0
    while not done.is_set():
        ios = [io_of(p) for p in tree(pid)]
        n = committed(archive / "catalogue.sqlite")
        n = last if n < 0 else n
        watch.samples.append(
            Sample(
                time.monotonic() - t0,
                n,
                sum(disk_bytes(i) for i in ios),
                sum(i.get("wchar", 0) for i in ios),
            )
        )
        if n != last:
            segs = segments(archive / "whoosh")
            watch.checkpoints.append(
                {
                    "t": round(time.monotonic() - t0, 2),
                    "articles": n,
                    "segments": sorted(
                        [sum(files.values()), "inlined" in files] for files in segs.values()
                    ),
                    "catalogue": _size(archive / "catalogue.sqlite"),
                    "wal": _size(archive / "catalogue.sqlite-wal"),
                }
            )
            last = n
        done.wait(POLL_S)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --------------------------------------------------------------------------- strace


def component(path: str, inlined: set[str]) -> str:
    """The part of the ingest a written file belongs to."""
    if path.startswith(("pipe:", "socket:", "anon_inode:")) or path.startswith("/dev/"):
        return "pipes and devices (no disk)"
    if "etilqs_" in path:
        return "SQLite temporary files (statement journals)"
    name = path.rsplit("/", 1)[-1].replace(" (deleted)", "")
    if "/whoosh/" in path:
        m = re.match(r"MAIN_([a-z0-9]+)\.", name)
        if m:
            return (
                "index: checkpoints' segments"
                if m.group(1) in inlined
                else "index: merged and final segments"
            )
        if name.startswith("#") or "/MAIN.tmp-" in path or name.startswith("conflict-"):
            return "index: spilled postings and Whoosh's temporary files"
        return "index: table of contents, seals"
    if name.startswith("catalogue.sqlite-wal"):
        return "catalogue: WAL"
    if name.startswith("catalogue.sqlite"):
        return "catalogue: database file (checkpoints of the WAL)"
    return "other files (temporary: language model, ...)"


@dataclass
class Trace:
    """write() bytes per file as strace told them, with the time of each."""

    writes: list[tuple[float, str, int]] = field(default_factory=list)  # (time, path, bytes)
    inlined: set[str] = field(default_factory=set)  # segment ids marked by a checkpoint
    other: list[str] = field(default_factory=list)  # the last lines of the ingest's stderr


def read_trace(stream: IO[str], trace: Trace) -> None:
    """The writes, and the segments whose `.inlined` marker was made (openat: the
    marker is an empty file, never written); other lines (the ingest's own stderr)
    are kept, the last few, to tell why it failed."""
    marker = re.compile(r'openat\(.*"[^"]*MAIN_([a-z0-9]+)\.inlined"')
    for line in stream:
        found = marker.search(line)
        if found:
            trace.inlined.add(found.group(1))
            continue
        m = _LINE.match(line)
        if m:
            if int(m.group(5)) > 0:
                trace.writes.append((float(m.group(2)), m.group(4), int(m.group(5))))
        elif not re.match(r"^\d+\s+\d+\.\d+ ", line):
            trace.other = [*trace.other[-40:], line]


# --------------------------------------------------------------------------- the run


def run_ingest(
    corpus: Path, archive: Path, strace: bool, pythonpath: Path | None = None
) -> tuple[dict[str, Any], Watch, Trace, dict[str, int]]:
    """One ingest into `archive`; its summary, what the poller saw, the trace, and the
    I/O counters of the whole process tree once it ended (reaped: /proc/self/io).
    `pythonpath`: a checkout whose conflictcli runs (python -m conflictcli), not the
    installed `conflict`."""
    exe = [shutil.which("conflict") or "conflict"]
    env = dict(os.environ)
    if pythonpath is not None:
        exe = [sys.executable, "-m", "conflictcli"]
        env["PYTHONPATH"] = str(pythonpath)
    cmd = [*exe, "ingest", str(corpus), "--index", str(archive), "--quiet", "--json"]
    if strace:
        traced = ["strace", "-f", "-qq", "-ttt", "-y", "-e", f"trace={TRACED},openat"]
        cmd = [*traced, "-e", "signal=none", "-o", "/dev/stderr", "--", *cmd]
    before = io_of("self")
    watch, trace, done = Watch(), Trace(), threading.Event()
    t0 = time.monotonic()
    wall0 = time.time()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if strace else None,
        text=True,
        env=env,
    )
    poller = threading.Thread(target=poll, args=(proc.pid, archive, t0, watch, done))
    poller.start()
    reader = None
    if strace:
        assert proc.stderr is not None
        reader = threading.Thread(target=read_trace, args=(proc.stderr, trace))
        reader.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    # its own rusage: CPU of it and its workers, the largest resident set among them
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    poller.join()
    if reader is not None:
        reader.join()
    took = time.monotonic() - t0
    after = io_of("self")
    if proc.returncode != 0:
        raise SystemExit(f"the ingest failed (exit {proc.returncode})\n" + "".join(trace.other))
    summary = json.loads(out)
    summary["wall_s"] = round(took, 2)
    summary["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    summary["peak_mb"] = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    summary["started_epoch"] = wall0
    total = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return summary, watch, trace, total


# --------------------------------------------------------------------------- figures


def archive_bytes(archive: Path) -> int:
    """Every file in the archive's folder (as `du -b` counts them)."""
    return sum(f.stat().st_size for f in archive.rglob("*") if f.is_file())


def crossing(samples: list[Sample], n: int) -> Sample | None:
    """The first sample at which the catalogue held `n` articles or more."""
    return next((s for s in samples if s.articles >= n), None)


def steps(watch: Watch, n: int, total: dict[str, int], took: float) -> list[dict[str, Any]]:
    """Per STEP articles: the disk's bytes, wchar and seconds, from the first sample
    that held the step's articles to the next's (the last one to the end)."""
    rows, prev = [], Sample(0.0, 0, 0, 0)
    bounds = [*list(range(STEP, n, STEP)), n]
    for k, upto in enumerate(bounds):
        s = crossing(watch.samples, upto) if k < len(bounds) - 1 else None
        end = s or Sample(took, n, disk_bytes(total), total.get("wchar", 0))
        rows.append(
            {
                "articles": f"{prev.articles:,}-{end.articles:,}",
                "upto": end.articles,
                "disk_mb": round((end.disk - prev.disk) / MB, 1),
                "wchar_mb": round((end.wchar - prev.wchar) / MB, 1),
                "seconds": round(end.t - prev.t, 1),
                "t": end.t,
            }
        )
        prev = end
    return rows


def tenths(watch: Watch, n: int, took: float) -> dict[str, Any]:
    """Articles per second in the first tenth of the run's wall time and in the last,
    as bench/measure.py's rate curve counts them: the catalogue's count rises when a
    commit is first seen, linearly between those moments (not a staircase), and
    reaches every article at the process's end."""
    points = [(0.0, 0)]
    for s in watch.samples:
        if 0 < s.t < took and s.articles > points[-1][1]:
            points.append((s.t, s.articles))
    points.append((took, max(n, points[-1][1])))

    def count_at(t: float) -> float:
        for (t0, c0), (t1, c1) in itertools.pairwise(points):
            if t0 <= t <= t1:
                return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c1
        return points[-1][1]

    tenth = took / 10
    first = count_at(tenth) / tenth
    last = (points[-1][1] - count_at(took - tenth)) / tenth
    return {
        "first": round(first, 1),
        "last": round(last, 1),
        "last_over_first": round(last / first, 3) if first else None,
    }


def components(trace: Trace, t0: float, bounds: list[float]) -> dict[str, list[int]]:
    """write() bytes per component, in total (first) and per step (the steps' end times
    since the start in `bounds`)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0] * (len(bounds) + 1))
    for when, path, n in trace.writes:
        row = out[component(path, trace.inlined)]
        row[0] += n
        step = min(bisect.bisect_left(bounds, when - t0), len(bounds) - 1)
        row[1 + step] += n
    return dict(sorted(out.items(), key=lambda kv: -kv[1][0]))


def checkpoint_log(watch: Watch) -> list[dict[str, Any]]:
    """The segments at each checkpoint: how many, of them written by checkpoints, the
    largest, the sum, and the catalogue's files."""
    rows = []
    for c in watch.checkpoints:
        sizes = [size for size, _ in c["segments"]]
        rows.append(
            {
                "t": c["t"],
                "articles": c["articles"],
                "segments": len(sizes),
                "inlined": sum(1 for _, inl in c["segments"] if inl),
                "largest_mb": round(max(sizes, default=0) / MB, 2),
                "index_mb": round(sum(sizes) / MB, 2),
                "sizes_mb": [round(s / MB, 2) for s in sorted(sizes, reverse=True)],
                "catalogue_mb": round(c["catalogue"] / MB, 2),
                "wal_mb": round(c["wal"] / MB, 2),
            }
        )
    return rows


def measure(
    corpus: Path, n: int, archive: Path, strace: bool, pythonpath: Path | None = None
) -> dict[str, Any]:
    """One ingest of `corpus` (n articles) into the empty `archive`, and its figures."""
    summary, watch, trace, total = run_ingest(corpus, archive, strace, pythonpath)
    took, size = summary["wall_s"], archive_bytes(archive)
    rows = steps(watch, n, total, took)
    report: dict[str, Any] = {
        "articles": summary["articles"],
        "ingest_s": took,
        "cpu_s": summary["cpu_s"],
        "peak_mb": summary["peak_mb"],
        "archive_mb": round(size / MB, 2),
        "disk_mb": round(disk_bytes(total) / MB, 1),
        "disk_x_archive": round(disk_bytes(total) / size, 2),
        "wchar_mb": round(total.get("wchar", 0) / MB, 1),
        "wchar_x_archive": round(total.get("wchar", 0) / size, 2),
        "io": total,
        "rate": tenths(watch, n, took),
        "steps": [{k: v for k, v in r.items() if k != "t"} for r in rows],
        "checkpoints": checkpoint_log(watch),
        "strace": strace,
    }
    if strace:
        parts = components(trace, summary["started_epoch"], [r["t"] for r in rows])
        report["components"] = {
            name: {"mb": round(v[0] / MB, 1), "steps_mb": [round(x / MB, 1) for x in v[1:]]}
            for name, v in parts.items()
        }
    return report


def markdown(r: dict[str, Any]) -> str:
    rate = r["rate"]
    lines = [
        f"## Bytes written by an ingest of {r['articles']:,} articles",
        "",
        f"ingest {r['ingest_s']} s ({r['cpu_s']} s of CPU, peak {r['peak_mb']} MB); archive {r['archive_mb']} MB; written to the disk "
        f"{r['disk_mb']} MB (**{r['disk_x_archive']}× the archive**), handed to write() "
        f"{r['wchar_mb']} MB ({r['wchar_x_archive']}×); articles/s in the first tenth "
        f"{rate['first']}, in the last {rate['last']} ({rate['last_over_first']})"
        + (" (under strace: times are slower)" if r["strace"] else ""),
        "",
        "| articles | seconds | disk MB | write() MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {s['articles']} | {s['seconds']} | {s['disk_mb']} | {s['wchar_mb']} |"
        for s in r["steps"]
    ]
    if "components" in r:
        heads = [s["articles"] for s in r["steps"]]
        lines += ["", "write() bytes per component, MB (strace):", ""]
        lines += ["| component | total | " + " | ".join(heads) + " |"]
        lines += ["| --- | ---: |" + " ---: |" * len(heads)]
        for name, c in r["components"].items():
            cells = " | ".join(str(x) for x in c["steps_mb"])
            lines.append(f"| {name} | {c['mb']} | {cells} |")
    if "search" in r:
        f = r["search"]
        lines += [
            "",
            f"search ({f['queries']} queries, {f['rounds']} rounds, {f['segments']} segments): "
            f"p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms",
        ]
    lines += ["", "The index's segments at each checkpoint:", ""]
    lines += [
        "| s | articles | segments (inlined) | largest MB | index MB | catalogue MB | WAL MB |"
    ]
    lines += ["| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in r["checkpoints"]:
        lines.append(
            f"| {c['t']} | {c['articles']:,} | {c['segments']} ({c['inlined']}) | "
            f"{c['largest_mb']} | {c['index_mb']} | {c['catalogue_mb']} | {c['wal_mb']} |"
        )
    return "\n".join(lines) + "\n"


def searches(archive: Path, pythonpath: Path | None, rounds: int) -> dict[str, Any]:
    """bench/run.py's queries as whole processes (`conflict search ... --json --fields
    id,date,title,path`, its target figure), `rounds` times each: the p50 and p95 of each
    round's wall times (ms), the median of the rounds, and the index's segments."""
    from queries import QUERIES

    exe = [shutil.which("conflict") or "conflict"]
    env = dict(os.environ)
    if pythonpath is not None:
        exe, env["PYTHONPATH"] = [sys.executable, "-m", "conflictcli"], str(pythonpath)
    fields = ["--json", "--fields", "id,date,title,path", "--index", str(archive)]
    p50s, p95s, totals = [], [], []
    for _ in range(rounds):
        times = []
        for q in QUERIES:
            t = time.perf_counter()
            got = subprocess.run(
                [*exe, "search", *q.conflict_args(), *fields],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            times.append((time.perf_counter() - t) * 1000)
            totals.append(json.loads(got.stdout)["total"])
        q50, q95 = statistics.quantiles(times, n=100, method="inclusive")[49::45]
        p50s.append(q50)
        p95s.append(q95)
    return {
        "queries": len(QUERIES),
        "rounds": rounds,
        "p50_ms": round(statistics.median(p50s), 1),
        "p95_ms": round(statistics.median(p95s), 1),
        "totals": totals[: len(QUERIES)],
        "segments": len(segments(archive / "whoosh")),
    }


def make_corpus(n: int, seed: int, source: str, out: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "corpus.py"),
            "--articles",
            str(n),
            "--seed",
            str(seed),
            "--source",
            source,
            "--out",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, metavar="N")
    ap.add_argument("--corpus", type=Path, help="a corpus of N articles made by corpus.py")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", default="auto", choices=["auto", "real", "synthetic"])
    ap.add_argument("--strace", action="store_true", help="each write() told to its file")
    ap.add_argument("--archive", type=Path, help="keep the archive here (an empty folder)")
    ap.add_argument(
        "--pythonpath", type=Path, help="run this checkout's conflictcli (a git worktree)"
    )
    ap.add_argument(
        "--search-rounds",
        type=int,
        default=0,
        metavar="R",
        help="then time bench/run.py's queries on the archive, R rounds",
    )
    ap.add_argument(
        "--search-only", type=Path, metavar="ARCHIVE", help="only time the queries on ARCHIVE"
    )
    ap.add_argument("--json", action="store_true", help="JSON on stdout, not Markdown")
    ap.add_argument("--out", type=Path, help="also save the JSON here")
    args = ap.parse_args(argv)
    if args.search_only:
        found = searches(args.search_only, args.pythonpath, args.search_rounds or 3)
        print(json.dumps(found, indent=1))
        return 0
    if args.articles is None:
        ap.error("--articles N is needed")
    if args.strace and shutil.which("strace") is None:
        ap.error("--strace needs strace (apt-get install strace)")
    with tempfile.TemporaryDirectory(prefix="bytes-written-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            make_corpus(args.articles, args.seed, args.source, corpus)
        archive = args.archive or Path(tmp) / "archive"
        report = measure(corpus, args.articles, archive, args.strace, args.pythonpath)
        report["commit"] = _commit(args.pythonpath or BENCH)
        if args.search_rounds:
            report["search"] = searches(archive, args.pythonpath, args.search_rounds)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1) if args.json else markdown(report))
    return 0


def _commit(where: Path) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


if __name__ == "__main__":
    sys.exit(main())
