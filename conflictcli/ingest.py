"""Ingest: files in, articles into the catalogue and the search index.

Incremental by content hash: an unchanged file is skipped, a changed one replaced, and
with `prune` the articles of files that are gone are removed. A file that cannot be
read is reported and skipped; the batch goes on, and nothing already in the archive is
touched by a file that fails. Both stores commit at checkpoints on the way (every
CHECKPOINT_ARTICLES articles or CHECKPOINT_S seconds) and at the end, the index first
and the catalogue after it: a run that dies keeps what it committed, and the next one
goes on from there. A run that dies between the two commits leaves the index ahead
of the catalogue; the next ingest puts it right before anything else (check.reconcile).

This module runs an ingest and rebuilds an index; reading.py reads the files and
analyses their articles (in worker processes), filing.py files what they give in the
catalogue and the index.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from conflictcli import reading, team, workers
from conflictcli.archive import ENGINE_KEY, INDEX_LAYOUT, Archive
from conflictcli.articles import Article
from conflictcli.check import reconcile
from conflictcli.engine import DEFAULT as DEFAULT_ENGINE
from conflictcli.engine import chosen
from conflictcli.errors import WAIT_S, ArchiveMissing, DataError, UsageError
from conflictcli.filing import Filing, NoProgress, Progress
from conflictcli.readers import Sidecars, discover, streams
from conflictcli.reading import (
    STREAM_BATCH,
    Workers,
    batched,
    in_workers,
    index_batch,
    reads,
)
from conflictcli.records.upkeep import IngestSummary, Skipped
from conflictcli.store import FileRecord, Store, now_iso
from conflictcli.stories import Stories

if TYPE_CHECKING:
    from conflictcli.engine.base import Writer  # the engine loads only when there is work

CHECKPOINT_ARTICLES = 1_000  # an ingest commits at least every this many changes ...
CHECKPOINT_S = 30.0  # ... or this many seconds, whichever comes first ...
# ... and first after this many: a run stopped early keeps some work (each checkpoint
# costs the writer a segment's worth of terms)
CHECKPOINT_FIRST = 500


def ingest(
    location: Path | str,
    paths: list[Path],
    prune: bool = False,
    progress: Progress | None = None,
    rehash: bool = False,
    rebuild: bool = False,
    columns: dict[str, str] | None = None,
    wait: float = WAIT_S,
    dayfirst: bool = False,
    engine: str | None = None,
) -> IngestSummary:
    """Ingest `paths` into the archive at `location`, creating it if needed (but not
    before the paths are known to exist). A known file whose size and modification
    time are unchanged is not read at all, unless `rehash`. `rebuild` builds the
    search index again from the catalogue first (an ingest does it anyway when the
    index was built by an older version). Another ingest writing to the archive is
    waited for, up to `wait` seconds (ArchiveBusy after that). `dayfirst`: numeric dates
    that read either way (05.11.2024) are day first in every file (dates.settle).
    `engine`: the engine of an archive made now (engine.chosen); an archive that is
    there keeps its own, and naming another is a UsageError."""
    t0 = time.perf_counter()
    found = discover(paths)
    roots = [Path(p).expanduser().resolve() for p in paths]
    asked = _Asked(found.files, roots, prune, rehash, rebuild, Sidecars(columns, dayfirst))
    if isinstance(location, str):  # a team archive (team.py): no folder to make
        summary = _ingest_team(location, asked, progress or NoProgress(), engine)
        summary.ignored = found.ignored
        summary.skipped[:0] = [Skipped(path, why) for path, why in found.refused]
        summary.took_s = round(time.perf_counter() - t0, 3)
        return summary
    location = location.expanduser().absolute()
    existed = location.exists()
    made = None if Archive.exists(location) else _first_missing(location)
    archive = Archive.open(location, create=True, engine_name=engine)
    try:
        _same_engine(archive, engine)
        with archive.writing(wait):
            summary = _ingest(archive, asked, progress or NoProgress())
    finally:
        archive.close()
    summary.ignored = found.ignored
    summary.skipped[:0] = [Skipped(path, why) for path, why in found.refused]
    if made is not None and summary.articles == 0:
        _unmake(location, made, existed)  # a new archive that got nothing is not kept
    summary.took_s = round(time.perf_counter() - t0, 3)  # with both commits
    return summary


def _ingest_team(
    location: str, asked: _Asked, progress: Progress, engine: str | None = None
) -> IngestSummary:
    """An ingest into the team archive at `location` (made if missing): other writers
    may write at the same time, taking turns at each commit. Its engine is PostgreSQL:
    naming one is a UsageError."""
    archive = team.open_archive(location, create=True, engine_name=engine)
    try:
        return _ingest(archive, asked, progress)
    finally:
        archive.close()


def reindex(
    location: Path | str,
    progress: Progress | None = None,
    wait: float = WAIT_S,
    engine: str | None = None,
) -> IngestSummary:
    """Build the search index of the archive at `location` again from its catalogue,
    without reading the index there (an archive from elsewhere, a damaged index);
    with `engine`, that engine's index, which the archive uses from then on (the other
    engine's index is removed once the new one is committed)."""
    t0 = time.perf_counter()
    if isinstance(location, str):
        if engine is not None:
            raise UsageError("A team archive's engine is PostgreSQL: --engine is not for it.")
    else:
        location = location.expanduser().absolute()
        if not Archive.exists(location):
            raise ArchiveMissing(str(location))
    archive = team.open_archive(location, create=True)
    try:
        with archive.writing(wait):
            before = archive.kind
            if engine is not None:
                archive.switch(chosen(engine))
            summary = rebuild_index(archive, progress)
            if archive.kind.NAME != before.NAME:
                _drop_index(archive.folder / before.FOLDER)
                summary.warnings.append(
                    f"the archive now uses the {archive.kind.NAME} engine (the {before.NAME} "
                    "index was removed)"
                )
    finally:
        archive.close()
    summary.took_s = round(time.perf_counter() - t0, 3)
    return summary


