#!/usr/bin/env python
"""The crash harness: kill `conflict ingest` with SIGKILL at random moments and check
that nothing is lost. Outside the test suite (tests/test_reliability.py runs a small
version); run by hand:

    python bench/crash.py --trials 50 --articles 3000        # prints a Markdown report
    python bench/crash.py --trials 5 --articles 600 --json
    python bench/crash.py --trials 10 --team postgresql://me@127.0.0.1:5432/conflict

With --team URL, each archive (the reference and every trial's) is a team archive in a
PostgreSQL schema of its own on that server (made, and dropped after, by the harness).

A corpus of N articles (bench/corpus.py: paragraphs of ../shared/corpora recombined, or
synthetic words) is written in every input format conflict reads: .txt, .md, CSV, TSV,
JSON Lines, a JSON array, gzip- and bz2-compressed files, saved web pages. One
uninterrupted ingest gives the reference: its article count and the totals of a fixed
set of queries. Each trial ingests a tenth of the corpus (committed), starts an ingest
of all of it, kills it with SIGKILL after a random fraction of the reference's time,
and checks the archive: it opens; `conflict check` finds the catalogue and the index
in agreement; `stats`, `search` and `show` agree on what is in it; it holds at least
what was committed before the kill (the articles ingested before, and every checkpoint
the killed ingest made: it commits after 500 articles, then every 1,000;
`--checkpoint N` for every N). Then the ingest runs again, and must reach the
reference's count and totals. The killed ingest's worker processes must have ended
within seconds. Every failed check is counted as lost, and named in the trial's
`wrong` (and on stderr as the trial ends).

On a team archive the archive is checked once the server has no backend left of the
killed ingest's connections (found by their ports in pg_stat_activity; at most a
minute): a COMMIT sent just before the kill still lands, and one read before it would
be counted against what it reads after.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import csv
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DEFAULT_CORPORA, corpus_files, generate, split_article

QUERIES = ["Zelensky", "grain", "Mariupol", '"nuclear power plant"', "Kharkiv OR Kherson"]
FORMATS = ["txt", "md", "csv", "tsv", "jsonl", "json", "txt.gz", "jsonl.bz2", "html"]


def write_formats(texts: list[str], out: Path) -> None:
    """The articles spread over every input format, 20 rows to a table or lines file."""
    groups: dict[str, list[tuple[str | None, str]]] = {f: [] for f in FORMATS}
    for n, text in enumerate(texts):
        groups[FORMATS[n % len(FORMATS)]].append(split_article(text))
    for fmt, items in groups.items():
        folder = out / fmt.replace(".", "-")
        folder.mkdir(parents=True)
        if fmt in ("txt", "md", "txt.gz", "html"):
            for n, (date, body) in enumerate(items):
                if fmt == "html":
                    import html

                    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
                    meta = f'<meta property="article:published_time" content="{date}">'
                    data = (
                        f"<html><head>{meta}</head><body><article>{paras}</article></body></html>"
                    )
                    (folder / f"{n:05d}.html").write_text(data, encoding="utf-8")
                    continue
                data = f" date {date or ''}\n{body}\n".encode()
                if fmt == "txt.gz":
                    (folder / f"{n:05d}.txt.gz").write_bytes(gzip.compress(data))
                else:
                    (folder / f"{n:05d}.{fmt}").write_bytes(data)
            continue
        for k in range(0, len(items), 20):
            rows = [{"text": body, "date": date} for date, body in items[k : k + 20]]
            name = folder / f"{k // 20:04d}"
            if fmt in ("csv", "tsv"):
                buf = io.StringIO()
                w = csv.DictWriter(buf, ["text", "date"], delimiter="," if fmt == "csv" else "\t")
                w.writeheader()
                w.writerows(rows)
                name.with_suffix(f".{fmt}").write_text(buf.getvalue(), encoding="utf-8")
            elif fmt == "json":
                name.with_suffix(".json").write_text(json.dumps(rows), encoding="utf-8")
            else:
                lines = "".join(json.dumps(r) + "\n" for r in rows).encode()
                data = bz2.compress(lines) if fmt.endswith("bz2") else lines
                Path(f"{name}.{fmt}").write_bytes(data)


def conflict(
    args: list[str], archive: Path | str, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONFLICT_INDEX=str(archive))
    return subprocess.run(
        ["conflict", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def as_json(r: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def totals(archive: Path | str) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for q in QUERIES:
        got = as_json(conflict(["search", q, "--json", "--limit", "0"], archive)) or {}
        out[q] = got.get("total") if got.get("total") == len(got.get("results", [])) else None
    return out


def articles(archive: Path | str) -> int:
    return int((as_json(conflict(["stats", "--json"], archive)) or {}).get("articles", -1))


def inspect(archive: Path | str, before: int, first: Path) -> list[str]:
    """What is wrong with the archive after a kill (empty: nothing)."""
    wrong = []
    held = articles(archive)
    if held < before:
        wrong.append(f"{held} articles after the kill; {before} were committed before it")
    checked = conflict(["check", "--json"], archive)
    report = as_json(checked) or {}
    if checked.returncode != 0 or not report.get("ok"):
        kinds = [p.get("kind") for p in report.get("problems", [])]
        wrong.append(f"check: rc={checked.returncode} {kinds or checked.stderr.strip()[:200]}")
    if report.get("indexed") not in (None, held):
        wrong.append(f"stats says {held} articles, the index holds {report.get('indexed')}")
    for q, n in totals(archive).items():
        if n is None:
            wrong.append(f"search {q!r}: total and list disagree")
    some = next(iter(sorted(first.rglob("*.txt"))), None)
    if some is not None and conflict(["show", str(some)], archive).returncode != 0:
        wrong.append(f"show {some.name}: not found")
    return wrong


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux: read from /proc; elsewhere none)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            kids.append(int(stat.parent.name))
    return kids


def outlived(pids: list[int], wait: float = 5.0) -> list[int]:
    """Those of `pids` still running after `wait` seconds (a zombie has ended);
    they are killed, so that one trial's leftovers do not slow the next."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return alive


