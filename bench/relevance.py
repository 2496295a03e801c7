#!/usr/bin/env python
"""The relevance yardstick: how well `conflict search` ranks, beside established BM25
implementations measured in the same run. See bench/README.md.

1. The TIME test collection (../shared/irtest/time: 423 articles of 1963, 83 questions,
   judgements): `conflict ingest` into a temporary archive, every question through
   `conflict search --any --limit 100 --jsonl` and through the default mode (a
   --from-file run each), plain Whoosh (BM25F, stemming, an OR query: the library
   conflict is built on) in this process, and bm25s in the benchmark's own environment.
   MAP (of the first 100), nDCG@10, P@10 and Recall@100 come from ir-measures
   (trec_eval's definitions); with --no-references, from this file's own code.
2. Known items (bench/known_items.tsv: paraphrases of headlines written for this project,
   each naming the one article it must find, and the same articles' headlines as the
   corpora give them, read at run time): success@10 and MRR@10 of conflict (default
   mode and --any) beside SQLite FTS5's bm25 on the same articles.

    python bench/relevance.py                        # Markdown on stdout
    python bench/relevance.py --json --out rel.json
    python bench/relevance.py --queries 5 --no-references --no-known-items
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from references import title_of
from run import (
    DEFAULT_VENV,
    REPO,
    Child,
    _venv_exe,
    conflict_command,
    install_into,
    progress,
    run_child,
)

BENCH = Path(__file__).resolve().parent
DEPTH = 100  # results per question, as the reference figures were taken
MEASURES = ("AP@100", "nDCG@10", "P@10", "R@100")
SHOWN = {"AP@100": "MAP", "nDCG@10": "nDCG@10", "P@10": "P@10", "R@100": "R@100"}
REFERENCE_PACKAGES = ("bm25s>=0.2", "PyStemmer>=2.2", "ir-measures>=0.3", "numpy", "scipy")
ANY, DEFAULT = "conflict --any", "conflict (default)"
PLAIN = "plain Whoosh (BM25F, stemming, OR)"
BEST_REFERENCE = "bm25s (same + Snowball stemming)"
KNOWN_ITEMS = BENCH / "known_items.tsv"
KNOWN_DEPTH = 10
_DATE_LINE = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*", re.IGNORECASE)


@dataclass
class Collection:
    docs_dir: Path
    docs: dict[str, str]  # docid -> text (the date line left out)
    queries: dict[str, str]  # qid -> question
    qrels: dict[str, list[str]]  # qid -> relevant docids (judged queries only)


def read_collection(folder: Path, first: int | None = None) -> Collection:
    docs_dir = folder / "docs"
    docs = {
        p.stem: _DATE_LINE.sub("", p.read_text(encoding="utf-8"), count=1)
        for p in sorted(docs_dir.glob("*.txt"))
    }
    queries: dict[str, str] = {}
    for line in (folder / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = line.split("\t", 1)
            queries[qid] = text.strip()
    qrels: dict[str, list[str]] = {}
    for line in (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, docid, rel = line.split("\t")[:3]
            if int(rel) > 0:
                qrels.setdefault(qid, []).append(docid)
    judged = [q for q in queries if q in qrels]  # a question with no relevant article is left out
    if first is not None:
        judged = judged[:first]
    return Collection(
        docs_dir, docs, {q: queries[q] for q in judged}, {q: qrels[q] for q in judged}
    )


# --------------------------------------------------------------------------- measures


def measures_of(ranking: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    """trec_eval's measures of one ranking (binary judgements): AP of the first DEPTH,
    nDCG@10 (gain 1, discount log2(rank + 1)), P@10, Recall@100."""
    rel = set(relevant)
    found, precision_sum, dcg = 0, 0.0, 0.0
    for i, doc in enumerate(ranking[:DEPTH], 1):
        if doc in rel:
            found += 1
            precision_sum += found / i
            if i <= 10:
                dcg += 1 / math.log2(i + 1)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(rel), 10) + 1))
    return {
        "AP@100": precision_sum / len(rel),
        "nDCG@10": dcg / ideal,
        "P@10": sum(1 for d in ranking[:10] if d in rel) / 10,
        "R@100": found / len(rel),
    }


def measure_runs(
    runs: dict[str, dict[str, list[str]]], qrels: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """The built-in measures of every run: each per query, and the mean over the judged
    queries (one with no result counts 0)."""
    out: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        per: dict[str, dict[str, float]] = {m: {} for m in MEASURES}
        for qid, relevant in qrels.items():
            for m, value in measures_of(run.get(qid, []), relevant).items():
                per[m][qid] = value
        out[name] = {
            "mean": {m: sum(v.values()) / len(v) for m, v in per.items()},
            "per_query": per,
        }
    return out


# --------------------------------------------------------------------------- conflict


def _search_rows(
    cmd: list[str], archive: Path | str, queries: Sequence[str], options: Sequence[str], work: Path
) -> tuple[dict[str, list[dict[str, Any]]], Child]:
    """Every query of `queries` in one `conflict search --from-file` process: each query's
    result rows, in order."""
    qfile = work / "queries.txt"
    qfile.write_text("".join(q + "\n" for q in queries), encoding="utf-8")
    child = run_child(
        [*cmd, "search", "--from-file", str(qfile), *options, "--jsonl", "--index", str(archive)]
    )
    if child.returncode not in (0, 2):  # 2: a line that cannot be read (named on stderr)
        raise SystemExit(f"conflict search exited {child.returncode}:\n{child.stderr[-2000:]}")
    rows: dict[str, list[dict[str, Any]]] = {q: [] for q in queries}
    for line in child.stdout.splitlines():
        row = json.loads(line)
        rows.setdefault(row["query"], []).append(row)
    return rows, child


def as_the_table_lists(
    full: dict[str, list[dict[str, Any]]], any_rows: dict[str, list[dict[str, Any]]], depth: int
) -> dict[str, list[dict[str, Any]]]:
    """The default mode as the terminal lists it: every full match (what piped output
    lists), then the partial matches in --any's order, `depth` rows in all."""
    out = {}
    for q, rows in full.items():
        seen = {r["id"] for r in rows}
        more = [r for r in any_rows.get(q, []) if r["id"] not in seen]
        out[q] = (rows + more)[:depth]
    return out