def _same_engine(archive: Archive, engine: str | None) -> None:
    if engine is not None and chosen(engine) != archive.kind.NAME:
        raise UsageError(
            f"The archive in {archive.folder} uses the {archive.kind.NAME} engine; --engine "
            "chooses the engine of a new archive.",
            f"Run 'conflict reindex --engine {chosen(engine)} --index {archive.folder}' to "
            "move it to that engine (its catalogue keeps every text), then ingest.",
        )


def _drop_index(folder: Path) -> None:
    """An engine's index the archive no longer uses (never through a link)."""
    if folder.is_symlink():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def rebuild_index(archive: Archive, progress: Progress | None = None) -> IngestSummary:
    """The search index of `archive` built again from the catalogue (the caller holds
    archive.writing())."""
    return _ingest(archive, _Asked(rebuild=True), progress or NoProgress())


def _first_missing(location: Path) -> Path:
    """The outermost folder on the way to `location` that does not exist yet."""
    made = location
    for parent in location.parents:
        if parent.exists():
            break
        made = parent
    return made


def _unmake(location: Path, made: Path, existed: bool) -> None:
    if existed:  # an empty folder the user gave (Archive.open refuses a non-empty one)
        for child in location.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    else:
        shutil.rmtree(made, ignore_errors=True)


@dataclass
class _Asked:
    """What an ingest is asked to do."""

    files: list[str] = field(default_factory=list)  # every file found under the paths
    roots: list[Path] = field(default_factory=list)  # the paths, where prune looks
    prune: bool = False  # forget the files under the roots that are gone
    rehash: bool = False  # read every file, even one whose size and time are as recorded
    rebuild: bool = False  # build the index again from the catalogue first
    sidecars: Sidecars = field(default_factory=Sidecars)

    @property
    def remap(self) -> bool:
        """Columns named (--map), or dates to read day first (--dayfirst): every file is
        read and parsed again, even one whose content is as recorded; what it now gives
        revises the articles it holds (a new date is a new article in their place)."""
        return bool(self.sidecars.columns) or self.sidecars.dayfirst


