"""bench/run.py's figures for issue 29 (a million articles, tantivy as a second engine):
the engine an archive is created with, the tantivy-alone reference, the ingest's rate
curve and bytes written, and the figures that must not bend as the archive grows
(`places`, `timeline` and every id of a term in most articles, search in one process).

`ScaleRounds` is a part of run.py's Bench (its methods use Bench's fields); the rest
are plain functions. See bench/README.md.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from measure import rate_curve
from procs import (
    BENCH,
    Child,
    percentile,
    progress,
    python_child,
    python_measured,
    run_child,
    run_measured,
)

ENGINES = ("whoosh", "tantivy")
SKIPPABLE = ("naive-whoosh", "sqlite-utils", "tantivy")  # references --skip can leave out
DEFAULT_TERM = "Ukraine"  # in about 90% of the generated corpus's articles
POLL_S = 2.0  # seconds between two counts of the catalogue during an ingest
CATALOGUE = "catalogue.sqlite"

Target = tuple[str, str, str | None, str, float]
# issue 29's Done-when, by the engine of the run: name, figure, reference, operator, limit
ENGINE_TARGETS: dict[str, tuple[Target, ...]] = {
    "tantivy": (
        ("tantivy (1M): ingest ≤ 2× tantivy alone", "ingest_s", "tantivy", "<=", 2.0),
        ("tantivy (1M): ingest no slower than FTS5 alone", "ingest_s", "fts5", "<=", 1.0),
        ("tantivy (1M): peak ingest memory ≤ 1 GB", "peak_ingest_memory_mb", None, "<=", 1000.0),
        ("tantivy (1M): archive ≤ 1.3× raw text", "archive_x_raw_text", None, "<=", 1.3),
        (
            "tantivy (1M): search p50 ≤ 1.0× sqlite-utils",
            "search_p50_ms",
            "sqlite_utils",
            "<=",
            1.0,
        ),
        (
            "tantivy (1M): search p95 ≤ 1.5× sqlite-utils",
            "search_p95_ms",
            "sqlite_utils",
            "<=",
            1.5,
        ),
        (
            "tantivy (1M): in-process search p50 ≤ 20 ms",
            "search_inprocess_p50_ms",
            None,
            "<=",
            20.0,
        ),
        ("tantivy (1M): places ≤ 1 s", "places_ms", None, "<=", 1000.0),
        ("tantivy (1M): timeline of the common term ≤ 1 s", "timeline_ms", None, "<=", 1000.0),
        ("tantivy (1M): all ids of the common term ≤ 2× FTS5", "all_ids_ms", "fts5", "<=", 2.0),
    ),
    "whoosh": (
        (
            "Whoosh (300k): ingest rate in the last tenth ≥ 85% of the first",
            "ingest_rate_last_x_first",
            None,
            ">=",
            0.85,
        ),
        (
            "Whoosh (300k): bytes written ≤ 4× the archive",
            "bytes_written_x_archive",
            None,
            "<=",
            4.0,
        ),
        ("Whoosh (300k): places ≤ 1 s", "places_ms", None, "<=", 1000.0),
        ("Whoosh (300k): all ids of the common term ≤ 2 s", "all_ids_ms", None, "<=", 2000.0),
    ),
}


def engine_option(cmd: Sequence[str]) -> bool:
    """Whether this conflict's `ingest` takes --engine (else every archive is Whoosh's)."""
    child = run_child([*cmd, "ingest", "--help"])
    return child.returncode == 0 and "--engine" in child.stdout


def tantivy_available() -> tuple[str | None, str | None]:
    """(tantivy-py's version, None) when this interpreter can import it, else (None, why).
    Found without importing it: this process stays small."""
    if importlib.util.find_spec("tantivy") is None:
        return None, "tantivy-py is not installed (pip install 'tantivy>=0.25')"
    try:
        from importlib.metadata import version

        return version("tantivy"), None
    except Exception:
        return "unknown", None


def io_accounting() -> dict[str, Any]:
    """measure.py's selftest: do /proc io counters, read by a parent that waited, count
    what its child, the child's threads, children and pool workers wrote?"""
    child = run_child([sys.executable, str(BENCH / "measure.py"), "selftest"])
    try:
        facts: dict[str, Any] = json.loads(child.stdout)
    except json.JSONDecodeError:
        facts = {"holds": False, "reason": f"selftest: exit {child.returncode}"}
    return facts


def lines_of(args: Sequence[str]) -> tuple[float, int, int, str]:
    """Run ARGS with stdout to a file (as a pipe would take it, nothing held here):
    wall time, exit code, lines written, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        done = subprocess.run(list(args), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        wall = time.perf_counter() - t0
        out.seek(0)
        lines = sum(1 for line in out if line.strip())
        err.seek(0)
        return wall, done.returncode, lines, err.read().decode("utf-8", errors="replace")


class ScaleRounds:
    """Bench's part for issue 29. Uses Bench's cmd, corpus, files, tmp, checks, queries,
    archive, fts5_db, engine, engine_flag, skip, term, poll_s, tantivy, curves, add and
    json_of."""

    # ............................................................... ingest

    def record_io(self: Any, name: str, facts: dict[str, Any]) -> None:
        io = facts.get("io")
        if io:
            self.add(f"{name}_write_bytes", io.get("write_bytes"))
            self.add(f"{name}_wchar", io.get("wchar"))
            self.add(f"{name}_cancelled_write_bytes", io.get("cancelled_write_bytes"))

    def written_x_archive(self: Any, name: str, archive_bytes: int) -> None:
        """This round's bytes written ÷ the archive it made."""
        written = self.m.get(f"{name}_write_bytes")
        if written and archive_bytes:
            self.add(f"{name}_written_x_archive", written[-1] / archive_bytes)

    def conflict_ingest(self: Any, args: list[str], i: int) -> tuple[Child, dict[str, Any]]:
        """The first ingest of round I, under measure.py: its bytes written and the count of
        the catalogue every poll_s seconds, made into the rate curve."""
        creating = [*args, "--engine", self.engine] if self.engine_flag else args
        child, facts = run_measured(creating, self.archive / CATALOGUE, self.poll_s)
        data = self.json_of(child, "conflict ingest")
        if "engine" in data:  # where a summary names the engine, it is the one asked for
            self.checks.expect(
                data["engine"] == self.engine, f"ingest {i}: engine {data['engine']!r}"
            )
        self.record_io("conflict", facts)
        self.add("conflict_ingest_cpu_s", facts.get("cpu_s"))
        self.record_curve(facts, data, i)
        return child, data

    def record_curve(self: Any, facts: dict[str, Any], data: dict[str, Any], i: int) -> None:
        """Round I's rate curve, from the article counts measure.py polled during the
        ingest (facts) up to the count the ingest reported (data)."""
        final = data.get("articles") or 0
        curve = rate_curve(facts.get("samples") or [], facts["wall_s"], final)
        if curve is not None:
            curve["round"] = i
            curve["poll_errors"] = facts.get("poll_errors")
            self.curves.append(curve)
            self.add("conflict_rate_first_tenth", curve["first_tenth"])
            self.add("conflict_rate_last_tenth", curve["last_tenth"])
            self.add("conflict_rate_last_x_first", curve["last_x_first"])

    def tantivy_ingest(self: Any, tag: str, rnd: Path) -> None:
        """The tantivy-alone reference: the whole process's wall time, peak and bytes."""
        progress(f"{tag} reference: tantivy alone (tantivy-py {self.tantivy}) …")
        self.tantivy_dir = rnd / "tantivy"
        child, data, facts = python_measured(
            "tantivy_ref.py", "ingest", str(self.corpus), str(self.tantivy_dir)
        )
        self.add("tantivy_ingest_s", child.wall_s)
        self.add("tantivy_ingest_inprocess_s", data["seconds"])
        self.add("tantivy_ingest_rss", child.maxrss_mb)
        self.add("tantivy_archive_bytes", data["index_bytes"])
        self.record_io("tantivy", facts)
        self.written_x_archive("tantivy", data["index_bytes"])
        self.checks.expect(
            data["files"] == self.files, f"tantivy alone: {data['files']} of {self.files} files"
        )
        progress(f"    {child.wall_s:.1f} s, peak {child.maxrss_mb or 0:.0f} MB")

    # ............................................................... queries

    def scale_queries(self: Any, i: int) -> None:
        """places, timeline and every id of the common term (whole processes), conflict's
        search in one process, and tantivy alone's searches."""
        ix = ["--index", str(self.archive)]
        child = run_child([*self.cmd, "places", "--json", *ix])
        self.checks.expect(child.returncode == 0, f"places: exit {child.returncode}")
        self.json_of(child, "places")
        self.add("conflict_places_ms", child.wall_s * 1000)

        child = run_child([*self.cmd, "timeline", self.term, "--json", *ix])
        data = self.json_of(child, f"timeline {self.term}")
        self.add("conflict_timeline_ms", child.wall_s * 1000)
        counted = sum(b.get("count", 0) for b in data.get("buckets", [])) + (
            data.get("undated") or 0
        )

        search = ["search", self.term, "--jsonl", "--fields", "id", "-n", "0", *ix]
        wall, code, lines, err = lines_of([*self.cmd, *search])
        self.checks.expect(code == 0, f"search {self.term} -n 0: exit {code}: {err[-300:]}")
        self.checks.expect(
            lines == counted,
            f"search {self.term} -n 0 listed {lines} ids, timeline counted {counted}",
        )
        self.add("conflict_all_ids_ms", wall * 1000)
        self.term_hits = lines

        ref = [sys.executable, str(BENCH / "references.py"), "fts5-ids", str(self.fts5_db)]
        fts_wall, code, fts_lines, err = lines_of([*ref, self.term])
        self.checks.expect(code == 0, f"references.py fts5-ids: exit {code}: {err[-300:]}")
        self.add("fts5_all_ids_ms", fts_wall * 1000)  # a whole process, as conflict's
        self.add("fts5_all_ids_inprocess_ms", json.loads(err.splitlines()[-1])["ms"])
        self.term_fts5_hits = fts_lines

        _, data = python_child(
            "inprocess.py", str(self.archive), "--queries", str(len(self.queries))
        )
        self.checks.expect(
            data.get("engine") == self.engine,
            f"the archive's engine is {data.get('engine')!r}, not {self.engine!r}",
        )
        ms = [row["ms"] for row in data["queries"]]
        self.add("conflict_inprocess_search_p50_ms", percentile(ms, 50))
        self.add("conflict_inprocess_search_p95_ms", percentile(ms, 95))
        for k, row in enumerate(data["queries"]):
            seen = self.totals.get(k)
            self.checks.expect(
                seen is None or seen == row["total"],
                f"in-process search {self.queries[k].label!r}: total {row['total']}, "
                f"the command's {seen}",
            )
        if self.tantivy_dir is not None:
            self.tantivy_searches()
        progress(
            f"    places {self.m['conflict_places_ms'][-1]:.0f} ms, timeline {self.term} "
            f"{self.m['conflict_timeline_ms'][-1]:.0f} ms, all {lines:,} ids "
            f"{wall * 1000:.0f} ms (FTS5 {fts_wall * 1000:.0f} ms), "
            f"in-process search p50 {percentile(ms, 50):.1f} ms"
        )

    def tantivy_searches(self: Any) -> None:
        """tantivy alone: each query as a whole process (start-up, open, search, rows out),
        then all of them in one process after a warm-up."""
        where = str(self.tantivy_dir)
        whole = []
        for k in range(len(self.queries)):
            child = run_child(
                [sys.executable, str(BENCH / "tantivy_ref.py"), "search", where, str(k)], 4096
            )
            self.checks.expect(
                child.returncode == 0, f"tantivy search {k}: exit {child.returncode}"
            )
            whole.append(child.wall_s * 1000)
            self.add(f"q{k}_tantivy_ms", whole[-1])
        self.add("tantivy_search_p50_ms", percentile(whole, 50))
        self.add("tantivy_search_p95_ms", percentile(whole, 95))
        _, data = python_child(
            "tantivy_ref.py", "search-all", where, "--queries", str(len(self.queries))
        )
        ms = [row["ms"] for row in data["queries"]]
        self.add("tantivy_inprocess_search_p50_ms", percentile(ms, 50))
        self.add("tantivy_inprocess_search_p95_ms", percentile(ms, 95))
        for k, row in enumerate(data["queries"]):
            self.tantivy_totals[k] = row["total"]
