#!/usr/bin/env python
"""The project's speed yardstick: `conflict` against references timed in the same run.

On a generated corpus of N articles (bench/corpus.py: deterministic, in a temporary
folder) or a folder you have, it times conflict's ingest, re-ingest, search, show, stats
and --help as whole processes, its peak memory and archive size, and sets each figure
beside a naive Whoosh writer, SQLite FTS5 (Python's sqlite3) and sqlite-utils (installed
in the benchmark's own virtual environment), with the project's targets. Every figure is
the median of --repeat runs with its min–max. See bench/README.md.

    python bench/run.py --articles 10000 --repeat 3
    python bench/run.py --articles 100000 --json --out bench/results/100k.json
    python bench/run.py --corpus ~/news --no-sqlite-utils
    python bench/run.py --articles 100000 --repeat 1 --engine postgres --skip naive-whoosh
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import add_corpus_options
from engines import (
    ENGINE_TARGETS,
    ENGINES,
    ISSUE,
    WHOOSH,
    PostgresRounds,
    TeamServer,
    postgres_missing,
    reference_figures,
    team_server,
)
from procs import (  # re-exported: bench/search_ab.py imports them from here
    BENCH,
    MB,
    Child,
    dir_bytes,
    parse_json,
    percentile,
    progress,
    python_child,
    python_measured,
    run_child,
    run_measured,
)
from queries import QUERIES, Query
from report import markdown
from scale import (
    DEFAULT_TERM,
    POLL_S,
    SKIPPABLE,
    ScaleRounds,
    engine_option,
    io_accounting,
    tantivy_available,
)

__all__ = ["Child", "dir_bytes", "parse_json", "percentile", "progress", "run_child"]

REPO = BENCH.parent
REFERENCES = ("naive_whoosh", "fts5", "sqlite_utils", "tantivy", WHOOSH)
DEFAULT_ARTICLES = 10_000
DEFAULT_VENV = BENCH / ".venv"
SCHEMA = 4  # 3: the engine, tantivy alone, bytes written, the rate curve, issue 29's figures;
# 4: --engine postgres, the Whoosh engine beside it (whoosh_engine), count_ms, `postgres`

# name, figure, reference (None: the figure's own value), operator, limit
TARGETS: tuple[tuple[str, str, str | None, str, float], ...] = (
    ("ingest ≥ 3× naive Whoosh", "ingest_articles_per_s", "naive_whoosh", ">=", 3.0),
    ("peak ingest memory ≤ 400 MB", "peak_ingest_memory_mb", None, "<=", 400.0),
    ("archive ≤ 1.5× raw text", "archive_x_raw_text", None, "<=", 1.5),
    ("unchanged re-ingest ≥ 20,000 articles/s", "reingest_articles_per_s", None, ">=", 20_000),
    ("search p50 ≤ 1.5× sqlite-utils", "search_p50_ms", "sqlite_utils", "<=", 1.5),
    ("search p95 ≤ 2× sqlite-utils", "search_p95_ms", "sqlite_utils", "<=", 2.0),
    ("show ≤ 1.0× sqlite-utils", "show_ms", "sqlite_utils", "<=", 1.0),
    ("stats ≤ 1.0× sqlite-utils", "stats_ms", "sqlite_utils", "<=", 1.0),
    ("--help ≤ 150 ms", "help_ms", None, "<=", 150.0),
)


HELP_SAMPLES = 5  # `--help` runs per round


def compile_conflict() -> None:
    """Byte-compile the conflict package, as `pip install` does: an editable install
    under PYTHONDONTWRITEBYTECODE (set on this machine) would compile every module on
    every run, about 80 ms that no installed copy pays."""
    spec = importlib.util.find_spec("conflictcli")
    if spec and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def conflict_command() -> list[str]:
    """The `conflict` entry point of this interpreter (no pyenv shim), else PATH, else -m."""
    beside = Path(sys.executable).parent / ("conflict.exe" if os.name == "nt" else "conflict")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("conflict")
    return [found] if found else [sys.executable, "-m", "conflictcli"]


# --------------------------------------------------------------------------- numbers


def summary(values: Sequence[float]) -> dict[str, Any] | None:
    """{median, min, max, runs}, or None when nothing was measured."""
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": [round(v, 6) for v in values],
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


class Checks:
    """Behaviour the figures depend on; a failure is reported and makes the exit code 1."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.failed.append(message)
            progress(f"  CHECK FAILED: {message}")


# --------------------------------------------------------------------------- sqlite-utils


@dataclass
class SqliteUtils:
    """The sqlite-utils command, or why it is missing."""

    exe: str | None
    version: str | None = None
    reason: str | None = None

    def __call__(self, *args: str) -> list[str]:
        assert self.exe is not None
        return [self.exe, *args]


def _venv_exe(venv: Path, name: str) -> Path:
    return (
        venv
        / ("Scripts" if os.name == "nt" else "bin")
        / (name + (".exe" if os.name == "nt" else ""))
    )