def conflict_runs(
    cmd: list[str], col: Collection, archive: Path | str, work: Path
) -> tuple[dict[str, dict[str, list[str]]], dict[str, float]]:
    child = run_child(
        [*cmd, "ingest", str(col.docs_dir), "--index", str(archive), "--quiet", "--json"]
    )
    if child.returncode != 0:
        raise SystemExit(f"conflict ingest exited {child.returncode}:\n{child.stderr[-2000:]}")
    times = {"ingest_s": child.wall_s}
    by_text = {text: qid for qid, text in col.queries.items()}
    runs: dict[str, dict[str, list[str]]] = {}
    got: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name, options in ((ANY, ["--any"]), (DEFAULT, [])):
        got[name], child = _search_rows(
            cmd, archive, list(col.queries.values()), [*options, "--limit", str(DEPTH)], work
        )
        times[f"{name} s"] = child.wall_s
    got[DEFAULT] = as_the_table_lists(got[DEFAULT], got[ANY], DEPTH)
    for name, rows in got.items():
        runs[name] = {
            by_text[text]: [Path(r["path"]).stem for r in found] for text, found in rows.items()
        }
    return runs, times


def plain_whoosh_run(col: Collection, work: Path) -> dict[str, list[str]]:
    """Whoosh as a plain user would take it: one stemmed text field, BM25F, an OR query."""
    from whoosh import index, qparser
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    folder = work / "plain-whoosh"
    folder.mkdir()
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=StemmingAnalyzer()))
    ix = index.create_in(str(folder), schema)
    with ix.writer() as w:
        for docid, text in col.docs.items():
            w.add_document(id=docid, body=text)
    parser = qparser.QueryParser("body", schema, group=qparser.OrGroup)
    run = {}
    with ix.searcher() as s:
        for qid, text in col.queries.items():
            # lower case: the questions' AND, OR and NOT are words, not operators
            hits = s.search(parser.parse(text.lower()), limit=DEPTH)
            run[qid] = [h["id"] for h in hits]
    return run


# --------------------------------------------------------------------------- references


