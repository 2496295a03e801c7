#!/usr/bin/env python
"""Search speed of two installs of conflict on one saved corpus, in alternating rounds.

bench/run.py times one install and always builds its naive Whoosh reference, most of a
25-minute run at 100,000 articles. To compare two commits (before and after an issue)
this driver reuses run.py's own pieces (its child processes, percentiles, queries and
FTS5 reference) on a corpus generated once and an archive ingested once per side, then
times the searches in rounds A B A B …: each round of a side runs `conflict --help`,
the 30 queries as run.py's target figure takes them (`--json --fields
id,date,title,path`), the same with the default JSON (snippets), and the FTS5 reference
(in-process, bench/references.py) on the same corpus, so the machine's noise during A's
rounds and B's shows as the reference's ratio. Each side is a virtual environment with
conflict installed (editable, from a checkout of the commit measured). See bench/README.md.

    python bench/search_ab.py corpus --articles 100000 --out /tmp/ab/corpus
    python bench/search_ab.py ingest --venv /tmp/venv-before --corpus /tmp/ab/corpus \\
        --archive /tmp/ab/archive-A --json-out /tmp/ab/ingest-A.json
    python bench/search_ab.py fts5 --corpus /tmp/ab/corpus --db /tmp/ab/fts5.db
    python bench/search_ab.py search --side A=/tmp/venv-before:/tmp/ab/archive-A \\
        --side B=/tmp/venv-after:/tmp/ab/archive-B --fts5 /tmp/ab/fts5.db --rounds 3 \\
        --json-out /tmp/ab/search.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from corpus import add_corpus_options
from queries import QUERIES
from run import MB, SU_COLUMNS, dir_bytes, percentile, progress, python_child, run_child

ROOT = Path("/")  # where probes run: never a folder holding another conflictcli/


def venv_bin(venv: Path, name: str) -> str:
    return str(venv / "bin" / name)


def prepare(venv: Path) -> dict[str, Any]:
    """Byte-compile the side's package (as an installed copy is; PYTHONDONTWRITEBYTECODE
    would make every run compile it) and name the commit it was checked out at."""
    probe = "import conflictcli, os; print(os.path.dirname(conflictcli.__file__))"
    python = venv_bin(venv, "python")
    pkg = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", pkg], cwd=ROOT, check=True)
    tree = str(Path(pkg).parent)

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", tree, *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "venv": str(venv),
        "package": pkg,
        "commit": git("rev-parse", "HEAD"),
        "subject": git("log", "-1", "--format=%s")[:120],
        "conflictcli_modified": bool(git("status", "--porcelain", "--", "conflictcli")),
    }


def conflict_json(cmd: list[str]) -> tuple[Any, Any]:
    child = run_child(cmd)
    try:
        return child, json.loads(child.stdout)
    except json.JSONDecodeError:
        return child, None


# --------------------------------------------------------------------------- commands


def cmd_corpus(args: argparse.Namespace) -> dict[str, Any]:
    _, facts = python_child(
        "corpus.py", "--articles", str(args.articles), "--seed", str(args.seed),
        "--source", args.source, "--corpora", str(args.corpora), "--out", str(args.out),
    )  # fmt: skip
    return facts


def cmd_ingest(args: argparse.Namespace) -> dict[str, Any]:
    """One `conflict ingest` of the corpus into an empty archive: wall time, CPU time,
    peak memory (os.wait4 of the child, as run.py), archive size; then stats and count by
    language."""
    side = prepare(args.venv)
    _, inv = python_child("references.py", "inventory", str(args.corpus))
    exe = venv_bin(args.venv, "conflict")
    ix = ["--index", str(args.archive)]
    progress(f"{side['commit'][:7]}: conflict ingest {args.corpus} ({inv['files']:,} files) …")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child, data = conflict_json([exe, "ingest", str(args.corpus), *ix, "--quiet", "--json"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the ingest and its workers
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode != 0 or not isinstance(data, dict):
        raise SystemExit(f"ingest: exit {child.returncode}\n{child.stderr[-2000:]}")
    out: dict[str, Any] = {
        "side": side,
        "corpus": {"path": str(args.corpus), "articles": inv["files"], "bytes": inv["bytes"]},
        "ingest_s": child.wall_s,
        "ingest_articles_per_s": inv["files"] / child.wall_s,
        "ingest_mb_per_s": inv["bytes"] / MB / child.wall_s,
        "peak_ingest_memory_mb": child.maxrss_mb,
        # CPU seconds of the ingest process and its workers: less moved than the wall
        # time by what else the machine runs
        "ingest_cpu_s": cpu_s,
        "ingest_cpu_ms_per_article": cpu_s * 1000 / inv["files"],
        "took_s": data.get("took_s"),
        "added": data.get("added"),
        "articles": data.get("articles"),
        "archive_mb": dir_bytes(args.archive) / MB,
        "archive_x_raw_text": dir_bytes(args.archive) / inv["bytes"],
    }
    _, stats = conflict_json([exe, "stats", "--json", *ix])
    out["stats_articles"] = stats.get("articles") if isinstance(stats, dict) else None
    child, by_lang = conflict_json([exe, "count", "*", "--by", "lang", "--json", *ix])
    out["count_by_lang"] = by_lang if child.returncode == 0 else child.stderr.strip()[-300:]
    progress(
        f"    {out['ingest_s']:.0f} s ({out['ingest_articles_per_s']:.0f} articles/s), "
        f"CPU {cpu_s:.0f} s, "
        f"peak {out['peak_ingest_memory_mb'] or 0:.0f} MB, archive {out['archive_mb']:.0f} MB"
    )
    return out


def cmd_fts5(args: argparse.Namespace) -> dict[str, Any]:
    _, data = python_child("references.py", "fts5-ingest", str(args.corpus), str(args.db))
    return data


def side_round(exe: str, archive: str, fts5: str, k: int) -> dict[str, Any]:
    """One round of a side: 5 × --help, the K queries twice (target columns, default
    JSON), the FTS5 reference (each query in-process, and the whole process's wall
    time); wall times in ms and each query's total."""
    ix = ["--index", archive]
    fields = ["--json", "--fields", ",".join(SU_COLUMNS)]
    r: dict[str, Any] = {"help": [], "fields": [], "snippets": [], "totals": [], "failed": []}
    for _ in range(5):
        r["help"].append(run_child([exe, "--help"]).wall_s * 1000)
    for q in QUERIES[:k]:
        child, data = conflict_json([exe, "search", *q.conflict_args(), *fields, *ix])
        r["fields"].append(child.wall_s * 1000)
        r["totals"].append(data.get("total") if isinstance(data, dict) else None)
        if child.returncode not in (0, 1) or not isinstance(data, dict):
            r["failed"].append(f"{q.label}: exit {child.returncode} {child.stderr[-200:]}")
        child = run_child([exe, "search", *q.conflict_args(), "--json", *ix])
        r["snippets"].append(child.wall_s * 1000)
    child, data = python_child("references.py", "fts5-search", fts5, "--queries", str(k))
    r["fts5"] = [row["ms"] for row in data["queries"]]
    r["fts5_process"] = [child.wall_s * 1000]  # start-up and the K queries, one process
    return r


