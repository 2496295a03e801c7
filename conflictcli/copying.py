"""`conflict copy --from A --to B`: an archive's catalogue copied into another archive
(a folder's or a team's in PostgreSQL, either way), without reading the files it was
ingested from: every article with its text, story and language, every file record and
link, the stories' bands and sketches (so that a later ingest finds copies of what was
copied); then the target's search index built from its catalogue. An article the
target holds already is kept as it is (the same id is the same text)."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from conflictcli import team
from conflictcli.articles import Article
from conflictcli.filing import NoProgress, Progress
from conflictcli.ingest import rebuild_index
from conflictcli.records.upkeep import IngestSummary
from conflictcli.store import Store

BATCH = 2_000  # articles written in one transaction of the target's catalogue


def copy(
    source: Path | str, target: Path | str, wait: float, progress: Progress | None = None
) -> IngestSummary:
    t0 = time.perf_counter()
    src = team.open_archive(source)
    try:
        dst = team.open_archive(target, create=True)
        try:
            with dst.writing(wait):
                copied, files = _catalogue(src.store, dst.store)
                summary = rebuild_index(dst, progress or NoProgress())
                summary.articles_added, summary.added = copied, files
                summary.articles = dst.store.article_count()
                summary.articles_unchanged = summary.articles - copied
        finally:
            dst.close()
    finally:
        src.close()
    summary.took_s = round(time.perf_counter() - t0, 3)
    return summary


def _catalogue(src: Store, dst: Store) -> tuple[int, int]:
    """The articles, files, links, bands and sketches of `src` put into `dst`."""
    copied = 0
    batch = []
    for a in src.iter_articles():
        batch.append(a)
        if len(batch) >= BATCH:
            copied += _articles(dst, batch)
            batch = []
    copied += _articles(dst, batch)
    links: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for path, row, article_id in src.all_links():
        links[path].append((row, article_id))
    files = src.all_files()
    bands, sketches = src.all_bands()
    with dst.batch():
        for path, rec in files.items():
            dst.put_file(rec, links.get(path, []))
        dst.put_all_bands(bands, sketches)
        scheme = src.meta("stories")
        if scheme is not None:
            dst.set_meta("stories", scheme)
    dst.commit()
    return copied, len(files)


def _articles(dst: Store, batch: list[Article]) -> int:
    n = 0
    with dst.batch():
        for a in batch:
            if not dst.has_article(a.id):
                dst.put_article(a)
                n += 1
    dst.commit()
    return n