def references(
    col: Collection, runs: dict[str, dict[str, list[str]]], venv: Path
) -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, Any]]] | str:
    """bm25s's runs and every run's measures from ir-measures, computed in the
    benchmark's own environment; or why they could not be."""
    python = _venv_exe(venv, "python")
    probe = [str(python), "-c", "import bm25s, Stemmer, ir_measures"]
    if not python.is_file() or run_child(probe).returncode != 0:
        progress(f"installing bm25s and ir-measures into the benchmark's own environment {venv} …")
        failed = install_into(venv, REFERENCE_PACKAGES)
        if failed:
            return failed
    given = {"docs": col.docs, "queries": col.queries, "qrels": col.qrels, "runs": runs}
    with tempfile.TemporaryFile() as inp:
        inp.write(json.dumps(given).encode())
        inp.seek(0)
        done = subprocess.run(
            [str(python), str(BENCH / "relevance_refs.py")], stdin=inp, capture_output=True
        )
    if done.returncode != 0:
        return "relevance_refs.py failed: " + done.stderr.decode(errors="replace")[-1000:]
    data = json.loads(done.stdout)
    return data["runs"], data["measures"]


# --------------------------------------------------------------------------- known items


@dataclass
class Item:
    corpus: str
    file: str
    paraphrase: str
    headline: str
    paths: set[str]  # the article's file, and any other copy of it (`also`)