def install_into(venv: Path, packages: Sequence[str]) -> str | None:
    """Make VENV (python -m venv) and pip install `packages` into it: None, or what failed."""
    python = _venv_exe(venv, "python")
    steps = [] if python.is_file() else [[sys.executable, "-m", "venv", str(venv)]]
    steps.append(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *packages,
        ]
    )
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"could not install: {e}"
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return "could not install: " + (lines[-1] if lines else f"exit {done.returncode}")
    return None


def find_sqlite_utils(args: argparse.Namespace) -> SqliteUtils:
    """sqlite-utils from --sqlite-utils, else from the benchmark's own environment (--venv),
    where it is installed when missing. Never from or into the project's environment."""
    if args.no_sqlite_utils:
        return SqliteUtils(None, reason="skipped (--no-sqlite-utils)")
    if args.sqlite_utils:
        exe = Path(args.sqlite_utils).expanduser()
    else:
        venv: Path = args.venv.expanduser()
        exe = _venv_exe(venv, "sqlite-utils")
        if not exe.is_file():
            progress(f"installing sqlite-utils into the benchmark's own environment {venv} …")
            failed = install_into(venv, ["sqlite-utils"])
            if failed:
                return SqliteUtils(None, reason=failed)
    if not exe.is_file():
        return SqliteUtils(None, reason=f"not found: {exe}")
    child = run_child([str(exe), "--version"])
    if child.returncode != 0:
        return SqliteUtils(None, reason=f"{exe} --version: exit {child.returncode}")
    return SqliteUtils(str(exe), version=child.stdout.strip().rsplit(" ", 1)[-1])


SU_STATS_SQL = (
    "select substr(date, 1, 7) as month, count(*) as articles, min(date) as first,"
    " max(date) as last from articles group by month order by month"
)
SU_SHOW_SQL = "select * from articles where id = :id"
HEAD = 1 << 20  # bytes of a search's output kept (a list of every match is counted, not held)
TOTAL = re.compile(r'^\{[^\[]*?"total": (\d+)')  # conflict's JSON: total before results


def su_rows(child: Child) -> int:
    """Rows sqlite-utils printed: its JSON array holds one a line."""
    if not child.truncated:
        return len(json.loads(child.stdout or "[]"))
    return child.stdout_lines or 0


# what sqlite-utils search prints of each match, and conflict search --fields the same
SU_COLUMNS = ("id", "date", "title", "path")


def su_search_args(su: SqliteUtils, db: Path, q: Query) -> list[str]:
    """The query as sqlite-utils runs it: `search` (FTS5 rank order), or, with a date
    range, which `search` cannot filter on, `query` with the same SQL plus the dates."""
    limit = q.sql_limit
    if q.first_day is None and q.last_day is None:
        extra = [] if limit is None else ["--limit", str(limit)]
        cols = [arg for c in SU_COLUMNS for arg in ("-c", c)]
        return su("search", str(db), "articles", q.match, *cols, *extra)
    sql = (
        "select a.id, a.date, a.title, a.path from articles a"
        " join articles_fts on articles_fts.rowid = a.rowid where articles_fts match :q"
    )
    params = ["-p", "q", q.match]
    if q.first_day:
        sql += " and a.date >= :since"
        params += ["-p", "since", q.first_day]
    if q.last_day:
        sql += " and a.date <= :until"
        params += ["-p", "until", q.last_day]
    sql += " order by articles_fts.rank" + ("" if limit is None else f" limit {limit}")
    return su("query", str(db), sql, *params)


# --------------------------------------------------------------------------- the run


