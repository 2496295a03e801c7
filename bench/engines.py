"""bench/run.py's `--engine postgres` (issue 30): conflict's archive of each round is a team
archive, a fresh schema on a PostgreSQL server (`--postgres URL`, else one started for
the run: bench/pg.py), and beside it conflict's own archive on the Whoosh engine, a folder,
is built and queried with the same commands in the same run: the reference `whoosh_engine`
(figures and ratios "postgres ÷ Whoosh engine", the target "ingest ≥ 2× the Whoosh
engine's rate"). The searches of both run through run.py's `conflict_searches`; places,
timeline, count and all ids of the common term through `term_queries` here.

`PostgresRounds` is a part of run.py's Bench (its methods use Bench's fields), as
scale.ScaleRounds is. See bench/README.md.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pg
from procs import MB, dir_bytes, progress, run_child, run_measured
from scale import ENGINE_TARGETS as SCALE_TARGETS
from scale import ENGINES as SCALE_ENGINES
from scale import Target, lines_of

ENGINES = (*SCALE_ENGINES, "postgres")
WHOOSH = "whoosh_engine"  # the reference: conflict's own archive on the Whoosh engine
ENGINE_TARGETS: dict[str, tuple[Target, ...]] = {
    **SCALE_TARGETS,
    "postgres": (
        (
            "PostgreSQL (100k): ingest ≥ 2× the Whoosh engine's rate",
            "ingest_articles_per_s",
            WHOOSH,
            ">=",
            2.0,
        ),
    ),
}
ISSUE = {"tantivy": 29, "whoosh": 29, "postgres": 30}  # the issue of each engine's targets


def postgres_missing() -> str | None:
    """Why `--engine postgres` cannot run here, or None."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install 'conflict[postgres]')"
    return None


class TeamServer:
    """The run's PostgreSQL server: a fresh schema for each round's archive, the previous
    round's dropped (only the last round's archives are kept), the last one at the end."""

    def __init__(self, base: str, given: bool) -> None:
        self.base = base
        self.given = given
        self.schema: str | None = None

    def fresh(self, i: int) -> str:
        """An empty schema for round I; the URL of the archive in it."""
        self.drop()
        self.schema = f"conflict_bench_{os.getpid()}_{i}"
        return pg.schema_url(self.base, self.schema)

    def drop(self) -> None:
        if self.schema is None:
            return
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.schema = None

    def facts(self) -> dict[str, Any]:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        given = "given (--postgres)" if self.given else "started for the run"
        return {"server": given, "version": row[0] if row else None}


@contextmanager
def team_server(engine: str, url: str | None) -> Iterator[TeamServer | None]:
    """For --engine postgres, the server `url` names or one of our own for the run (its
    schemas dropped at the end); None for the other engines."""
    if engine != "postgres":
        yield None
        return
    with pg.server(url) as urls:
        team = TeamServer(urls["primary"], given=bool(url))
        try:
            yield team
        finally:
            team.drop()