def ports(pid: int) -> list[int]:
    """The local ports of the TCP connections process `pid` holds (Linux: read from
    /proc; elsewhere, or over a Unix socket, none)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[9] in inodes:
                    found.append(int(fields[1].rsplit(":", 1)[1], 16))
    return found


def backends_left(url: str, client_ports: list[int], wait: float = 60.0) -> list[int]:
    """The server processes (of the server at `url`) that still serve the connections of
    a killed client (by its ports) after `wait` seconds; waited for until none does. A
    backend runs the statement it was given to its end (a COMMIT sent before the kill
    commits), and a transaction left open holds its locks until the backend sees the
    connection closed: what the archive holds after the kill is read once they are gone."""
    if not client_ports:
        return []
    import psycopg

    deadline = time.monotonic() + wait
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            left = [
                int(pid)
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s) "
                    "AND pid <> pg_backend_pid()",
                    (client_ports,),
                )
            ]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)


class Places:
    """Where each archive of a run is: a folder in `work`, or with `team` (a PostgreSQL
    URL) a schema of its own on that server."""

    def __init__(self, work: Path, team: str | None) -> None:
        self.work, self.team = work, team
        self.schemas: list[str] = []

    def __call__(self, name: str) -> Path | str:
        if self.team is None:
            return self.work / name
        from urllib.parse import quote

        import psycopg

        schema = f"crash_{os.getpid()}_{name}"
        with psycopg.connect(self.team, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
        self.schemas.append(schema)
        sep = "&" if "?" in self.team else "?"
        return f"{self.team}{sep}options={quote('-csearch_path=' + schema)}"

    def drop(self, where: Path | str) -> None:
        if isinstance(where, Path):
            subprocess.run(["rm", "-rf", str(where)], check=False)
            return
        import psycopg

        schema = where.rsplit("%3D", 1)[-1]
        if schema in self.schemas:
            with psycopg.connect(self.team, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def trial(
    ix: Path | str, corpus: Path, first: Path, delay: float, want: tuple[int, Any], team: bool
) -> dict[str, Any]:
    """One trial on the archive `ix`: the first part ingested, an ingest of the whole
    corpus killed after `delay` seconds, the archive checked, the ingest run again and
    compared with the reference (`want`: its articles and totals). Whether the kill
    landed mid-ingest, the articles before it and after it, and what was `wrong`: a
    line for each check that failed."""
    conflict(["ingest", str(first), "--quiet"], ix)
    before = articles(ix)
    p = subprocess.Popen(
        ["conflict", "ingest", str(corpus), "--quiet"],
        env=dict(os.environ, CONFLICT_INDEX=str(ix)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    landed = p.poll() is None
    kids = children(p.pid)  # its worker processes
    held = ports(p.pid) if team else []  # its connections to the server
    p.send_signal(signal.SIGKILL)
    p.wait()
    wrong = []
    stuck = backends_left(str(ix), held)
    if stuck:
        wrong.append(f"{len(stuck)} server backends of the killed ingest still ran after 60 s")
    after = articles(ix)
    wrong += inspect(ix, before, first)
    left = outlived(kids)
    if left:
        wrong.append(f"{len(left)} worker processes outlived the killed ingest")
    again = conflict(["ingest", str(corpus), "--quiet"], ix)
    if again.returncode != 0:
        wrong.append(f"the ingest run again: rc={again.returncode} {again.stderr.strip()[:200]}")
    if articles(ix) != want[0]:
        wrong.append(f"run again: {articles(ix)} articles, want {want[0]}")
    if totals(ix) != want[1]:
        wrong.append(f"run again: totals {totals(ix)}, want {want[1]}")
    return {"landed": landed, "before": before, "after_kill": after, "wrong": wrong}


def run(
    trials: int, n: int, seed: int, corpora: Path, keep: bool, team: str | None = None
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="conflict-crash-"))
    place = Places(work, team)
    plain = work / "plain"
    generate(plain, n, seed=seed, corpora=corpora)
    texts = [p.read_text(encoding="utf-8") for p in corpus_files(plain)]
    corpus = work / "corpus"
    write_formats(texts, corpus)
    first = corpus / "txt"  # the part ingested (and committed) before each trial
    ref = place("ref")
    t0 = time.perf_counter()
    made = conflict(["ingest", str(corpus), "--quiet"], ref)
    span = time.perf_counter() - t0
    if made.returncode != 0:
        raise SystemExit(f"the reference ingest failed: {made.stderr}")
    want = (articles(ref), totals(ref))
    rng = random.Random(seed)
    rows = []
    for k in range(trials):
        ix = place(f"trial{k}")
        at = rng.uniform(0.05, 0.95)
        row: dict[str, Any] = {"trial": k, "at": round(at, 2)}
        row.update(trial(ix, corpus, first, span * at, want, team is not None))
        rows.append(row)
        print(
            f"trial {k}: kill at {at:.0%} {'mid-ingest' if row['landed'] else 'after the end'}, "
            f"{row['before']} -> {row['after_kill']} articles, {len(row['wrong'])} problems"
            + "".join(f"\n  - {w}" for w in row["wrong"]),
            file=sys.stderr,
        )
        if not keep:
            place.drop(ix)
    if not keep:
        place.drop(ref)
    return {
        "articles": want[0],
        "formats": FORMATS,
        "reference_ingest_s": round(span, 1),
        "trials": trials,
        "landed_mid_ingest": sum(r["landed"] for r in rows),
        "kept_progress": sum(r["after_kill"] > r["before"] for r in rows),
        "trials_with_losses": sum(bool(r["wrong"]) for r in rows),
        "rows": rows,
        "work": str(work),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"- corpus: {report['articles']:,} articles in {len(report['formats'])} formats "
        f"({', '.join(report['formats'])}); reference ingest {report['reference_ingest_s']} s",
        f"- trials: {report['trials']}; kills that landed mid-ingest: "
        f"{report['landed_mid_ingest']}; kills after which the archive held more than "
        f"before the ingest (progress kept): {report['kept_progress']}",
        f"- trials with anything lost or inconsistent: **{report['trials_with_losses']}**",
        "",
        "| trial | kill at | mid-ingest | articles before | after the kill | problems |",
        "|---:|---:|:---:|---:|---:|---|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['trial']} | {r['at']:.0%} | {'yes' if r['landed'] else 'no'} | {r['before']:,} "
            f"| {r['after_kill']:,} | {'; '.join(r['wrong']) or '–'} |"
        )
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=50)
    p.add_argument("--articles", type=int, default=3000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.add_argument("--keep", action="store_true", help="keep each trial's archive")
    p.add_argument("--team", metavar="URL", help="team archives on this PostgreSQL server")
    p.add_argument(
        "--checkpoint",
        type=int,
        help="articles between checkpoints (default 500 first, then 1,000)",
    )
    a = p.parse_args()
    if a.checkpoint:
        os.environ["CONFLICT_CHECKPOINT"] = str(a.checkpoint)
    report = run(a.trials, a.articles, a.seed, a.corpora, a.keep, a.team)
    print(json.dumps(report, indent=1) if a.json else markdown(report))
    return 1 if report["trials_with_losses"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