def _ingest(archive: Archive, asked: _Asked, progress: Progress) -> IngestSummary:
    t0 = time.perf_counter()
    started = now_iso()
    summary = IngestSummary()
    store = archive.store
    reading.use_engine(archive.kind.NAME)  # what workers prepare for the index
    known = store.all_files()
    held = store.article_count()
    why = _why_rebuild(archive, asked.rebuild, held)
    progress.start(len(asked.files))
    todo, large = _to_read(asked, known, summary, progress)
    if not (todo or large or asked.prune or why):  # nothing to index: no engine loads
        with store.batch(wait=False):
            store.upgrade()
            _finish(summary, archive, started, t0, held)
        store.commit()
        return summary
    why = why or (_why_lost(archive) if held else None)
    if why:  # a rebuild never reads the index there before, and commits on its own
        _rebuild_index(archive, summary, why)
    elif held and not archive.in_sync():
        _reconcile(archive, summary)
    # the index commits when its batch ends, the catalogue after it (store.commit), and
    # both at each checkpoint on the way; one set of worker processes serves the whole
    # run, started when first needed: they read files, analyse the rows of large ones
    # and do the engine's work at its commits
    with (
        Workers(workers.count()) as pool,
        archive.engine.writer(checkpoints=True) as writer,
        store.batch(),
    ):
        _prepare(store, summary)
        if pool.n:
            writer.use_workers(pool.map)
        checkpoint = Checkpoints(archive, writer)
        filing = Filing(
            store, writer, summary, Stories(store), asked.sidecars, progress, pool, checkpoint.due
        )
        again: list[tuple[str, FileRecord | None]] = [(n, None) for n, _ in todo]
        for got in reads(again if asked.remap else todo, asked.sidecars, store.dictionary, pool):
            filing.file(got, known.get(got.name))
            progress.advance()
            checkpoint.due()
        for name in large:
            filing.stream(name, known.get(name))
            progress.advance()
            checkpoint.due()
        if asked.prune:
            filing.prune(asked.roots, known)
        _store_names(store)
        _finish(summary, archive, started, t0, held)
    archive.synced()
    store.commit()
    return summary


def _why_rebuild(archive: Archive, rebuild: bool, held: int) -> str | None:
    """Why the index is built again from the catalogue before anything else, as far as
    the catalogue and the index's folder tell (the engine is not loaded); None: it is
    not. An archive built by a newer version is refused."""
    layout = archive.store.index_layout()
    recorded = archive.store.meta(ENGINE_KEY) or DEFAULT_ENGINE
    if rebuild and recorded != archive.kind.NAME:  # reindex --engine: the other's layout
        return f"the archive moves from the {recorded} engine to {archive.kind.NAME}"
    if layout > archive.kind.LAYOUT:
        raise DataError(
            f"The archive in {archive.folder} was built by a newer version of conflict "
            f"(index layout {layout}).",
            "Upgrade conflict to add to it.",
        )
    if held and (rebuild or layout < archive.kind.LAYOUT):
        return "as asked" if rebuild else f"it was built by an older version (layout {layout})"
    if held and not archive.index_present():
        return "it was missing"
    return None


def _why_lost(archive: Archive) -> str | None:
    """Why the index the engine opened cannot hold the catalogue's articles (it was
    made anew in place of one it could not open, or it holds nothing); None: it can."""
    if archive.engine.replaced:
        return f"the one there {archive.engine.replaced}"
    if archive.engine.doc_count() == 0:
        return "it was missing"
    return None


def _to_read(
    asked: _Asked, known: dict[str, FileRecord], summary: IngestSummary, progress: Progress
) -> tuple[list[tuple[str, FileRecord | None]], list[str]]:
    """The files to read whole, each with its record, and the large ones to stream;
    a file unchanged since it was read is counted, not read."""
    todo, large = [], []
    for name in asked.files:
        if _unchanged(name, known.get(name), asked.rehash or asked.remap):
            summary.unchanged += 1
            progress.advance()
        elif streams(name):
            large.append(name)
        else:
            todo.append((name, known.get(name)))
    return todo, large


def _unchanged(name: str, known: FileRecord | None, rehash: bool) -> bool:
    """The same size and modification time as recorded: the file is not read again."""
    if known is None or rehash:
        return False
    try:
        stat = os.stat(name)
    except OSError:
        return False  # read_file says why
    return (stat.st_size, stat.st_mtime) == (known.size, known.mtime)


class Checkpoints:
    """An ingest's commits along the way: after a file read whole, or a batch of rows
    of a large file, once CHECKPOINT_ARTICLES articles were added or removed (the
    first time CHECKPOINT_FIRST), or CHECKPOINT_S seconds passed, since the last. The
    index commits the changes since the last checkpoint, then the catalogue commits
    with the index as it is now: a run that dies keeps everything up to its last
    checkpoint, and the next one reads only what is not in yet (a file whose record
    committed is known; a large file is read again, and only its rows not in yet are
    analysed)."""

    def __init__(self, archive: Archive, writer: Writer) -> None:
        self.archive, self.writer = archive, writer
        self.since = time.monotonic()
        given = os.environ.get("CONFLICT_CHECKPOINT", "").strip()
        every = int(given) if given.isdigit() and int(given) else 0
        self.every = every or CHECKPOINT_ARTICLES
        self.next = every or CHECKPOINT_FIRST  # changes that make the next checkpoint

    def due(self) -> None:
        changes = self.writer.pending
        if changes >= self.next or (changes and time.monotonic() - self.since >= CHECKPOINT_S):
            self.now()

    def now(self) -> None:
        store = self.archive.store
        if self.writer.checkpoint():
            store.set_index_layout(self.archive.kind.LAYOUT)
            self.archive.synced()
            store.commit()
            store.begin()
            self.next = self.every
        self.since = time.monotonic()