def read_items(corpora: Path, first: int | None = None, source: Path = KNOWN_ITEMS) -> list[Item]:
    items = []
    titles: dict[str, dict[str, str]] = {}
    with source.open(encoding="utf-8") as f:
        lines = (line for line in f if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            corpus = row["corpus"]
            if corpus not in titles:
                titles[corpus] = {}
                meta = corpora / corpus / "metadata.jsonl"
                for line in meta.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        entry = json.loads(line)
                        titles[corpus][entry["file"]] = entry.get("title") or ""
            files = [f"{corpus}/{row['file']}", *(row.get("also") or "").split()]
            paths = {str((corpora / f).resolve()) for f in files}
            headline = titles[corpus].get(row["file"], "")
            items.append(Item(corpus, row["file"], row["query"], headline, paths))
    return items[:first] if first is not None else items


def _rank(found: Sequence[str], targets: set[str]) -> int | None:
    return next((n for n, path in enumerate(found, 1) if path in targets), None)


def _scores(ranks: Sequence[int | None]) -> dict[str, float]:
    hits = [r for r in ranks if r is not None and r <= KNOWN_DEPTH]
    return {
        "success@10": len(hits) / len(ranks),
        "MRR@10": sum(1 / r for r in hits) / len(ranks),
    }


def _sidecar_titles(folder: Path) -> dict[Path, str]:
    meta = folder.parent / "metadata.jsonl"
    out: dict[Path, str] = {}
    if meta.is_file():
        for line in meta.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                out[(folder.parent / entry["file"]).resolve()] = entry.get("title") or ""
    return out


def fts5_known(
    folders: Sequence[Path], queries: dict[str, str], work: Path
) -> dict[str, list[str]]:
    """FTS5 on the same articles (title as conflict takes it: the sidecar's, else the first
    sentence; the body), porter tokenizer; each query's words ORed, ranked by
    bm25(title 2, body 1) as bench/run.py weighs them."""
    con = sqlite3.connect(work / "known.db")
    con.execute("create virtual table a using fts5(path unindexed, title, body, tokenize='porter')")
    for folder in folders:
        titles = _sidecar_titles(folder)
        for p in sorted(folder.rglob("*.txt")):
            body = _DATE_LINE.sub("", p.read_text(encoding="utf-8", errors="replace"), count=1)
            path = p.resolve()
            con.execute(
                "insert into a values (?, ?, ?)",
                (str(path), titles.get(path) or title_of(body), body),
            )
    con.commit()
    out = {}
    for key, text in queries.items():
        words = re.findall(r"\w+", text)
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = con.execute(
            "select path from a where a match ? order by bm25(a, 0.0, 2.0, 1.0) limit ?",
            (match, KNOWN_DEPTH),
        ).fetchall()
        out[key] = [r[0] for r in rows]
    con.close()
    return out


def known_items(
    cmd: list[str],
    corpora: Path,
    work: Path,
    first: int | None,
    source: Path = KNOWN_ITEMS,
    archive: Path | str | None = None,
) -> dict[str, Any]:
    items = read_items(corpora, first, source)
    named = {Path(p).relative_to(corpora.resolve()).parts[0] for i in items for p in i.paths}
    folders = sorted(corpora / c / "articles" for c in named)
    archive = archive or work / "known-archive"
    t0 = time.perf_counter()
    for folder in folders:
        child = run_child([*cmd, "ingest", str(folder), "--index", str(archive), "--quiet"])
        if child.returncode != 0:
            raise SystemExit(f"conflict ingest {folder}: exit {child.returncode}\n{child.stderr}")
    ingest_s = time.perf_counter() - t0
    sets = {"paraphrase": [i.paraphrase for i in items], "headline": [i.headline for i in items]}
    queries = {f"{kind}:{n}": q for kind, qs in sets.items() for n, q in enumerate(qs)}
    systems: dict[str, dict[str, list[str]]] = {}
    qs = sorted({q for q in queries.values() if q})
    got = {
        name: _search_rows(cmd, archive, qs, [*options, "--limit", str(KNOWN_DEPTH)], work)[0]
        for name, options in ((DEFAULT, []), (ANY, ["--any"]))
    }
    got[DEFAULT] = as_the_table_lists(got[DEFAULT], got[ANY], KNOWN_DEPTH)
    for name, rows in got.items():
        systems[name] = {
            k: [str(Path(r["path"]).resolve()) for r in rows.get(q, [])] for k, q in queries.items()
        }
    systems["FTS5 bm25 (words ORed)"] = fts5_known(folders, queries, work)
    table: dict[str, dict[str, Any]] = {}
    per_item: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        entry: dict[str, Any] = {"corpus": item.corpus, "file": item.file, "query": item.paraphrase}
        for name, run in systems.items():
            for kind in sets:
                entry[f"{name} {kind} rank"] = _rank(run[f"{kind}:{n}"], item.paths)
        per_item.append(entry)
    for name in systems:
        for kind in sets:
            ranks = [e[f"{name} {kind} rank"] for e in per_item]
            table.setdefault(name, {})[kind] = _scores(ranks)
    return {"items": len(items), "ingest_s": ingest_s, "systems": table, "per_item": per_item}


# --------------------------------------------------------------------------- report


def losses(
    col: Collection, measured: dict[str, dict[str, Any]], ours: str, ref: str, top: int = 10
) -> list[dict[str, Any]]:
    """The questions where `ours` falls furthest below `ref` in AP."""
    a, b = measured[ours]["per_query"]["AP@100"], measured[ref]["per_query"]["AP@100"]
    rows = [
        {"qid": q, "query": col.queries[q], "ours": a[q], "reference": b[q], "loss": b[q] - a[q]}
        for q in col.qrels
    ]
    return sorted(rows, key=lambda r: -r["loss"])[:top]


def markdown(result: dict[str, Any]) -> str:
    engine = result.get("engine", "whoosh")
    out = [f"# Relevance ({result['commit'] or 'no git'}; conflict's archives on {engine})", ""]
    out += [
        f"TIME collection: {result['time']['documents']} articles, "
        f"{result['time']['queries']} judged questions, top {DEPTH}; measures from "
        f"{result['time']['measured_by']}.",
        "",
        "| system | MAP | nDCG@10 | P@10 | R@100 |",
        "|---|---|---|---|---|",
    ]
    for name, m in result["time"]["measures"].items():
        mean = m["mean"]
        out.append(f"| {name} | " + " | ".join(f"{mean[k]:.3f}" for k in MEASURES) + " |")
    if result["time"].get("references_missing"):
        out += ["", f"References missing: {result['time']['references_missing']}"]
    loss = result["time"].get("losses") or []
    if loss:
        out += [
            "",
            f"Biggest losses of {ANY} against {result['time']['loss_reference']} (AP):",
            "",
            "| qid | question | ours | reference | loss |",
            "|---|---|---|---|---|",
        ]
        for r in loss:
            q = r["query"] if len(r["query"]) <= 70 else r["query"][:69] + "…"
            out.append(
                f"| {r['qid']} | {q} | {r['ours']:.3f} | {r['reference']:.3f} | {r['loss']:.3f} |"
            )
    known = result.get("known_items")
    if known:
        out += [
            "",
            f"Known items: {known['items']} articles (ingest {known['ingest_s']:.0f} s), "
            "the first 10 results.",
            "",
            "| system | paraphrase success@10 | paraphrase MRR | headline success@10 | headline MRR |",
            "|---|---|---|---|---|",
        ]
        for name, kinds in known["systems"].items():
            p, h = kinds["paraphrase"], kinds["headline"]
            out.append(
                f"| {name} | {p['success@10']:.3f} | {p['MRR@10']:.3f} | "
                f"{h['success@10']:.3f} | {h['MRR@10']:.3f} |"
            )
    return "\n".join(out) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    shared = REPO.parent / "shared"
    p.add_argument("--collection", type=Path, default=shared / "irtest" / "time")
    p.add_argument("--corpora", type=Path, default=shared / "corpora")
    p.add_argument("--queries", type=int, default=None, help="only the first K judged questions")
    p.add_argument("--items", type=int, default=None, help="only the first K known items")
    p.add_argument("--items-file", type=Path, default=KNOWN_ITEMS, help="the known items (TSV)")
    p.add_argument("--no-references", action="store_true", help="no bm25s; built-in measures")
    p.add_argument("--no-known-items", action="store_true")
    p.add_argument(
        "--engine",
        choices=("whoosh", "tantivy", "postgres"),
        default="whoosh",
        help="the engine of the archives it builds (CONFLICT_ENGINE for each ingest; "
        "postgres: team archives, a schema each, on --postgres or a server of our own)",
    )
    p.add_argument("--postgres", metavar="URL", help="the server of --engine postgres")
    p.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    p.add_argument("--json", action="store_true", help="JSON on stdout instead of Markdown")
    p.add_argument("--out", type=Path, help="also save the JSON here")
    p.add_argument("--markdown", type=Path, help="also save the Markdown here")
    return p.parse_args(argv)


def _archives(args: argparse.Namespace, work: Path, stack: ExitStack) -> dict[str, Path | str]:
    """Where the two archives are built: folders, made on --engine (CONFLICT_ENGINE); or,
    for postgres, a schema each on the server (--postgres, or one of our own)."""
    if args.engine != "postgres":
        os.environ["CONFLICT_ENGINE"] = args.engine  # every archive built here is made on it
        return {"time": work / "archive", "known": work / "known-archive"}
    import pg

    os.environ.pop("CONFLICT_ENGINE", None)  # a URL's engine is PostgreSQL
    base = stack.enter_context(pg.server(args.postgres))["primary"]
    return {"time": pg.schema_url(base, "rel_time"), "known": pg.schema_url(base, "rel_known")}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.collection / "queries.tsv").is_file():
        print(f"No test collection at {args.collection} (--collection).", file=sys.stderr)
        return 2
    from run import _git_state

    cmd = conflict_command()
    col = read_collection(args.collection, args.queries)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="conflict-relevance-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        where = _archives(args, work, stack)
        progress(f"TIME: {len(col.docs)} articles, {len(col.queries)} questions …")
        runs, times = conflict_runs(cmd, col, where["time"], work)
        runs[PLAIN] = plain_whoosh_run(col, work)
        measured_by, missing = "ir-measures", None
        refs = None if args.no_references else references(col, runs, args.venv)
        if isinstance(refs, tuple):
            runs, measured = refs
        else:
            missing = refs
            measured_by = "this script's own code (trec_eval's definitions)"
            measured = measure_runs(runs, col.qrels)
        loss_ref = BEST_REFERENCE if BEST_REFERENCE in measured else PLAIN
        result: dict[str, Any] = {
            "schema": 1,
            "commit": _git_state().get("commit"),
            "engine": args.engine,
            "time": {
                "documents": len(col.docs),
                "queries": len(col.queries),
                "measured_by": measured_by,
                "references_missing": missing,
                "seconds": times,
                "measures": measured,
                "loss_reference": loss_ref,
                "losses": losses(col, measured, ANY, loss_ref),
            },
        }
        items_file_ok = args.items_file.is_file() and args.corpora.is_dir()
        if not args.no_known_items and items_file_ok:
            progress("known items …")
            result["known_items"] = known_items(
                cmd, args.corpora, work, args.items, args.items_file, where["known"]
            )
        result["took_s"] = time.perf_counter() - started
    text = markdown(result)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    print(json.dumps(result, indent=1) if args.json else text, end="" if not args.json else "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