def med(rounds: list[dict[str, Any]], key: str, pct: float) -> dict[str, Any]:
    """The median over rounds of a per-round percentile, with the rounds' values."""
    per = [percentile(r[key], pct) for r in rounds]
    return {"median": statistics.median(per), "runs": [round(v, 2) for v in per]}


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    sides: dict[str, dict[str, Any]] = {}
    for spec in args.side:
        name, _, rest = spec.partition("=")
        venv, _, archive = rest.partition(":")
        sides[name] = {**prepare(Path(venv)), "archive": archive, "rounds": []}
    k = args.queries
    for name, s in sides.items():  # warm the page cache, untimed
        progress(f"warm-up {name} ({s['commit'][:7]}) …")
        side_round(venv_bin(Path(s["venv"]), "conflict"), s["archive"], args.fts5, k)
    for i in range(1, args.rounds + 1):
        for name, s in sides.items():
            progress(f"round {i}/{args.rounds}: {name} …")
            r = side_round(venv_bin(Path(s["venv"]), "conflict"), s["archive"], args.fts5, k)
            s["rounds"].append(r)
            progress(
                f"    p50 {percentile(r['fields'], 50):.0f} ms, p95 {percentile(r['fields'], 95):.0f} ms,"
                f" FTS5 p50 {percentile(r['fts5'], 50):.1f} ms, --help {statistics.median(r['help']):.0f} ms"
            )
    out = summarise(sides, k)
    progress(table(out))
    return out


