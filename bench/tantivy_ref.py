#!/usr/bin/env python
"""The tantivy-alone reference of bench/run.py: the plainest use of tantivy-py on the
same files, for the issue's "conflict ingest in at most 2× the time of tantivy alone".

One index: id (integer, stored), path (raw, stored), date (stored, indexed, fast),
title and body (text, stored, tantivy's `default` tokenizer: split on what is not a
letter or digit, lower-cased, no stemming). Titles are the body's first sentence, as the
FTS5 reference takes them. One writer with its default heap; a commit every 50,000
documents and at the end, then its merging threads waited for.

Queries are built as tantivy Query objects from bench/queries.py (words in title or
body, the title boosted 2×; AND, OR, NOT, "phrases", prefix*, and the date range as a
range query on the date), never parsed from the string (a string `a NOT b` finds
nothing in tantivy 0.27).

    python bench/tantivy_ref.py ingest CORPUS DIR       # JSON: seconds, files, bytes
    python bench/tantivy_ref.py search DIR K            # query K once: a whole process
    python bench/tantivy_ref.py search-all DIR [--queries K]   # in-process, after a warm-up
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from queries import QUERIES, Query

COMMIT_EVERY = 50_000
TITLE_BOOST = 2.0
_TOKEN = re.compile(r"\"[^\"]*\"|\S+")
_WORD = re.compile(r"[^\W_]+")  # tantivy's SimpleTokenizer: alphanumeric runs


def _dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _day(date: str) -> dt.datetime:
    return dt.datetime.fromisoformat(date).replace(tzinfo=dt.timezone.utc)


def ingest(corpus: Path, where: Path, every: int = COMMIT_EVERY) -> dict[str, Any]:
    """Index every file of CORPUS (as bench/references.py's rows) into a new index."""
    t0 = time.perf_counter()
    import tantivy
    from references import rows

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True)
    sb.add_text_field("path", stored=True, tokenizer_name="raw")
    sb.add_date_field("date", stored=True, indexed=True, fast=True)
    sb.add_text_field("title", stored=True)
    sb.add_text_field("body", stored=True)
    where.mkdir(parents=True)
    index = tantivy.Index(sb.build(), path=str(where))
    writer = index.writer()
    n = 0
    for row in rows(corpus):
        doc = tantivy.Document()
        doc.add_integer("id", row["id"])
        doc.add_text("path", row["path"])
        if row["date"]:
            doc.add_date("date", _day(row["date"]))
        doc.add_text("title", row["title"])
        doc.add_text("body", row["body"])
        writer.add_document(doc)
        n += 1
        if n % every == 0:
            writer.commit()
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "files": n, "index_bytes": _dir_bytes(where)}


# --------------------------------------------------------------------------- queries


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _item(tantivy: Any, schema: Any, token: str) -> Any:
    """One word, "phrase" or prefix* in the title (boosted) or the body."""
    per_field = []
    for name in ("title", "body"):
        if token.endswith("*") and not token.startswith('"'):
            prefix = re.escape(token[:-1].lower())
            q = tantivy.Query.regex_query(schema, name, prefix + ".*")
        else:
            words = _words(token)
            if len(words) == 1:
                q = tantivy.Query.term_query(schema, name, words[0])
            else:
                q = tantivy.Query.phrase_query(schema, name, words)
        if name == "title":
            q = tantivy.Query.boost_query(q, TITLE_BOOST)
        per_field.append((tantivy.Occur.Should, q))
    return tantivy.Query.boolean_query(per_field)


def build_query(tantivy: Any, schema: Any, q: Query) -> Any:
    """Q as tantivy Query objects: OR between groups; in a group every item required
    (implicit or AND), NOT excludes the next; the date range required beside."""
    groups: list[list[tuple[Any, Any]]] = [[]]
    negate = False
    for token in _TOKEN.findall(q.match):
        if token == "OR":
            groups.append([])
        elif token == "AND":
            continue
        elif token == "NOT":
            negate = True
        else:
            occur = tantivy.Occur.MustNot if negate else tantivy.Occur.Must
            groups[-1].append((occur, _item(tantivy, schema, token)))
            negate = False
    made = []
    for group in groups:
        if all(occur == tantivy.Occur.MustNot for occur, _ in group):
            group = [(tantivy.Occur.Must, tantivy.Query.all_query()), *group]
        made.append(tantivy.Query.boolean_query(group))
    query = (
        made[0]
        if len(made) == 1
        else tantivy.Query.boolean_query([(tantivy.Occur.Should, m) for m in made])
    )
    if q.first_day or q.last_day:
        dates = tantivy.Query.range_query(
            schema,
            "date",
            tantivy.FieldType.Date,
            _day(q.first_day) if q.first_day else None,
            _day(q.last_day) + dt.timedelta(hours=23, minutes=59, seconds=59)
            if q.last_day
            else None,
        )
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, dates)]
        )
    return query


def run_query(tantivy: Any, index: Any, q: Query) -> tuple[int, list[dict[str, Any]]]:
    """The exact total and the best rows (id, date, title, path), every match for limit 0."""
    searcher = index.searcher()
    query = build_query(tantivy, index.schema, q)
    limit = q.sql_limit if q.sql_limit is not None else max(1, searcher.num_docs)
    found = searcher.search(query, limit=limit, count=True)
    rows = []
    for _, address in found.hits:
        doc = searcher.doc(address)
        date = doc.get_first("date")
        rows.append(
            {
                "id": doc.get_first("id"),
                "date": date.date().isoformat() if date else None,
                "title": doc.get_first("title"),
                "path": doc.get_first("path"),
            }
        )
    return found.count, rows


def search_one(where: Path, k: int) -> dict[str, Any]:
    import tantivy

    index = tantivy.Index.open(str(where))
    total, rows = run_query(tantivy, index, QUERIES[k])
    return {"total": total, "rows": rows}


def search_all(where: Path, count: int) -> dict[str, Any]:
    """Each of the first COUNT queries timed in one process, after one untimed pass."""
    import tantivy

    index = tantivy.Index.open(str(where))
    for q in QUERIES[:count]:
        run_query(tantivy, index, q)
    out = []
    for q in QUERIES[:count]:
        t0 = time.perf_counter()
        total, rows = run_query(tantivy, index, q)
        out.append({"ms": (time.perf_counter() - t0) * 1000, "total": total, "rows": len(rows)})
    return {"queries": out}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/tantivy_ref.py")
    sub = p.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("ingest")
    sp.add_argument("corpus", type=Path)
    sp.add_argument("dir", type=Path)
    sp.add_argument("--every", type=int, default=COMMIT_EVERY)
    sp = sub.add_parser("search")
    sp.add_argument("dir", type=Path)
    sp.add_argument("k", type=int)
    sp = sub.add_parser("search-all")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--queries", type=int, default=len(QUERIES))
    args = p.parse_args(argv)
    if args.command == "ingest":
        result = ingest(args.corpus, args.dir, args.every)
    elif args.command == "search":
        result = search_one(args.dir, args.k)
    else:
        result = search_all(args.dir, args.queries)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