class PostgresRounds:
    """Bench's part for `--engine postgres`. Uses Bench's cmd, corpus, files, checks,
    archive, team, whoosh_archive, whoosh_totals, totals, engine_flag, poll_s, term,
    term_hits, tantivy_dir, curves, m, add, json_of and conflict_searches."""

    whoosh_archive: Path | None  # a field of Bench

    # ............................................................... ingest

    def team_ingest(self: Any, args: list[str], rnd: Path, i: int) -> tuple[Any, dict[str, Any]]:
        """The first ingest of round I into the team archive (no --engine for a URL),
        under measure.py, which counts the articles table every poll_s seconds (the URL
        handed over in a file: never on a command line) for the rate curve. Bytes written
        are the client's alone (the server writes the archive): not recorded."""
        url_file = rnd / "count.url"
        url_file.touch(mode=0o600)
        url_file.write_text(str(self.archive), encoding="utf-8")
        child, facts = run_measured(args, url_file, self.poll_s)
        url_file.unlink()
        data = self.json_of(child, "conflict ingest")
        self.add("conflict_ingest_cpu_s", facts.get("cpu_s"))
        self.record_curve(facts, data, i)
        return child, data

    def archive_bytes(self: Any) -> int | None:
        """The archive's size: a folder's files, or what `conflict stats` gives of a team
        archive (its schema's tables and indexes)."""
        if isinstance(self.archive, Path):
            return int(dir_bytes(self.archive))
        child = run_child([*self.cmd, "stats", "--json", "--index", str(self.archive)])
        size = self.json_of(child, "stats (size)").get("index_bytes")
        self.checks.expect(isinstance(size, int), f"stats: no index_bytes ({size!r})")
        return size if isinstance(size, int) else None

    def whoosh_ingest(self: Any, tag: str, rnd: Path) -> None:
        """The reference: conflict's ingest and re-ingest into a folder, Whoosh engine."""
        progress(f"{tag} reference: conflict on the Whoosh engine (a folder) …")
        self.whoosh_archive = rnd / "whoosh-engine"
        args = [*self.cmd, "ingest", str(self.corpus), "--index", str(self.whoosh_archive)]
        args += ["--quiet", "--json"]
        engine = ["--engine", "whoosh"] if self.engine_flag else []
        child, facts = run_measured([*args, *engine])
        data = self.json_of(child, "Whoosh engine ingest")
        self.checks.expect(child.returncode == 0, f"Whoosh engine ingest: exit {child.returncode}")
        self.checks.expect(
            data.get("articles") == self.articles,
            f"Whoosh engine ingest: {data.get('articles')} articles, postgres {self.articles}",
        )
        self.add(f"{WHOOSH}_ingest_s", child.wall_s)
        self.add(f"{WHOOSH}_ingest_rss", child.maxrss_mb)
        self.add(f"{WHOOSH}_ingest_cpu_s", facts.get("cpu_s"))
        self.record_io(WHOOSH, facts)
        again, _ = run_measured(args)
        self.checks.expect(
            self.json_of(again, "Whoosh engine re-ingest").get("unchanged") == self.files,
            "Whoosh engine re-ingest: not every file unchanged",
        )
        self.add(f"{WHOOSH}_reingest_s", again.wall_s)
        self.add(f"{WHOOSH}_reingest_rss", again.maxrss_mb)
        size = dir_bytes(self.whoosh_archive)
        self.add(f"{WHOOSH}_archive_bytes", size)
        self.written_x_archive(WHOOSH, size)
        progress(
            f"    {child.wall_s:.1f} s ({self.files / child.wall_s:,.0f} articles/s), peak "
            f"{child.maxrss_mb or 0:.0f} MB; re-ingest {again.wall_s:.2f} s; "
            f"archive {size / MB:.1f} MB"
        )

    # ............................................................... queries

    def team_queries(self: Any, i: int) -> None:
        """After run.py's searches of both archives: places, timeline, count and all ids
        of the common term on each; their answers and every query's total equal."""
        mine = self.term_queries("conflict", str(self.archive))
        ref = self.term_queries(WHOOSH, str(self.whoosh_archive))
        self.term_hits = mine["all ids"]
        for what, value in mine.items():
            self.checks.expect(
                value == ref[what], f"{what}: postgres {value!r}, Whoosh engine {ref[what]!r}"
            )
        for k, q in enumerate(self.queries):
            total, theirs = self.totals.get(k), self.whoosh_totals.get(k)
            self.checks.expect(
                total == theirs, f"search {q.label!r}: total {total}, Whoosh engine {theirs}"
            )
        if self.tantivy_dir is not None:
            self.tantivy_searches()
        m = self.m
        progress(
            "    postgres ÷ Whoosh engine: "
            + ", ".join(
                f"{what} {m[f'conflict_{what}_ms'][-1]:.0f} ÷ {m[f'{WHOOSH}_{what}_ms'][-1]:.0f} ms"
                for what in ("places", "timeline", "count", "all_ids")
            )
        )

    def term_queries(self: Any, name: str, index: str) -> dict[str, Any]:
        """`places`, `timeline TERM`, `count TERM` and every id of TERM (whole processes) on
        one archive, timed as NAME's; what each answered, to hold the archives equal."""
        ix = ["--index", index]
        child = run_child([*self.cmd, "places", "--json", *ix])
        self.checks.expect(child.returncode == 0, f"{name} places: exit {child.returncode}")
        places = self.json_of(child, f"{name} places")
        self.add(f"{name}_places_ms", child.wall_s * 1000)

        child = run_child([*self.cmd, "timeline", self.term, "--json", *ix])
        data = self.json_of(child, f"{name} timeline {self.term}")
        self.add(f"{name}_timeline_ms", child.wall_s * 1000)
        buckets = [(b.get("period"), b.get("count")) for b in data.get("buckets", [])]

        child = run_child([*self.cmd, "count", self.term, "--json", *ix])
        self.checks.expect(child.returncode in (0, 1), f"{name} count: exit {child.returncode}")
        count = self.json_of(child, f"{name} count {self.term}").get("count")
        self.add(f"{name}_count_ms", child.wall_s * 1000)

        search = ["search", self.term, "--jsonl", "--fields", "id", "-n", "0", *ix]
        wall, code, lines, err = lines_of([*self.cmd, *search])
        self.checks.expect(code == 0, f"{name} search {self.term} -n 0: exit {code}: {err[-300:]}")
        self.add(f"{name}_all_ids_ms", wall * 1000)
        counted = sum(c or 0 for _, c in buckets) + (data.get("undated") or 0)
        self.checks.expect(
            lines == count == counted,
            f"{name}: {lines} ids of {self.term}, count {count}, timeline {counted}",
        )
        return {
            "places": sorted((p.get("id"), p.get("articles")) for p in places.get("places", [])),
            "timeline": buckets,
            "count": count,
            "all ids": lines,
        }


def reference_figures(bench: Any, figures: dict[str, dict[str, Any]], fig: Any) -> None:
    """The figures issue 29's part (scale.py) gives conflict alone, with the Whoosh
    engine's beside them, and `count_ms` (measured with --engine postgres only)."""
    for name, measured in (
        ("search_snippets_p50_ms", "snippets_search_p50_ms"),
        ("search_snippets_p95_ms", "snippets_search_p95_ms"),
        ("reingest_articles_per_s", None),
        ("reingest_peak_memory_mb", "reingest_rss"),
        ("ingest_cpu_s", "ingest_cpu_s"),
        ("places_ms", "places_ms"),
        ("timeline_ms", "timeline_ms"),
    ):
        if measured is None:
            figures[name][WHOOSH] = bench.s(f"{WHOOSH}_reingest_s", per=float(bench.files))
        else:
            figures[name][WHOOSH] = bench.s(f"{WHOOSH}_{measured}")
    figures["count_ms"] = fig(
        "ms", "lower", {r: bench.s(f"{r}_count_ms") for r in ("conflict", WHOOSH)}
    )
