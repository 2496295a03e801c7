#!/usr/bin/env python
"""Benchmark of `conflict` on a real corpus, outside the test suite.

Every figure is the median of --repeat runs (with min and max) and is set against a
reference timed in the same process run, so that figures from a noisy, shared machine
can be compared as ratios. See bench/README.md for what each figure means.

    python bench/run.py --repeat 3
    python bench/run.py --repeat 5 --json --out bench/results/$(date +%F).json
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "ukraine-media-2022" / "articles"
SUFFIXES = frozenset({".txt", ".md"})  # what `conflict ingest` reads from a folder
REINGEST_TARGET = 0.2  # reingest / first ingest should stay under this
SCHEMA = 1

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Query:
    """One search: the query argument, the extra options, and the word the scan looks for."""

    text: str
    options: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return " ".join((self.text, *self.options))

    @property
    def scan_word(self) -> str:
        return str(re.findall(r"\w+", self.text)[0])


QUERIES: tuple[Query, ...] = (
    Query("Belgorod drones"),
    Query("Kyiv"),
    Query("Zelensky AND Putin"),
    Query('"grain deal"'),
    Query("sanctions", ("--since", "2022-06", "--until", "2022-08")),
    Query("Ukraine", ("--limit", "0")),
)


@dataclass(frozen=True)
class Child:
    """A finished subprocess: wall time, exit code, output and peak resident memory."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str
    maxrss_mib: float | None


# --------------------------------------------------------------------------- helpers


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def conflict_command() -> list[str]:
    """The `conflict` entry point of this interpreter (no pyenv shim), else PATH, else -m."""
    beside = Path(sys.executable).parent / ("conflict.exe" if os.name == "nt" else "conflict")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("conflict")
    return [found] if found else [sys.executable, "-m", "conflictcli"]


def corpus_files(corpus: Path) -> list[Path]:
    """The files `conflict ingest CORPUS` reads: .txt/.md, hidden files and folders skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(
            Path(root) / name
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES
        )
    return sorted(found)


def _maxrss_mib(ru_maxrss: int) -> float:
    return ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes vs KiB


def run_child(args: Sequence[str]) -> Child:
    """Run a command to completion; wall time covers start-up, work and exit.

    Peak memory comes from os.wait4, the rusage of this one child (where available).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        maxrss: float | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            maxrss = _maxrss_mib(usage.ru_maxrss)
        else:
            proc.wait()
            wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Child(
            wall_s=wall,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            maxrss_mib=maxrss,
        )


def parse_json(child: Child, what: str) -> dict[str, Any]:
    try:
        data = json.loads(child.stdout)
    except json.JSONDecodeError as e:
        tail = child.stderr.strip()[-2000:]
        raise SystemExit(
            f"{what}: exit {child.returncode}, no JSON on stdout ({e}).\n{tail}"
        ) from e
    if not isinstance(data, dict):
        raise SystemExit(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def timed(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[float, T]:
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t0, value


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": list(values),
    }


def ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


# --------------------------------------------------------------------------- measures


def naive_whoosh(files: Sequence[Path], where: Path) -> None:
    """The reference: one default Whoosh writer, every file's full text, one commit."""
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    where.mkdir(parents=True)
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=StemmingAnalyzer()))
    ix = create_in(str(where), schema)
    writer = ix.writer()
    for path in files:
        writer.add_document(id=path.name, body=path.read_text(encoding="utf-8", errors="replace"))
    writer.commit()
    ix.close()


def scan(files: Sequence[Path], pattern: re.Pattern[str]) -> int:
    """The grep-like reference: read every file and test it with re.search."""
    return sum(
        1 for path in files if pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    )


