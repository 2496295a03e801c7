#!/usr/bin/env python
"""The team archive under load, on loopback only: two ingests of N articles each, from
two processes, into one PostgreSQL archive, while 8 searchers (whole `conflict search`
processes, 4 against the primary and 4 against its streaming replica) search without
pause; then the same articles ingested by one writer into another schema, and into a
local Whoosh archive, for the reference counts and the Whoosh engine's latency.

Reported: every searcher's errors (there must be none); the article count and the totals
of the benchmark's queries after the two ingests, against the single writer's (equal:
nothing lost, nothing doubled) and the Whoosh archive's; search latency p50 and p95
during the ingests (primary, replica) and after them on an idle machine (PostgreSQL,
Whoosh), with the ingests' wall times. Bounded in time (--minutes: the searchers stop
then, and an ingest still running is a failure).

    python bench/team_load.py --articles 2000                 # a quick look (Markdown)
    python bench/team_load.py --articles 50000 --json --out team.json

The servers are made and stopped here (tests/pgserver.py: Debian's postgresql-15).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import pg  # noqa: E402
from corpus import corpus_files, generate  # noqa: E402
from queries import QUERIES  # noqa: E402

SEARCHERS = 8


def _conflict(
    args: list[str], index: str, timeout: float = 3600
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONFLICT_INDEX=index)
    return subprocess.run(
        ["conflict", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _totals(index: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in QUERIES:
        r = _conflict(["count", *q.conflict_args(), "--json"], index)
        out[q.label] = json.loads(r.stdout)["count"] if r.returncode in (0, 1) else r.stderr[-80:]
    stats = _conflict(["stats", "--json"], index)
    out["articles"] = json.loads(stats.stdout)["articles"] if stats.returncode == 0 else None
    return out


class Searcher(threading.Thread):
    """Searches `index` in whole processes, one query after another, until told to stop."""

    def __init__(self, index: str, start_at: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.index, self.k, self.stop = index, start_at, stop
        self.times: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            q = QUERIES[self.k % len(QUERIES)]
            self.k += 1
            t0 = time.perf_counter()
            r = _conflict(["search", *q.conflict_args(), "--json", "-n", "10"], self.index, 120)
            took = time.perf_counter() - t0
            if r.returncode not in (0, 1) or "Traceback" in r.stderr:
                self.errors.append(f"{q.label}: rc={r.returncode} {r.stderr.strip()[-160:]}")
            else:
                self.times.append(took)


def _quantiles(times: list[float]) -> dict[str, float | int | None]:
    if not times:
        return {"n": 0, "p50_ms": None, "p95_ms": None}
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


def _idle_latency(index: str, rounds: int) -> dict[str, float | int | None]:
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            _conflict(["search", *q.conflict_args(), "--json", "-n", "10"], index, 120)
            times.append(time.perf_counter() - t0)
    return _quantiles(times)


def _corpora(work: Path, n: int, seed: int) -> tuple[Path, Path]:
    both = work / "all"
    generate(both, 2 * n, seed=seed)
    halves = (work / "a", work / "b")
    for half in halves:
        half.mkdir()
    for k, f in enumerate(corpus_files(both)):
        target = halves[k % 2] / f.relative_to(both)
        target.parent.mkdir(parents=True, exist_ok=True)
        f.rename(target)
    shutil.rmtree(both)
    return halves


def run(n: int, minutes: float, seed: int, rounds: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="conflict-team-load-"))
    report: dict[str, Any] = {"articles_per_ingest": n, "searchers": SEARCHERS}
    try:
        a, b = _corpora(work, n, seed)
        with pg.server(None, replica=True) as urls:
            team = pg.schema_url(urls["primary"], "team")
            replica = pg.in_schema(urls["replica"], "team")
            report |= _under_load(team, replica, a, b, minutes)
            single = pg.schema_url(urls["primary"], "single")
            t0 = time.perf_counter()
            for half in (a, b):
                _conflict(["ingest", str(half), "--quiet"], single)
            report["single_writer_s"] = round(time.perf_counter() - t0, 1)
            local = str(work / "whoosh")
            t0 = time.perf_counter()
            for half in (a, b):
                _conflict(["ingest", str(half), "--quiet"], local)
            report["whoosh_ingest_s"] = round(time.perf_counter() - t0, 1)
            where = (("team", team), ("single", single), ("whoosh", local))
            totals = {w: _totals(i) for w, i in where}
            report["totals"] = totals
            report["equal_to_single_writer"] = totals["team"] == totals["single"]
            report["equal_to_whoosh"] = totals["team"] == totals["whoosh"]
            report["idle"] = {
                "postgres": _idle_latency(team, rounds),
                "whoosh": _idle_latency(local, rounds),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _under_load(team: str, replica: str, a: Path, b: Path, minutes: float) -> dict[str, Any]:
    # the archive made first (its tables), so that the searchers have one to search
    _conflict(["ingest", str(a / next(iter(sorted(os.listdir(a))))), "--quiet"], team)
    stop = threading.Event()
    searchers = [Searcher(team if k % 2 == 0 else replica, k, stop) for k in range(SEARCHERS)]
    for s in searchers:
        s.start()
    env = dict(os.environ, CONFLICT_INDEX=team)
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["conflict", "ingest", str(half), "--quiet", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in (a, b)
    ]
    outs = []
    for p in procs:
        try:
            outs.append(p.communicate(timeout=max(minutes * 60 - (time.perf_counter() - t0), 1)))
        except subprocess.TimeoutExpired:
            p.kill()
            outs.append(p.communicate())
    took = time.perf_counter() - t0
    stop.set()
    for s in searchers:
        s.join(timeout=150)
    on_primary = [t for s in searchers[0::2] for t in s.times]
    on_replica = [t for s in searchers[1::2] for t in s.times]
    return {
        "two_ingests_s": round(took, 1),
        "ingest_rcs": [p.returncode for p in procs],
        "ingest_errors": [
            o[1].strip()[-300:] for o, p in zip(outs, procs, strict=True) if p.returncode
        ],
        "search_errors": [e for s in searchers for e in s.errors][:20],
        "during": {"primary": _quantiles(on_primary), "replica": _quantiles(on_replica)},
    }


def markdown(r: dict[str, Any]) -> str:
    d, idle = r["during"], r["idle"]
    return "\n".join(
        [
            f"- two ingests of {r['articles_per_ingest']:,} articles at once: "
            f"{r['two_ingests_s']} s (rc {r['ingest_rcs']}); one writer, one after the "
            f"other: {r['single_writer_s']} s; Whoosh: {r['whoosh_ingest_s']} s",
            f"- search errors during the ingests: {len(r['search_errors'])}; ingest errors: "
            f"{len(r['ingest_errors'])}",
            f"- totals equal to the single writer's: {r['equal_to_single_writer']}; "
            f"to Whoosh's: {r['equal_to_whoosh']} ({r['totals']['team']['articles']} articles)",
            "",
            "| search, whole process | n | p50 ms | p95 ms |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {q['n']} | {q['p50_ms']} | {q['p95_ms']} |"
                for name, q in (
                    ("during the ingests, primary", d["primary"]),
                    ("during the ingests, replica", d["replica"]),
                    ("idle, PostgreSQL", idle["postgres"]),
                    ("idle, Whoosh", idle["whoosh"]),
                )
            ),
        ]
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=2000, help="articles in each ingest")
    p.add_argument("--minutes", type=float, default=60, help="the bound on the two ingests")
    p.add_argument("--rounds", type=int, default=2, help="idle rounds of the 30 queries")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    report = run(a.articles, a.minutes, a.seed, a.rounds)
    text = json.dumps(report, indent=1) if a.json else markdown(report)
    if a.out:
        a.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    ok = (
        not report["search_errors"]
        and not report["ingest_errors"]
        and report["equal_to_single_writer"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