def summarise(sides: dict[str, dict[str, Any]], k: int) -> dict[str, Any]:
    figures: dict[str, dict[str, Any]] = {}
    for name, s in sides.items():
        rounds = s["rounds"]
        figures[name] = {
            "search_p50_ms": med(rounds, "fields", 50),
            "search_p95_ms": med(rounds, "fields", 95),
            "search_snippets_p50_ms": med(rounds, "snippets", 50),
            "search_snippets_p95_ms": med(rounds, "snippets", 95),
            "help_ms": med(rounds, "help", 50),
            "fts5_p50_ms": med(rounds, "fts5", 50),
            "fts5_p95_ms": med(rounds, "fts5", 95),
            "fts5_process_ms": med(rounds, "fts5_process", 50),
            "per_query_ms": [statistics.median(r["fields"][j] for r in rounds) for j in range(k)],
            "totals": rounds[0]["totals"] if rounds else [],
            "failed": [f for r in rounds for f in r["failed"]],
        }
    names = list(sides)
    out: dict[str, Any] = {
        "queries": [q.label for q in QUERIES[:k]],
        "sides": {n: {x: v for x, v in s.items() if x != "rounds"} for n, s in sides.items()},
        "rounds": {n: s["rounds"] for n, s in sides.items()},
        "figures": figures,
    }
    first = figures[names[0]]
    out["ratios"] = {  # each side's median over the first side's, figure by figure
        f"{n}/{names[0]}": {
            key: figures[n][key]["median"] / first[key]["median"]
            for key in first
            if isinstance(first[key], dict) and first[key]["median"]
        }
        for n in names[1:]
    }
    return out


ROWS = (
    ("search_p50_ms", "search p50, ms (--fields id,date,title,path)"),
    ("search_p95_ms", "search p95, ms"),
    ("search_snippets_p50_ms", "search p50 with snippets (default JSON), ms"),
    ("search_snippets_p95_ms", "search p95 with snippets, ms"),
    ("help_ms", "--help, ms"),
    ("fts5_p50_ms", "reference: FTS5 p50, ms (in-process)"),
    ("fts5_p95_ms", "reference: FTS5 p95, ms"),
    ("fts5_process_ms", "reference: FTS5 process (start-up and all queries), ms"),
)


def table(out: dict[str, Any]) -> str:
    """The figures as Markdown: each side's median of rounds, then each ratio."""
    names = list(out["figures"])
    head = ["figure", *names, *out["ratios"]]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key, label in ROWS:
        cells = [f"{out['figures'][n][key]['median']:.1f}" for n in names]
        cells += [f"{r[key]:.3f}" for r in out["ratios"].values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python bench/search_ab.py", description=__doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("corpus", help="generate the corpus once (bench/corpus.py)")
    sp.add_argument("--articles", type=int, default=100_000)
    add_corpus_options(sp)
    sp.add_argument("--out", type=Path, required=True)
    sp = sub.add_parser("ingest", help="ingest the corpus with one side")
    sp.add_argument("--venv", type=Path, required=True)
    sp.add_argument("--corpus", type=Path, required=True)
    sp.add_argument("--archive", type=Path, required=True)
    sp = sub.add_parser("fts5", help="the FTS5 reference's database of the corpus")
    sp.add_argument("--corpus", type=Path, required=True)
    sp.add_argument("--db", type=Path, required=True)
    sp = sub.add_parser("search", help="time the searches of each side in alternating rounds")
    sp.add_argument("--side", action="append", required=True, metavar="NAME=VENV:ARCHIVE")
    sp.add_argument("--fts5", required=True, metavar="DB")
    sp.add_argument("--rounds", type=int, default=3)
    sp.add_argument("--queries", type=int, default=len(QUERIES))
    for sp in sub.choices.values():
        sp.add_argument("--json-out", dest="json_out", type=Path, help="also save the JSON here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("PYTHONPATH"):
        progress("PYTHONPATH is set: each side must run its own venv's package; unset it.")
        return 2
    args = parse_args(argv)
    run = {"corpus": cmd_corpus, "ingest": cmd_ingest, "fts5": cmd_fts5, "search": cmd_search}
    result = run[args.command](args)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
