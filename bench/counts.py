#!/usr/bin/env python
"""What exact totals cost: `conflict search` (exact total, exact first page) against
Whoosh's own search as the foundation called it (`searcher.search(q, limit=10,
filter=...)` and `len(results)`), on the same archive, in the same process and run.

    python bench/counts.py --index /tmp/ukr --repeat 7      # an archive you have
    python bench/counts.py --repeat 5                       # ingests ukraine-media-2022 first

Prints one row per case: the median time of each (min–max), their ratio, and both
totals, so that the reference's wrong totals show beside the time they saved.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conflictcli.archive import Archive  # noqa: E402
from conflictcli.engine.whoosh.translate import day_range  # noqa: E402
from conflictcli.ingest import ingest  # noqa: E402
from conflictcli.query import build_request  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "ukraine-media-2022" / "articles"
CASES = [
    ("Ukraine", None, None),
    ("Ukraine", "2022-07", "2022-07"),
    ("Kyiv", "2022-07", "2022-07"),
    ("HIMARS", "2022-08", None),
    ("source:RT", "2022-10", None),
    ("Kyiv OR (Syria NOT NATO)", None, None),
    ("Ukraine NOT NATO", None, None),
    ("Kharkiv counteroffensive", None, None),
    ('"grain deal"', None, None),
]


def _date_filter(req: Any) -> Any:
    """The dates of a request as Whoosh's own search took them: a filter query."""
    return day_range("date", req.since, req.until) if req.since or req.until else None


def timed(fn: Callable[[], int], repeat: int) -> tuple[list[float], int]:
    times, value = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return times, value


def ms(times: list[float]) -> str:
    low, mid, high = min(times), statistics.median(times), max(times)
    return f"{mid * 1000:.0f} ({low * 1000:.0f}–{high * 1000:.0f})"


def measure(
    archive: Archive, text: str, since: str | None, until: str | None, limit: int, repeat: int
) -> tuple[str, float]:
    """One row: conflict's exact search and exact count against Whoosh as before."""
    engine = archive.engine
    req = build_request(text, since, until, limit=limit)
    q = engine.parse(text).query

    def exact() -> int:
        return archive.search(req).total

    def count() -> int:
        return engine.count(req)

    def before() -> int:
        with engine._ix.searcher() as s:
            return len(s.search(q, limit=limit, filter=_date_filter(req), terms=True))

    exact()  # warm the caches for both
    ex, n_exact = timed(exact, repeat)
    ct, _ = timed(count, repeat)
    bf, n_before = timed(before, repeat)
    ratio = statistics.median(ex) / statistics.median(bf)
    label = text + (f" --since {since}" if since else "") + (f" --until {until}" if until else "")
    wrong = "" if n_before == n_exact else " (wrong)"
    row = f"| {label} | {ms(ex)} | {ms(ct)} | {ms(bf)} | {ratio:.2f} | {n_exact} | {n_before}{wrong} |"
    return row, ratio


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="an existing archive (default: ingest the corpus)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--limit", type=int, default=10)
    args = ap.parse_args()
    tmp = None
    where = args.index
    if where is None:
        if not CORPUS.is_dir():
            print(f"corpus not found: {CORPUS}", file=sys.stderr)
            return 2
        tmp = tempfile.TemporaryDirectory()
        where = Path(tmp.name) / "ix"
        print(f"ingesting {CORPUS} …", file=sys.stderr)
        ingest(where, [CORPUS])
    archive = Archive.open(where)
    print(
        "| case | search, exact (ms) | exact count alone (ms) | Whoosh as before (ms) "
        "| search / before | total exact | total before |"
    )
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for text, since, until in CASES:
        row, ratio = measure(archive, text, since, until, args.limit, args.repeat)
        ratios.append(ratio)
        print(row)
    print(
        f"\nmedian ratio search / before: {statistics.median(ratios):.2f} "
        "(the search includes snippets for the page and reading the catalogue)"
    )
    archive.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