class Checks:
    """Behaviour the figures depend on; a failure is reported and makes the exit code 1."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.failed.append(message)
            progress(f"  CHECK FAILED: {message}")


def bench_ingest(
    cmd: list[str], corpus: Path, files: Sequence[Path], repeat: int, tmp: Path, checks: Checks
) -> tuple[dict[str, Any], Path]:
    """First ingest, re-ingest and the naive Whoosh reference, interleaved per round.

    Returns the figures and the archive of the last round, kept for the searches.
    """
    first: list[float] = []
    first_took: list[float] = []
    again: list[float] = []
    again_took: list[float] = []
    naive: list[float] = []
    rss_first: list[float] = []
    rss_again: list[float] = []
    articles: int | None = None
    archive = tmp
    for i in range(1, repeat + 1):
        if i > 1:
            shutil.rmtree(archive, ignore_errors=True)  # keep only the last archive on disk
        archive = tmp / f"archive-{i}"
        args = [*cmd, "ingest", str(corpus), "--index", str(archive), "--quiet", "--json"]

        progress(f"[{i}/{repeat}] first ingest …")
        child = run_child(args)
        data = parse_json(child, "first ingest")
        checks.expect(child.returncode == 0, f"first ingest {i}: exit {child.returncode}")
        checks.expect(data.get("added", 0) > 0, f"first ingest {i}: added {data.get('added')}")
        first.append(child.wall_s)
        first_took.append(float(data.get("took_s", 0.0)))
        articles = data.get("articles")
        if child.maxrss_mib is not None:
            rss_first.append(child.maxrss_mib)
        progress(
            f"    {child.wall_s:.1f} s wall; added {data.get('added')}, "
            f"skipped {len(data.get('skipped', []))}, articles {articles}"
        )

        progress(f"[{i}/{repeat}] re-ingest (nothing changed) …")
        child = run_child(args)
        data = parse_json(child, "re-ingest")
        checks.expect(child.returncode == 0, f"re-ingest {i}: exit {child.returncode}")
        checks.expect(
            data.get("unchanged") == len(files),
            f"re-ingest {i}: unchanged {data.get('unchanged')} != {len(files)} files",
        )
        again.append(child.wall_s)
        again_took.append(float(data.get("took_s", 0.0)))
        if child.maxrss_mib is not None:
            rss_again.append(child.maxrss_mib)
        progress(f"    {child.wall_s:.2f} s wall; unchanged {data.get('unchanged')}")

        progress(f"[{i}/{repeat}] reference: naive Whoosh writer …")
        gc.collect()
        secs, _ = timed(naive_whoosh, files, tmp / f"whoosh-{i}")
        shutil.rmtree(tmp / f"whoosh-{i}", ignore_errors=True)
        naive.append(secs)
        progress(f"    {secs:.1f} s")

    fig: dict[str, Any] = {
        "articles": articles,
        "first_ingest_s": summary(first),
        "first_ingest_took_s": summary(first_took),
        "reingest_s": summary(again),
        "reingest_took_s": summary(again_took),
        "reference_naive_whoosh_s": summary(naive),
        "ratio_reingest_to_first": ratio(statistics.median(again), statistics.median(first)),
        "reingest_target": REINGEST_TARGET,
        "ratio_first_to_reference": ratio(statistics.median(first), statistics.median(naive)),
        "peak_rss_mib": {
            "first_ingest": summary(rss_first) if rss_first else None,
            "reingest": summary(rss_again) if rss_again else None,
        },
    }
    return fig, archive


def bench_search(
    cmd: list[str], archive: Path, files: Sequence[Path], repeat: int, checks: Checks
) -> dict[str, Any]:
    """Each query, `conflict --help` and the scan once per round, for `repeat` rounds."""
    patterns = {q: re.compile(rf"\b{re.escape(q.scan_word)}\b", re.IGNORECASE) for q in QUERIES}
    startup: list[float] = []
    wall: dict[Query, list[float]] = {q: [] for q in QUERIES}
    took: dict[Query, list[float]] = {q: [] for q in QUERIES}
    scans: dict[Query, list[float]] = {q: [] for q in QUERIES}
    totals: dict[Query, int | None] = {}
    scan_hits: dict[Query, int] = {}
    for i in range(1, repeat + 1):
        progress(f"[{i}/{repeat}] searches …")
        child = run_child([*cmd, "--help"])
        checks.expect(child.returncode == 0, f"conflict --help: exit {child.returncode}")
        startup.append(child.wall_s)
        for q in QUERIES:
            args = [*cmd, "search", q.text, *q.options, "--json", "--index", str(archive)]
            child = run_child(args)
            data = parse_json(child, f"search {q.label!r}")
            checks.expect(
                child.returncode in (0, 1), f"search {q.label!r}: exit {child.returncode}"
            )
            wall[q].append(child.wall_s)
            took[q].append(float(data.get("took_ms", 0.0)))
            total = data.get("total")
            if q in totals and totals[q] != total:
                checks.expect(False, f"search {q.label!r}: total {total} then {totals[q]}")
            totals[q] = total
            secs, hits = timed(scan, files, patterns[q])
            scans[q].append(secs)
            scan_hits[q] = hits

    start_med = statistics.median(startup)
    rows = []
    for q in QUERIES:
        w = statistics.median(wall[q])
        t = statistics.median(took[q])
        s = statistics.median(scans[q])
        rows.append(
            {
                "query": q.label,
                "args": [q.text, *q.options],
                "total": totals[q],
                "wall_s": summary(wall[q]),
                "took_ms": summary(took[q]),
                "scan_word": q.scan_word,
                "scan_files_matching": scan_hits[q],
                "scan_s": summary(scans[q]),
                "ratio_wall_to_startup": ratio(w, start_med),
                "ratio_wall_to_scan": ratio(w, s),
                "ratio_took_to_scan": ratio(t / 1000, s),
            }
        )
    return {"reference_startup_s": summary(startup), "queries": rows}


# --------------------------------------------------------------------------- report


def _whoosh_version() -> str:
    import whoosh

    return ".".join(str(part) for part in whoosh.__version__)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _span(s: dict[str, Any] | None, digits: int = 2) -> str:
    if s is None:
        return "-"
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}]"


def table(res: dict[str, Any]) -> str:
    ing = res["ingest"]
    srch = res["search"]
    mib = res["corpus_bytes"] / 2**20
    target = "ok" if (ing["ratio_reingest_to_first"] or 0) < REINGEST_TARGET else "MISSED"
    lines = [
        f"conflict benchmark  {res['started']}  ({res['python']}, whoosh {res['whoosh']}, "
        f"{res['cpus']} CPUs)",
        f"corpus {res['corpus']}: {res['files']:,} files, {mib:.1f} MiB; "
        f"archive {ing['articles']:,} articles",
        f"every figure: median [min–max] of {res['repeat']} runs",
        "",
        "INGEST                              seconds (wall)",
        f"  first_ingest_s                    {_span(ing['first_ingest_s'], 1)}"
        f"   (own took_s {_span(ing['first_ingest_took_s'], 1)})",
        f"  reingest_s                        {_span(ing['reingest_s'], 2)}"
        f"   (own took_s {_span(ing['reingest_took_s'], 2)})",
        f"  reference_naive_whoosh_s          {_span(ing['reference_naive_whoosh_s'], 1)}",
        f"  reingest / first_ingest           {_fmt(ing['ratio_reingest_to_first'], 3)}"
        f"   (target < {REINGEST_TARGET}: {target})",
        f"  first_ingest / reference          {_fmt(ing['ratio_first_to_reference'], 2)}",
        f"  peak RSS first ingest, MiB        {_span(ing['peak_rss_mib']['first_ingest'], 0)}",
        f"  peak RSS re-ingest, MiB           {_span(ing['peak_rss_mib']['reingest'], 0)}",
        "",
        f"SEARCH  reference start-up (conflict --help): {_span(srch['reference_startup_s'], 3)} s",
        f"  {'query':<42} {'total':>6}  {'wall_s':<21} {'took_ms':>8} {'scan_s':>7}"
        f" {'wall/start':>10} {'wall/scan':>9} {'took/scan':>9}",
    ]
    for row in srch["queries"]:
        total = "-" if row["total"] is None else str(row["total"])
        lines.append(
            f"  {row['query']:<42} {total:>6}  {_span(row['wall_s'], 3):<21}"
            f" {row['took_ms']['median']:>8.1f} {row['scan_s']['median']:>7.3f}"
            f" {_fmt(row['ratio_wall_to_startup']):>10} {_fmt(row['ratio_wall_to_scan']):>9}"
            f" {_fmt(row['ratio_took_to_scan'], 3):>9}"
        )
    lines.append(
        "  (scan_s: re.search over every file for the query's first word, in-process; "
        "took_ms: as the search JSON reports)"
    )
    if res["checks_failed"]:
        lines += ["", "CHECKS FAILED:", *(f"  - {m}" for m in res["checks_failed"])]
    else:
        lines += ["", "checks: all passed"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=(
            "Benchmark conflict's ingest and search on a corpus. Every figure is a median of "
            "--repeat runs, reported with a ratio to a reference timed in the same run."
        ),
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        metavar="DIR",
        help=f"folder of article files (default: {DEFAULT_CORPUS})",
    )
    p.add_argument(
        "--repeat", type=int, default=3, metavar="N", help="runs per figure (default: 3)"
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="also save the JSON here (e.g. bench/results/)"
    )
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus: Path = args.corpus.expanduser()
    if not corpus.is_dir():
        print(
            f"Corpus not found: {corpus}\nPass a folder of .txt/.md articles with --corpus DIR.",
            file=sys.stderr,
        )
        return 2
    corpus = corpus.resolve()
    files = corpus_files(corpus)
    if not files:
        print(f"No .txt or .md files under {corpus}.", file=sys.stderr)
        return 2

    cmd = conflict_command()
    checks = Checks()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    progress(f"conflict: {' '.join(cmd)}; corpus: {corpus} ({len(files):,} files)")
    with tempfile.TemporaryDirectory(prefix="conflict-bench-") as tmpdir:
        ingest_fig, archive = bench_ingest(cmd, corpus, files, args.repeat, Path(tmpdir), checks)
        search_fig = bench_search(cmd, archive, files, args.repeat, checks)

    result: dict[str, Any] = {
        "schema": SCHEMA,
        "started": started,
        "python": f"Python {platform.python_version()}",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "whoosh": _whoosh_version(),
        "command": cmd,
        "corpus": str(corpus),
        "files": len(files),
        "corpus_bytes": sum(f.stat().st_size for f in files),
        "repeat": args.repeat,
        "ingest": ingest_fig,
        "search": search_fig,
        "checks_failed": checks.failed,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        progress(f"saved {args.out}")
    print(text if args.json else table(result))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