def _prepare(store: Store, summary: IngestSummary) -> None:
    """The catalogue brought to this version, and the articles held from before
    stories existed put in theirs (once: later calls find nothing to do)."""
    store.upgrade()
    made = Stories(store).prepare()
    if made:
        summary.warnings.append(
            f"grouped the {made} articles held from before into stories (near-duplicates)"
        )


def _reconcile(archive: Archive, summary: IngestSummary) -> None:
    """The index put right by the catalogue after a run that died between their two
    commits (before anything else is written)."""
    for p in reconcile(archive, rebuild_index):
        summary.warnings.append(
            f"the index and the catalogue disagreed ({p.kind.replace('_', ' ')}: {p.count} "
            f"articles), after an ingest that stopped part way; repaired: {p.repair}"
        )


def _rebuild_index(archive: Archive, summary: IngestSummary, why: str) -> None:
    """A new index from the catalogue, which keeps every text: the index was deleted,
    never committed, built by an older version, or a rebuild was asked for. The texts
    are analysed by worker processes, as an ingest's are. It commits before the
    ingest goes on (with no checkpoint on the way: an index that holds part of the
    catalogue is never committed)."""
    store = archive.store
    sent: deque[list[Article]] = deque()  # the batches given to the workers, in order

    def batches() -> Iterator[list[Article]]:
        for batch in batched(store.iter_articles(), STREAM_BATCH):
            sent.append(batch)
            yield batch

    n = workers.count()
    engine = archive.new_engine()
    with engine.writer() as writer, store.batch():
        _prepare(store, summary)
        if n:
            writer.use_workers(functools.partial(in_workers, n=n))
        for prepared in in_workers(index_batch, batches(), n) if n else map(index_batch, batches()):
            for article, (ready, lang) in zip(sent.popleft(), prepared, strict=True):
                if article.lang is None and lang is not None:  # held from before languages
                    article.lang = lang
                    store.set_lang(article.id, lang)
                writer.add(article, ready)
                summary.reindexed += 1
        store.set_index_layout(archive.kind.LAYOUT)
        store.set_meta(ENGINE_KEY, archive.kind.NAME)  # with the index built: reindex --engine
    archive.synced()
    store.commit()
    summary.warnings.append(
        f"rebuilt the search index from the catalogue ({summary.reindexed} articles): {why}"
    )
    if engine.set_aside is not None:
        summary.warnings.append(
            "the index there was not built by this user, or was changed: it was moved aside, "
            f"unread, to {engine.set_aside} (delete it when you like)"
        )


def _store_names(store: Store) -> None:
    """The gazetteer as the search reads it (names.StoredNames), made again when the
    package's gazetteer or the analyzer changed since it was stored."""
    from conflictcli import names

    signature = names.signature(f"layout {INDEX_LAYOUT}")
    if store.meta("names") != signature:
        keys, entries = names.gazetteer().records()
        store.put_names(signature, keys, entries)


def _finish(summary: IngestSummary, archive: Archive, started: str, t0: float, held: int) -> None:
    """The run's last counts (`held`: the articles before it), recorded in the catalogue."""
    store = archive.store
    summary.articles = store.article_count()
    summary.articles_unchanged = max(0, held - summary.articles_removed - summary.articles_updated)
    summary.took_s = round(time.perf_counter() - t0, 3)
    store.record_run(started, _run_record(summary))
    store.set_index_layout(archive.kind.LAYOUT)


def _run_record(s: IngestSummary) -> dict[str, object]:
    return {
        "added": s.added,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "removed": s.removed,
        "articles_added": s.articles_added,
        "articles_updated": s.articles_updated,
        "articles_removed": s.articles_removed,
        "skipped": len(s.skipped),
        "warnings": len(s.warnings),
        "took_s": s.took_s,
    }
