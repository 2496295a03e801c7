"""Child processes of the benchmark: run one, time it, read its JSON; or run one under
bench/measure.py, which adds the bytes it wrote and, for an ingest, its rate curve.

And `percentile`. Shared by bench/run.py, scale.py and search_ab.py (run.py re-exports
these names).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
MB = 1e6  # figures are in MB = 10^6 bytes


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Child:
    """A finished subprocess: wall time, exit code, output and peak resident memory.
    With run_child's `head`, stdout holds only its first bytes (`truncated` when there
    were more) and `stdout_lines` counts the lines of all of it."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str
    maxrss_mb: float | None
    truncated: bool = False
    stdout_lines: int | None = None


def _maxrss_mb(ru_maxrss: int) -> float:
    return ru_maxrss * (1 if sys.platform == "darwin" else 1024) / MB  # bytes vs KiB


def _head(out: Any, head: int) -> tuple[bytes, bool, int]:
    """The first HEAD bytes of OUT, whether there were more, and the lines of all of it
    (read 1 MB at a time: a list of a million results is never held here)."""
    first = out.read(head)
    lines = first.count(b"\n")
    last = first[-1:]
    more = False
    while chunk := out.read(1 << 20):
        more = True
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    return first, more, lines + (1 if last and last != b"\n" else 0)


def run_child(args: Sequence[str], head: int | None = None) -> Child:
    """Run a command to completion; wall time covers start-up, work and exit. With HEAD,
    keep only the first HEAD bytes of its stdout (and count its lines).

    Peak memory comes from os.wait4, the rusage of this one child (where available). It
    includes what this process held when it started the child, so this process stays
    small: everything heavy runs in children (bench/corpus.py, bench/references.py).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        maxrss: float | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            maxrss = _maxrss_mb(usage.ru_maxrss)
        else:
            proc.wait()
            wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, truncated, lines = (out.read(), False, None) if head is None else _head(out, head)
        return Child(
            wall_s=wall,
            returncode=proc.returncode,
            stdout=stdout.decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            maxrss_mb=maxrss,
            truncated=truncated,
            stdout_lines=lines,
        )


def parse_json(child: Child, what: str) -> Any:
    try:
        return json.loads(child.stdout)
    except json.JSONDecodeError as e:
        tail = child.stderr.strip()[-2000:]
        raise SystemExit(
            f"{what}: exit {child.returncode}, no JSON on stdout ({e}).\n{tail}"
        ) from e


def python_child(script: str, *args: str) -> tuple[Child, dict[str, Any]]:
    """A bench/ script run by this interpreter, and the JSON object it printed."""
    child = run_child([sys.executable, str(BENCH / script), *args])
    data = parse_json(child, f"{script} {args[0] if args else ''}")
    if child.returncode != 0 or not isinstance(data, dict):
        raise SystemExit(f"{script} {' '.join(args)}: exit {child.returncode}\n{child.stderr}")
    return child, data


def run_measured(
    args: Sequence[str], catalogue: Path | None = None, every: float = 2.0
) -> tuple[Child, dict[str, Any]]:
    """ARGS run under bench/measure.py: the child's wall time and peak memory as measured
    there (the small wrapper is its parent), and the facts it gathered: `io` (what the
    child and the processes it waited for read and wrote, /proc io accounting; None where
    there is none) and, with CATALOGUE, `samples` of its article count every EVERY s."""
    fd, name = tempfile.mkstemp(prefix="conflict-bench-measure-", suffix=".json")
    os.close(fd)
    report = Path(name)
    wrapper = [sys.executable, str(BENCH / "measure.py"), "--report", str(report)]
    if catalogue is not None:
        wrapper += ["--catalogue", str(catalogue), "--every", str(every)]
    try:
        child = run_child([*wrapper, "--", *args])
        try:
            facts = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise SystemExit(f"measure.py: no report ({e}).\n{child.stderr[-2000:]}") from e
    finally:
        report.unlink(missing_ok=True)
    measured = replace(child, wall_s=facts["wall_s"], maxrss_mb=facts["maxrss_mb"])
    return measured, facts


def python_measured(script: str, *args: str) -> tuple[Child, dict[str, Any], dict[str, Any]]:
    """python_child under bench/measure.py: the child, its JSON object, measure's facts."""
    child, facts = run_measured([sys.executable, str(BENCH / script), *args])
    data = parse_json(child, f"{script} {args[0] if args else ''}")
    if child.returncode != 0 or not isinstance(data, dict):
        raise SystemExit(f"{script} {' '.join(args)}: exit {child.returncode}\n{child.stderr}")
    return child, data, facts


def dir_bytes(folder: Path) -> int:
    """Bytes of every file under FOLDER (apparent sizes, as `du -b`)."""
    if folder.is_file():
        return folder.stat().st_size
    return sum(
        (Path(root) / name).stat().st_size for root, _, files in os.walk(folder) for name in files
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    xs = sorted(values)
    k = (len(xs) - 1) * pct / 100
    lo = math.floor(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)
