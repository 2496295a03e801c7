#!/usr/bin/env python
"""conflict's search in one process: `Archive.search` timed over bench/queries.py's
queries, after one untimed pass (the engine open, its caches warm), as a program that
uses the package would see it. Each query's time covers reading the request (as the
command line does: Filters.request) and the search with the fields the target's figure
prints (id, date, title, path: no snippets, so no text is read). Run by bench/run.py in a
child process of its own; prints JSON.

    python bench/inprocess.py ARCHIVE [--queries K]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from queries import QUERIES


def search_all(archive_dir: Path, count: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    from conflictcli.archive import Archive
    from conflictcli.filters import Filters

    archive = Archive.open(archive_dir)
    opened = time.perf_counter() - t0

    def once(k: int) -> int:
        q = QUERIES[k]
        req = Filters(query=q.text, since=q.since, until=q.until).request(limit=q.limit)
        return archive.search(req, snippets=False).total

    t1 = time.perf_counter()
    for k in range(count):
        once(k)
    warm = time.perf_counter() - t1
    out = []
    for k in range(count):
        t = time.perf_counter()
        total = once(k)
        out.append({"ms": (time.perf_counter() - t) * 1000, "total": total})
    kind = getattr(archive, "kind", None)  # the archive's engine, where it has a choice
    engine = kind.NAME if kind is not None else "whoosh"
    archive.close()
    return {"open_s": opened, "warmup_s": warm, "engine": engine, "queries": out}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/inprocess.py")
    p.add_argument("archive", type=Path)
    p.add_argument("--queries", type=int, default=len(QUERIES))
    args = p.parse_args(argv)
    print(json.dumps(search_all(args.archive, args.queries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