@dataclass
class Bench(ScaleRounds, PostgresRounds):
    cmd: list[str]
    corpus: Path
    files: int
    raw_bytes: int
    samples: list[str]
    tmp: Path
    repeat: int
    queries: tuple[Query, ...]
    su: SqliteUtils
    checks: Checks = field(default_factory=Checks)
    m: dict[str, list[float]] = field(default_factory=dict)  # measurement name -> runs
    sample_rows: list[int] = field(default_factory=list)  # their ids in the SQLite tables
    round_dir: Path | None = None
    archive: Path | str | None = None  # of the last ingest round (a folder, or a URL)
    fts5_db: Path | None = None
    su_db: Path | None = None
    articles: int | None = None  # in the archive, as ingest reports it
    totals: dict[int, Any] = field(default_factory=dict)  # per query, from conflict
    fts5_totals: dict[int, int] = field(default_factory=dict)
    su_rows: dict[int, int] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # sample path -> conflict id
    engine: str = "whoosh"  # the engine conflict's archives are created with
    engine_flag: bool = False  # whether `conflict ingest` takes --engine (else: Whoosh)
    skip: frozenset[str] = frozenset()  # references left out (SKIPPABLE)
    tantivy: str | None = None  # tantivy-py's version, when the reference runs
    tantivy_dir: Path | None = None  # the last round's tantivy-alone index
    tantivy_totals: dict[int, int] = field(default_factory=dict)
    term: str = DEFAULT_TERM  # the common term of timeline and all ids
    term_hits: int | None = None  # conflict's ids of it
    term_fts5_hits: int | None = None
    poll_s: float = POLL_S
    curves: list[dict[str, Any]] = field(default_factory=list)  # rate curves, a round each
    team: TeamServer | None = None  # --engine postgres: the server of the archives
    whoosh_archive: Path | None = None  # and conflict's on the Whoosh engine, the reference
    whoosh_totals: dict[int, Any] = field(default_factory=dict)  # per query, from it

    def json_of(self, child: Child, what: str) -> dict[str, Any]:
        """The JSON object a conflict command printed; {} and a failed check without one.
        Of a long list kept only in part (run_child's head), its `total` alone."""
        if child.truncated:
            found = TOTAL.search(child.stdout)
            if found and child.stdout.startswith("{"):
                return {"total": int(found.group(1))}
        try:
            data = json.loads(child.stdout)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            tail = child.stderr.strip()[-500:]
            self.checks.expect(False, f"{what}: exit {child.returncode}, no JSON object: {tail}")
            return {}
        return data

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.m.setdefault(name, []).append(value)

    # ............................................................... ingest

    def ingest_round(self, i: int) -> None:
        tag = f"[{i}/{self.repeat}]"
        if self.round_dir is not None:  # keep only the last round's archives on disk
            shutil.rmtree(self.round_dir, ignore_errors=True)
        self.su_db = self.tantivy_dir = None
        rnd = self.round_dir = self.tmp / f"round-{i}"
        rnd.mkdir()
        self.archive = rnd / "archive" if self.team is None else self.team.fresh(i)
        args = [*self.cmd, "ingest", str(self.corpus), "--index", str(self.archive)]
        args += ["--quiet", "--json"]

        progress(f"{tag} conflict ingest ({self.engine}) …")
        if self.team is None:
            child, data = self.conflict_ingest(args, i)
        else:
            child, data = self.team_ingest(args, rnd, i)
        self.checks.expect(child.returncode == 0, f"ingest {i}: exit {child.returncode}")
        self.checks.expect(data.get("added", 0) > 0, f"ingest {i}: added {data.get('added')}")
        self.add("conflict_ingest_s", child.wall_s)
        self.add("conflict_ingest_rss", child.maxrss_mb)
        self.add("conflict_ingest_took_s", data.get("took_s"))
        self.articles = data.get("articles")
        written = self.m.get("conflict_write_bytes", [None])[-1]
        progress(
            f"    {child.wall_s:.1f} s ({self.files / child.wall_s:,.0f} articles/s), "
            f"peak {child.maxrss_mb or 0:.0f} MB"
            + ("" if written is None else f", wrote {written / MB:,.0f} MB")
            + "; "
            f"added {data.get('added')}, skipped {len(data.get('skipped', []))}, "
            f"articles {self.articles}"
        )
        curve = self.curves[-1] if self.curves and self.curves[-1]["round"] == i else None
        if curve and curve["last_x_first"]:
            progress(
                f"    rate: first tenth {curve['first_tenth']:,.0f}, last tenth "
                f"{curve['last_tenth']:,.0f} articles/s ({curve['last_x_first']:.2f}×)"
            )

        progress(f"{tag} conflict re-ingest, nothing changed …")
        child, _ = run_measured(args)
        data = self.json_of(child, "conflict re-ingest")
        self.checks.expect(child.returncode == 0, f"re-ingest {i}: exit {child.returncode}")
        self.checks.expect(
            data.get("unchanged") == self.files,
            f"re-ingest {i}: unchanged {data.get('unchanged')} != {self.files} files",
        )
        self.add("conflict_reingest_s", child.wall_s)
        self.add("conflict_reingest_rss", child.maxrss_mb)
        archive_bytes = self.archive_bytes()
        self.add("conflict_archive_bytes", archive_bytes)
        if archive_bytes:
            self.written_x_archive("conflict", archive_bytes)
        size = f"{archive_bytes / MB:.1f} MB" if archive_bytes else "not measured"
        progress(f"    {child.wall_s:.2f} s; archive {size}")
        if self.team is not None:
            self.whoosh_ingest(tag, rnd)

        if "naive-whoosh" not in self.skip:
            progress(f"{tag} reference: naive Whoosh writer …")
            child, data, facts = python_measured(
                "references.py", "naive-whoosh", str(self.corpus), str(rnd / "whoosh")
            )
            whoosh_bytes = dir_bytes(rnd / "whoosh")
            shutil.rmtree(rnd / "whoosh", ignore_errors=True)
            self.add("naive_whoosh_ingest_s", data["seconds"])
            self.add("naive_whoosh_ingest_rss", child.maxrss_mb)
            self.add("naive_whoosh_archive_bytes", whoosh_bytes)
            self.record_io("naive_whoosh", facts)
            self.written_x_archive("naive_whoosh", whoosh_bytes)
            progress(f"    {data['seconds']:.1f} s")

        progress(f"{tag} reference: SQLite FTS5 (sqlite3) …")
        (rnd / "fts5").mkdir()
        self.fts5_db = rnd / "fts5" / "fts5.db"
        child, data, facts = python_measured(
            "references.py", "fts5-ingest", str(self.corpus), str(self.fts5_db)
        )
        self.add("fts5_ingest_s", data["seconds"])
        self.add("fts5_ingest_rss", child.maxrss_mb)
        self.add("fts5_archive_bytes", data["db_bytes"])
        self.record_io("fts5", facts)
        self.written_x_archive("fts5", data["db_bytes"])
        progress(f"    {data['seconds']:.1f} s")

        if self.tantivy is not None:
            self.tantivy_ingest(tag, rnd)
        if self.su.exe is not None:
            self.su_ingest(tag, rnd)

    def su_ingest(self, tag: str, rnd: Path) -> None:
        """JSONL of the corpus, `sqlite-utils insert`, `enable-fts`, `create-index` on date:
        the time of all four (whole processes), the peak of the largest, the bytes all
        four wrote."""
        progress(f"{tag} reference: sqlite-utils insert + enable-fts …")
        (rnd / "sqlite-utils").mkdir()
        self.su_db = db = rnd / "sqlite-utils" / "articles.db"
        lines = rnd / "sqlite-utils" / "articles.jsonl"
        child, _, facts = python_measured("references.py", "jsonl", str(self.corpus), str(lines))
        rss = [child.maxrss_mb or 0.0]
        io = [facts.get("io")]
        steps = {
            "insert": self.su("insert", str(db), "articles", str(lines), "--nl", "--pk", "id"),
            "enable-fts": self.su(
                "enable-fts", str(db), "articles", "title", "body", "--fts5", "--tokenize", "porter"
            ),
            "create-index": self.su("create-index", str(db), "articles", "date"),
        }
        parts = {"jsonl": child.wall_s}
        for name, args in steps.items():
            child, facts = run_measured(args)
            parts[name] = child.wall_s
            rss.append(child.maxrss_mb or 0.0)
            io.append(facts.get("io"))
            if child.returncode != 0:
                self.checks.expect(
                    False,
                    f"sqlite-utils {name}: exit {child.returncode}: {child.stderr.strip()[-300:]}",
                )
                self.su = SqliteUtils(None, reason=f"sqlite-utils {name} failed")
                return
        total = sum(parts.values())
        lines.unlink()
        self.add("sqlite_utils_ingest_s", total)
        self.add("sqlite_utils_ingest_rss", max(rss))
        self.add("sqlite_utils_archive_bytes", dir_bytes(db))
        if all(io):
            summed = {k: sum(step[k] for step in io if step) for k in ("write_bytes", "wchar")}
            summed["cancelled_write_bytes"] = sum(
                step.get("cancelled_write_bytes", 0) for step in io if step
            )
            self.record_io("sqlite_utils", {"io": summed})
            self.written_x_archive("sqlite_utils", dir_bytes(db))
        for name, secs in parts.items():
            self.add(f"sqlite_utils_ingest_{name}_s", secs)
        progress(
            f"    {total:.1f} s (" + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()) + ")"
        )

    # ............................................................... queries

    def query_round(self, i: int) -> None:
        assert self.archive is not None and self.fts5_db is not None
        ix = ["--index", str(self.archive)]
        su_on = self.su.exe is not None and self.su_db is not None
        progress(
            f"[{i}/{self.repeat}] --help, {len(self.queries)} searches, show, stats, places, "
            f"timeline, all ids of {self.term}, "
            + ("in-process search …" if self.team is None else "count; on both archives …")
        )

        for _ in range(HELP_SAMPLES):  # a 150 ms figure: a few samples a round, not one
            child = run_child([*self.cmd, "--help"])
            self.checks.expect(child.returncode == 0, f"conflict --help: exit {child.returncode}")
            self.add("conflict_help_ms", child.wall_s * 1000)
        if su_on:
            for _ in range(HELP_SAMPLES):
                self.add("sqlite_utils_help_ms", run_child(self.su("--help")).wall_s * 1000)

        conflict_ms = self.conflict_searches("conflict", str(self.archive), self.totals)
        if self.whoosh_archive is not None:
            self.conflict_searches(WHOOSH, str(self.whoosh_archive), self.whoosh_totals)
        su_ms: list[float] = []
        for k, q in enumerate(self.queries if su_on else ()):
            assert self.su_db is not None
            child = run_child(su_search_args(self.su, self.su_db, q), HEAD)
            self.checks.expect(
                child.returncode == 0,
                f"sqlite-utils search {q.match!r}: exit {child.returncode}: {child.stderr.strip()[-300:]}",
            )
            su_ms.append(child.wall_s * 1000)
            self.add(f"q{k}_sqlite_utils_ms", su_ms[-1])
            if i == 1 and child.returncode == 0:
                self.su_rows[k] = su_rows(child)
        _, data = python_child(
            "references.py", "fts5-search", str(self.fts5_db), "--queries", str(len(self.queries))
        )
        fts_ms = [row["ms"] for row in data["queries"]]
        for k, row in enumerate(data["queries"]):
            self.add(f"q{k}_fts5_ms", row["ms"])
            self.fts5_totals[k] = row["total"]
        for name, values in (("sqlite_utils", su_ms), ("fts5", fts_ms)):
            self.add_percentiles(name, values)

        show_c: list[float] = []
        show_s: list[float] = []
        for row, path in enumerate(self.samples):
            if path not in self.ids:
                child = run_child([*self.cmd, "show", path, "--json", *ix])
                self.checks.expect(child.returncode == 0, f"show {path}: exit {child.returncode}")
                self.ids[path] = self.json_of(child, f"show {path}").get("id", path)
            child = run_child([*self.cmd, "show", self.ids[path], "--json", *ix])
            self.checks.expect(
                child.returncode == 0, f"show {self.ids[path]}: exit {child.returncode}"
            )
            show_c.append(child.wall_s * 1000)
            if su_on:
                assert self.su_db is not None
                sid = str(self.sample_rows[row])
                child = run_child(self.su("query", str(self.su_db), SU_SHOW_SQL, "-p", "id", sid))
                self.checks.expect(
                    child.returncode == 0 and child.stdout.strip() != "[]",
                    f"sqlite-utils show {sid}: exit {child.returncode}",
                )
                show_s.append(child.wall_s * 1000)
        if show_c:
            self.add("conflict_show_ms", statistics.median(show_c))
        if show_s:
            self.add("sqlite_utils_show_ms", statistics.median(show_s))

        child = run_child([*self.cmd, "stats", "--json", *ix])
        data = self.json_of(child, "stats")
        self.checks.expect(child.returncode == 0, f"stats: exit {child.returncode}")
        self.checks.expect(
            data.get("articles") == self.articles,
            f"stats: articles {data.get('articles')} != {self.articles}",
        )
        self.add("conflict_stats_ms", child.wall_s * 1000)
        stats_ms = child.wall_s * 1000
        if su_on:
            assert self.su_db is not None
            child = run_child(self.su("query", str(self.su_db), SU_STATS_SQL))
            self.checks.expect(
                child.returncode == 0, f"sqlite-utils stats: exit {child.returncode}"
            )
            self.add("sqlite_utils_stats_ms", child.wall_s * 1000)
        progress(
            f"    search p50 {percentile(conflict_ms, 50):.0f} ms"
            + (f" (sqlite-utils {percentile(su_ms, 50):.0f} ms)" if su_ms else "")
            + f", show {statistics.median(show_c):.0f} ms, stats {stats_ms:.0f} ms"
        )
        if self.team is None:
            self.scale_queries(i)
        else:
            self.team_queries(i)

    def conflict_searches(self, name: str, index: str, totals: dict[int, Any]) -> list[float]:
        """Every query through `conflict search` on the archive INDEX, timed as NAME's:
        with the default JSON (a snippet and highlights for every result), and with the
        columns sqlite-utils prints (SU_COLUMNS: the target's figure), whose times it
        gives back; each total the same in every round (TOTALS)."""
        ix = ["--index", index]
        fields_ms: list[float] = []
        snippets_ms: list[float] = []
        for k, q in enumerate(self.queries):
            child = run_child([*self.cmd, "search", *q.conflict_args(), "--json", *ix], HEAD)
            self.json_of(child, f"{name} search {q.label!r}")
            snippets_ms.append(child.wall_s * 1000)
            self.add(f"q{k}_{name}_snippets_ms", snippets_ms[-1])
            args = [*q.conflict_args(), "--json", "--fields", ",".join(SU_COLUMNS)]
            child = run_child([*self.cmd, "search", *args, *ix], HEAD)
            data = self.json_of(child, f"{name} search {q.label!r}")
            self.checks.expect(
                child.returncode in (0, 1), f"{name} search {q.label!r}: exit {child.returncode}"
            )
            total = data.get("total")
            seen = totals.setdefault(k, total)
            self.checks.expect(
                seen == total, f"{name} search {q.label!r}: total {total}, before {seen}"
            )
            fields_ms.append(child.wall_s * 1000)
            self.add(f"q{k}_{name}_ms", fields_ms[-1])
        self.add_percentiles(name, fields_ms)
        self.add_percentiles(f"{name}_snippets", snippets_ms)
        return fields_ms

    def add_percentiles(self, name: str, values: list[float]) -> None:
        if values:
            self.add(f"{name}_search_p50_ms", percentile(values, 50))
            self.add(f"{name}_search_p95_ms", percentile(values, 95))

    # ............................................................... figures

    def s(self, name: str, scale: float = 1.0, per: float | None = None) -> dict[str, Any] | None:
        """Summary of a measurement, scaled, or of PER / measurement (a rate)."""
        runs = self.m.get(name, [])
        if per is not None:
            return summary([per / v for v in runs if v > 0])
        return summary([v * scale for v in runs])

    def figures(self) -> dict[str, dict[str, Any]]:
        n, mb = float(self.files), self.raw_bytes / MB
        refs = ("conflict", *REFERENCES)

        def fig(unit: str, better: str, values: dict[str, Any]) -> dict[str, Any]:
            return {"unit": unit, "better": better, **{r: values.get(r) for r in refs}}

        figures = {
            "ingest_articles_per_s": fig(
                "articles/s", "higher", {r: self.s(f"{r}_ingest_s", per=n) for r in refs}
            ),
            "ingest_mb_per_s": fig(
                "MB/s", "higher", {r: self.s(f"{r}_ingest_s", per=mb) for r in refs}
            ),
            "ingest_s": fig("s", "lower", {r: self.s(f"{r}_ingest_s") for r in refs}),
            "peak_ingest_memory_mb": fig(
                "MB", "lower", {r: self.s(f"{r}_ingest_rss") for r in refs}
            ),
            "archive_mb": fig(
                "MB", "lower", {r: self.s(f"{r}_archive_bytes", 1 / MB) for r in refs}
            ),
            "archive_x_raw_text": fig(
                "× raw text",
                "lower",
                {r: self.s(f"{r}_archive_bytes", 1 / self.raw_bytes) for r in refs},
            ),
            "reingest_articles_per_s": fig(
                "articles/s", "higher", {"conflict": self.s("conflict_reingest_s", per=n)}
            ),
            "reingest_peak_memory_mb": fig(
                "MB", "lower", {"conflict": self.s("conflict_reingest_rss")}
            ),
            "search_p50_ms": fig("ms", "lower", {r: self.s(f"{r}_search_p50_ms") for r in refs}),
            "search_p95_ms": fig("ms", "lower", {r: self.s(f"{r}_search_p95_ms") for r in refs}),
            # the default JSON, with a snippet and highlights cut from every result's text:
            # more work than sqlite-utils' columns, so no target; reported beside them
            "search_snippets_p50_ms": fig(
                "ms", "lower", {"conflict": self.s("conflict_snippets_search_p50_ms")}
            ),
            "search_snippets_p95_ms": fig(
                "ms", "lower", {"conflict": self.s("conflict_snippets_search_p95_ms")}
            ),
            "show_ms": fig("ms", "lower", {r: self.s(f"{r}_show_ms") for r in refs}),
            "stats_ms": fig("ms", "lower", {r: self.s(f"{r}_stats_ms") for r in refs}),
            "help_ms": fig("ms", "lower", {r: self.s(f"{r}_help_ms") for r in refs}),
            **self.scale_figures(fig, refs),
        }
        reference_figures(self, figures, fig)
        return figures

    def scale_figures(self, fig: Any, refs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """Issue 29's figures: bytes written, the rate, places, timeline, all ids, search
        in one process (FTS5's is its search figure: it is always in-process)."""
        inproc = {"conflict": "conflict_inprocess", "fts5": "fts5", "tantivy": "tantivy_inprocess"}
        return {
            "bytes_written_mb": fig(
                "MB", "lower", {r: self.s(f"{r}_write_bytes", 1 / MB) for r in refs}
            ),
            "bytes_written_x_archive": fig(
                "× archive", "lower", {r: self.s(f"{r}_written_x_archive") for r in refs}
            ),
            "wchar_mb": fig("MB", "lower", {r: self.s(f"{r}_wchar", 1 / MB) for r in refs}),
            "ingest_cpu_s": fig("s", "lower", {"conflict": self.s("conflict_ingest_cpu_s")}),
            "ingest_rate_first_tenth": fig(
                "articles/s", "higher", {"conflict": self.s("conflict_rate_first_tenth")}
            ),
            "ingest_rate_last_tenth": fig(
                "articles/s", "higher", {"conflict": self.s("conflict_rate_last_tenth")}
            ),
            "ingest_rate_last_x_first": fig(
                "× first tenth", "higher", {"conflict": self.s("conflict_rate_last_x_first")}
            ),
            "places_ms": fig("ms", "lower", {"conflict": self.s("conflict_places_ms")}),
            "timeline_ms": fig("ms", "lower", {"conflict": self.s("conflict_timeline_ms")}),
            "all_ids_ms": fig("ms", "lower", {r: self.s(f"{r}_all_ids_ms") for r in refs}),
            "all_ids_inprocess_ms": fig(
                "ms", "lower", {"fts5": self.s("fts5_all_ids_inprocess_ms")}
            ),
            "search_inprocess_p50_ms": fig(
                "ms", "lower", {r: self.s(f"{v}_search_p50_ms") for r, v in inproc.items()}
            ),
            "search_inprocess_p95_ms": fig(
                "ms", "lower", {r: self.s(f"{v}_search_p95_ms") for r, v in inproc.items()}
            ),
        }

    def query_rows(self) -> list[dict[str, Any]]:
        rows = []
        for k, q in enumerate(self.queries):
            c = self.s(f"q{k}_conflict_ms")
            u = self.s(f"q{k}_sqlite_utils_ms")
            rows.append(
                {
                    "conflict_args": q.conflict_args(),
                    "fts5_match": q.match,
                    "since": q.first_day,
                    "until": q.last_day,
                    "limit": q.limit,
                    "total": self.totals.get(k),
                    "fts5_total": self.fts5_totals.get(k),
                    "sqlite_utils_rows": self.su_rows.get(k),
                    "conflict_ms": c,
                    "conflict_snippets_ms": self.s(f"q{k}_conflict_snippets_ms"),
                    "sqlite_utils_ms": u,
                    "fts5_ms": self.s(f"q{k}_fts5_ms"),
                    "tantivy_total": self.tantivy_totals.get(k),
                    "tantivy_ms": self.s(f"q{k}_tantivy_ms"),
                    "whoosh_engine_total": self.whoosh_totals.get(k),
                    "whoosh_engine_ms": self.s(f"q{k}_{WHOOSH}_ms"),
                    "ratio_to_sqlite_utils": ratio(c and c["median"], u and u["median"]),
                }
            )
        return rows


def ratios(figures: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """conflict's median over each reference's median, per figure."""
    out: dict[str, dict[str, float | None]] = {}
    for name, fig in figures.items():
        c = fig.get("conflict")
        out[name] = {
            ref: ratio(c["median"] if c else None, fig[ref]["median"] if fig.get(ref) else None)
            for ref in REFERENCES
            if fig.get(ref) is not None
        }
    return out


def targets(
    figures: dict[str, dict[str, Any]],
    rat: dict[str, dict[str, float | None]],
    engine: str = "whoosh",
) -> list[dict[str, Any]]:
    """The speed issue's targets, then those of the engine of the run (`issue`: 29, or
    30 for postgres)."""
    out = []
    chosen = [(None, t) for t in TARGETS] + [(ISSUE[engine], t) for t in ENGINE_TARGETS[engine]]
    for issue, (name, figure, ref, op, limit) in chosen:
        c = figures[figure].get("conflict")
        value = rat[figure].get(ref) if ref else (c["median"] if c else None)
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        out.append(
            {
                "target": name,
                "figure": figure,
                "reference": ref,
                "op": op,
                "limit": limit,
                "value": value,
                "met": met,
                "issue": issue,
            }
        )
    return out


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=(
            "The project's speed yardstick: conflict's ingest, search, show, stats and --help "
            "against naive Whoosh, SQLite FTS5 and sqlite-utils, on a generated corpus of N "
            "articles or a folder you have. Each figure is a median of --repeat runs."
        ),
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--articles",
        type=int,
        metavar="N",
        help=f"generate a corpus of N articles (default: {DEFAULT_ARTICLES:,})",
    )
    src.add_argument(
        "--corpus", type=Path, metavar="DIR", help="a folder of .txt/.md articles instead"
    )
    add_corpus_options(p)
    p.add_argument(
        "--repeat", type=int, default=3, metavar="R", help="runs per figure (default: 3)"
    )
    p.add_argument(
        "--queries",
        type=int,
        default=len(QUERIES),
        metavar="K",
        help=f"time the first K of the {len(QUERIES)} queries (default: all)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="whoosh",
        help="the engine conflict's archives are created with (ingest --engine; default: "
        "whoosh); postgres: a team archive, a schema on the --postgres server, beside "
        "conflict's archive on the Whoosh engine",
    )
    p.add_argument(
        "--postgres",
        metavar="URL",
        help="the PostgreSQL server of --engine postgres (default: one started for the run)",
    )
    p.add_argument(
        "--skip",
        action="append",
        choices=SKIPPABLE,
        default=[],
        help="leave this reference out (repeat for several): the slow ones at large N",
    )
    p.add_argument(
        "--term",
        default=DEFAULT_TERM,
        help=f"the common term of timeline and all ids (default: {DEFAULT_TERM})",
    )
    p.add_argument(
        "--poll",
        type=float,
        default=POLL_S,
        metavar="S",
        help=f"seconds between counts of the catalogue during an ingest (default: {POLL_S:g})",
    )
    p.add_argument("--no-sqlite-utils", action="store_true", help="skip the sqlite-utils reference")
    p.add_argument(
        "--sqlite-utils",
        metavar="EXE",
        help="a sqlite-utils executable to use instead of the benchmark's own",
    )
    p.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        metavar="DIR",
        help=f"the benchmark's own environment for sqlite-utils (default: {DEFAULT_VENV.relative_to(REPO)})",
    )
    p.add_argument("--json", action="store_true", help="print JSON on stdout instead of Markdown")
    p.add_argument("--out", type=Path, metavar="FILE", help="also save the JSON here")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also save the Markdown here")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if not 1 <= args.queries <= len(QUERIES):
        p.error(f"--queries must be between 1 and {len(QUERIES)}")
    if args.articles is not None and args.articles < 1:
        p.error("--articles must be at least 1")
    if args.corpus is None and args.articles is None:
        args.articles = DEFAULT_ARTICLES
    if args.poll <= 0:
        p.error("--poll must be above 0")
    if not args.term.strip() or args.term.strip() != args.term or " " in args.term:
        p.error("--term must be one word")
    if args.postgres and args.engine != "postgres":
        p.error("--postgres is for --engine postgres")
    if args.no_sqlite_utils:
        args.skip.append("sqlite-utils")
    args.no_sqlite_utils = "sqlite-utils" in args.skip
    args.skip = frozenset(args.skip)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    git = _git_state()  # now: the code may change while the benchmark runs
    cmd = conflict_command()
    engine_flag = engine_option(cmd)
    if args.engine == "postgres" and postgres_missing():
        progress(f"--engine postgres: {postgres_missing()}.")
        return 2
    if args.engine == "tantivy" and not engine_flag:
        progress(
            f"--engine {args.engine}: this conflict ({' '.join(cmd)}) has no `ingest --engine` "
            "option, so its archives are all Whoosh's. Run with --engine whoosh, or install "
            "a conflict that has it."
        )
        return 2
    tantivy, tantivy_reason = tantivy_available()
    if "tantivy" in args.skip:
        tantivy, tantivy_reason = None, "skipped (--skip tantivy)"
    if tantivy is None:
        progress(f"tantivy-alone reference missing: {tantivy_reason}")
    io_check = io_accounting()
    if not io_check.get("holds"):
        progress(f"bytes written cannot be trusted here: {io_check.get('reason')}")
    with (
        tempfile.TemporaryDirectory(prefix="conflict-bench-") as tmpdir,
        team_server(args.engine, args.postgres) as team,
    ):
        tmp = Path(tmpdir)
        if args.corpus is not None:
            corpus = args.corpus.expanduser()
            if not corpus.is_dir():
                progress(
                    f"Corpus not found: {corpus}. Pass a folder of .txt/.md articles with --corpus DIR."
                )
                return 2
            corpus = corpus.resolve()
            corpus_facts: dict[str, Any] = {"kind": "folder", "path": str(corpus)}
        else:
            corpus = tmp / "corpus"
            progress(
                f"generating {args.articles:,} articles (seed {args.seed}, source {args.source}) …"
            )
            _, facts = python_child(
                "corpus.py", "--articles", str(args.articles), "--seed", str(args.seed),
                "--source", args.source, "--corpora", str(args.corpora), "--out", str(corpus),
            )  # fmt: skip
            corpus_facts = {"kind": "generated", **facts}
            progress(
                f"    {facts['source']} source, {facts['bytes'] / MB:.1f} MB in {facts['generate_s']:.1f} s"
            )
        _, inv = python_child("references.py", "inventory", str(corpus))
        if not inv["files"]:
            progress(f"No .txt or .md files under {corpus}.")
            return 2
        corpus_facts.update(articles=inv["files"], bytes=inv["bytes"])

        su = find_sqlite_utils(args)
        if su.exe is None:
            progress(f"sqlite-utils reference missing: {su.reason}")
        compile_conflict()
        progress(f"conflict: {' '.join(cmd)}; corpus: {corpus} ({inv['files']:,} files)")
        bench = Bench(
            cmd=cmd,
            corpus=corpus,
            files=inv["files"],
            raw_bytes=inv["bytes"],
            samples=inv["samples"],
            sample_rows=inv["sample_rows"],
            tmp=tmp,
            repeat=args.repeat,
            queries=QUERIES[: args.queries],
            su=su,
            engine=args.engine,
            engine_flag=engine_flag,
            skip=args.skip,
            tantivy=tantivy,
            term=args.term,
            poll_s=args.poll,
            team=team,
        )
        for i in range(1, args.repeat + 1):
            bench.ingest_round(i)
        for i in range(1, args.repeat + 1):
            bench.query_round(i)
        figures = bench.figures()
        query_rows = bench.query_rows()
        server = team.facts() if team is not None else None

    rat = ratios(figures)
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "started": started,
        "took_s": round(time.perf_counter() - t_start, 1),
        "n": bench.files,
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor() or None,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "whoosh": _whoosh_version(),
        },
        "command": cmd,
        "git": git,
        "corpus": corpus_facts,
        "archive_articles": bench.articles,
        "repeat": args.repeat,
        "engine": {"name": args.engine, "ingest_option": engine_flag},
        "postgres": server,
        "io_accounting": io_check,
        "rate_curves": bench.curves,
        "poll_s": args.poll,
        "common_term": {
            "term": args.term,
            "hits": bench.term_hits,
            "share": bench.term_hits / bench.articles
            if bench.term_hits is not None and bench.articles
            else None,
            "fts5_hits": bench.term_fts5_hits,
        },
        "references": {
            "naive_whoosh": {
                "available": "naive-whoosh" not in args.skip,
                "reason": "skipped (--skip naive-whoosh)" if "naive-whoosh" in args.skip else None,
            },
            "fts5": {"available": True, "sqlite": sqlite3.sqlite_version},
            WHOOSH: {
                "available": team is not None,
                "reason": None if team else "only with --engine postgres",
            },
            "tantivy": {
                "available": tantivy is not None,
                "version": tantivy,
                "reason": tantivy_reason,
            },
            "sqlite_utils": {
                "available": su.exe is not None,
                "version": su.version,
                "reason": su.reason,
                "exe": su.exe,
            },
        },
        "figures": figures,
        "ratios": rat,
        "targets": targets(figures, rat, args.engine),
        "queries": query_rows,
        "checks_failed": bench.checks.failed,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    table = markdown(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        progress(f"saved {args.out}")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table + "\n", encoding="utf-8")
        progress(f"saved {args.markdown}")
    print(text if args.json else table)
    return 1 if bench.checks.failed else 0


def _git_state() -> dict[str, Any]:
    """The repository's commit, whether conflictcli/ differs from it, and PYTHONPATH (a
    snapshot of the package put there is what runs)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--", "conflictcli")
    return {
        "commit": git("rev-parse", "HEAD"),
        "conflictcli_modified": None if status is None else bool(status),
        "pythonpath": os.environ.get("PYTHONPATH"),
    }


def _whoosh_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("Whoosh-Reloaded")
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
