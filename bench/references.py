#!/usr/bin/env python
"""The benchmark's references, each run by bench/run.py in a child process of its own.

A child keeps the benchmark's own process small: a child's peak memory (its rusage)
counts what its parent held when it was started, so the parent must stay small while it
starts the `conflict ingest` whose peak it reports. Each subcommand prints JSON on stdout.

    python bench/references.py inventory CORPUS
    python bench/references.py naive-whoosh CORPUS DIR
    python bench/references.py fts5-ingest CORPUS DB
    python bench/references.py fts5-search DB              # the queries of queries.py
    python bench/references.py fts5-ids DB TERM            # every id of TERM (JSONL)
    python bench/references.py jsonl CORPUS FILE           # input for `sqlite-utils insert`
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from corpus import iter_corpus_files, split_article
from queries import QUERIES, Query

SAMPLES = 5  # articles that `show` is timed on
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)


def title_of(body: str, width: int = 100) -> str:
    """The first sentence of the body, shortened, as conflict derives its titles."""
    first = body.split("\n", 1)[0].strip()
    m = _SENTENCE.match(first)
    title = m.group(1) if m else first
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def rows(corpus: Path) -> Iterator[dict[str, Any]]:
    """One row per corpus file, ids 1..n in path order: id, path, date, title, body."""
    for i, path in enumerate(iter_corpus_files(corpus), 1):
        date, body = split_article(path.read_text(encoding="utf-8", errors="replace"))
        yield {"id": i, "path": str(path), "date": date, "title": title_of(body), "body": body}


# --------------------------------------------------------------------------- commands


def inventory(corpus: Path) -> dict[str, Any]:
    """Files and bytes of the corpus, and SAMPLES paths spread evenly over it (two passes
    over the folders: no list of every file is held)."""
    files = size = 0
    for path in iter_corpus_files(corpus):
        files += 1
        size += path.stat().st_size
    step = max(1, files // SAMPLES)
    picked = list(range(step // 2, files, step))[:SAMPLES]
    wanted = set(picked)
    samples = [str(p) for k, p in enumerate(iter_corpus_files(corpus)) if k in wanted]
    return {
        "files": files,
        "bytes": size,
        "samples": samples,
        "sample_rows": [k + 1 for k in picked],  # their ids in the tables of rows()
    }


def naive_whoosh(corpus: Path, where: Path) -> dict[str, Any]:
    """One default Whoosh writer, every file's full text, one commit."""
    t0 = time.perf_counter()
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    where.mkdir(parents=True)
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=StemmingAnalyzer()))
    ix = create_in(str(where), schema)
    writer = ix.writer()
    files = 0
    for path in iter_corpus_files(corpus):
        writer.add_document(id=path.name, body=path.read_text(encoding="utf-8", errors="replace"))
        files += 1
    writer.commit()
    ix.close()
    return {"seconds": time.perf_counter() - t0, "files": files}


FTS5_SCHEMA = """
create table articles (id integer primary key, path text, date text, title text, body text);
create virtual table articles_fts using fts5(
    title, body, content='articles', content_rowid='id', tokenize='porter'
);
"""


def fts5_ingest(corpus: Path, db: Path) -> dict[str, Any]:
    """SQLite FTS5 from the standard library: a table of articles, its FTS5 index, a date
    index, one transaction."""
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    con.executescript(FTS5_SCHEMA)
    with con:
        con.executemany(
            "insert into articles values (:id, :path, :date, :title, :body)", rows(corpus)
        )
        con.execute("insert into articles_fts(articles_fts) values ('rebuild')")
        con.execute("create index articles_date on articles(date)")
    files = con.execute("select count(*) from articles").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - t0, "files": files, "db_bytes": db.stat().st_size}


def _where(q: Query) -> tuple[str, dict[str, Any]]:
    sql = "articles_fts match :q"
    params: dict[str, Any] = {"q": q.match}
    if q.first_day:
        sql += " and a.date >= :since"
        params["since"] = q.first_day
    if q.last_day:
        sql += " and a.date <= :until"
        params["until"] = q.last_day
    return sql, params


def fts5_query(con: sqlite3.Connection, q: Query) -> tuple[int, list[tuple[Any, ...]]]:
    """Conflict's work in FTS5: the exact total, and the best rows with a snippet (title
    weighs twice the body, as in conflict)."""
    where, params = _where(q)
    base = "from articles_fts join articles a on a.id = articles_fts.rowid where " + where
    total = con.execute("select count(*) " + base, params).fetchone()[0]
    found = con.execute(
        "select a.id, a.date, a.title, a.path,"
        " snippet(articles_fts, 1, '[', ']', '…', 16), bm25(articles_fts, 2.0, 1.0) as score "
        + base
        + " order by score limit :limit",
        {**params, "limit": -1 if q.sql_limit is None else q.sql_limit},
    ).fetchall()
    return total, found


def fts5_search(db: Path, count: int) -> dict[str, Any]:
    """Each of the first COUNT queries once, timed in-process, on an open connection."""
    con = sqlite3.connect(db)
    out = []
    for q in QUERIES[:count]:
        t0 = time.perf_counter()
        total, found = fts5_query(con, q)
        out.append({"ms": (time.perf_counter() - t0) * 1000, "total": total, "rows": len(found)})
    con.close()
    return {"queries": out}


def fts5_ids(db: Path, term: str) -> dict[str, Any]:
    """Every id that TERM matches (title or body), one JSON object a line on stdout, as
    `conflict search TERM --jsonl --fields id -n 0` prints them: run as a whole process,
    it is FTS5's time for that list. Returns the in-process time of the query, fetch and
    writing (the caller prints it on stderr)."""
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    rows = con.execute("select rowid from articles_fts where articles_fts match :q", {"q": term})
    out = sys.stdout
    total = 0
    for (rowid,) in rows:
        out.write(f'{{"id": {rowid}}}\n')
        total += 1
    out.flush()
    con.close()
    return {"ms": (time.perf_counter() - t0) * 1000, "total": total}


def jsonl(corpus: Path, out: Path) -> dict[str, Any]:
    """The corpus as newline-delimited JSON, the input `sqlite-utils insert --nl` reads."""
    t0 = time.perf_counter()
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for row in rows(corpus):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return {"seconds": time.perf_counter() - t0, "files": n}


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/references.py")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("inventory").add_argument("corpus", type=Path)
    for name, second in (("naive-whoosh", "dir"), ("fts5-ingest", "db"), ("jsonl", "file")):
        sp = sub.add_parser(name)
        sp.add_argument("corpus", type=Path)
        sp.add_argument(second, type=Path)
    sp = sub.add_parser("fts5-ids")
    sp.add_argument("db", type=Path)
    sp.add_argument("term")
    sp = sub.add_parser("fts5-search")
    sp.add_argument("db", type=Path)
    sp.add_argument("--queries", type=int, default=len(QUERIES))
    args = p.parse_args(argv)
    if args.command == "inventory":
        result = inventory(args.corpus)
    elif args.command == "naive-whoosh":
        result = naive_whoosh(args.corpus, args.dir)
    elif args.command == "fts5-ingest":
        result = fts5_ingest(args.corpus, args.db)
    elif args.command == "jsonl":
        result = jsonl(args.corpus, args.file)
    elif args.command == "fts5-ids":  # the ids on stdout, the facts on stderr
        print(json.dumps(fts5_ids(args.db, args.term)), file=sys.stderr)
        return 0
    else:
        result = fts5_search(args.db, args.queries)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
