"""Ingest: files in, articles into the catalogue and the search index.

Incremental by content hash: an unchanged file is skipped, a changed one replaced, and
with `prune` the articles of files that are gone are removed. A file that cannot be
read is reported and skipped; the batch goes on, and nothing already in the archive is
touched by a file that fails. Both stores commit at checkpoints on the way (every
CHECKPOINT_ARTICLES articles or CHECKPOINT_S seconds) and at the end, the index first
and the catalogue after it: a run that dies keeps what it committed, and the next one
goes on from there. A run that dies between the two commits leaves the index ahead
of the catalogue; the next ingest puts it right before anything else (check.reconcile).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from conflictcli import workers
from conflictcli.archive import ENGINE, INDEX_LAYOUT, Archive
from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.errors import WAIT_S, ArchiveMissing, DataError
from conflictcli.readers import (
    COMPRESSED,
    HTML_BYTES,
    TEXT_BYTES,
    Sidecars,
    SkipFile,
    discover,
    not_regular,
    read,
    stream,
    streams,
    suffix_of,
)
from conflictcli.records import IngestSummary, Skipped
from conflictcli.store import FileRecord, Packed, Store, now_iso, pack
from conflictcli.stories import Stories

if TYPE_CHECKING:
    from conflictcli.engine.base import Writer  # the engine loads only when there is work


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...
    def rows(self, name: str, rows: int, done: int, size: int) -> None: ...


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def rows(self, name: str, rows: int, done: int, size: int) -> None:
        pass


def ingest(
    location: Path,
    paths: list[Path],
    prune: bool = False,
    progress: Progress | None = None,
    rehash: bool = False,
    rebuild: bool = False,
    columns: dict[str, str] | None = None,
    wait: float = WAIT_S,
) -> IngestSummary:
    """Ingest `paths` into the archive at `location`, creating it if needed (but not
    before the paths are known to exist). A known file whose size and modification
    time are unchanged is not read at all, unless `rehash`. `rebuild` builds the
    search index again from the catalogue first (an ingest does it anyway when the
    index was built by an older version). Another ingest writing to the archive is
    waited for, up to `wait` seconds (ArchiveBusy after that)."""
    t0 = time.perf_counter()
    found = discover(paths)
    roots = [Path(p).expanduser().resolve() for p in paths]
    location = location.expanduser().absolute()
    existed = location.exists()
    made = None if Archive.exists(location) else _first_missing(location)
    archive = Archive.open(location, create=True)
    try:
        steps = progress or _NoProgress()
        sidecars = Sidecars(columns)
        with archive.writing(wait):
            summary = _ingest(archive, found.files, roots, prune, steps, rehash, rebuild, sidecars)
    finally:
        archive.close()
    summary.ignored = found.ignored
    summary.skipped[:0] = [Skipped(path, why) for path, why in found.refused]
    if made is not None and summary.articles == 0:
        _unmake(location, made, existed)  # a new archive that got nothing is not kept
    summary.took_s = round(time.perf_counter() - t0, 3)  # with both commits
    return summary


def reindex(
    location: Path, progress: Progress | None = None, wait: float = WAIT_S
) -> IngestSummary:
    """Build the search index of the archive at `location` again from its catalogue,
    without reading the index there (an archive from elsewhere, a damaged index)."""
    t0 = time.perf_counter()
    location = location.expanduser().absolute()
    if not Archive.exists(location):
        raise ArchiveMissing(str(location))
    archive = Archive.open(location, create=True)
    try:
        with archive.writing(wait):
            summary = rebuild_index(archive, progress)
    finally:
        archive.close()
    summary.took_s = round(time.perf_counter() - t0, 3)
    return summary


def rebuild_index(archive: Archive, progress: Progress | None = None) -> IngestSummary:
    """The search index of `archive` built again from the catalogue (the caller holds
    archive.writing())."""
    return _ingest(archive, [], [], False, progress or _NoProgress(), False, True, Sidecars())


def _bounded(articles: Iterable[Article], problems: list[tuple[int, str]]) -> Iterator[Article]:
    """The articles short enough to index; each one too long becomes a problem of its
    row (0: the whole file). Analysing a text takes some 30 times its size in memory."""
    for a in articles:
        chars = len(a.body) + len(a.title)
        if chars > MAX_ARTICLE_CHARS:
            problems.append(
                (
                    a.row,
                    f"{chars:,} characters of text, more than the {MAX_ARTICLE_CHARS:,} "
                    "an article may hold: not indexed (split it into articles)",
                )
            )
        else:
            yield a


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


def _ingest(
    archive: Archive,
    files: list[str],
    roots: list[Path],
    prune: bool,
    progress: Progress,
    rehash: bool,
    rebuild: bool,
    sidecars: Sidecars,
) -> IngestSummary:
    t0 = time.perf_counter()
    started = now_iso()
    summary = IngestSummary()
    store = archive.store
    known = store.all_files()
    layout = store.index_layout()
    if layout > INDEX_LAYOUT:
        raise DataError(
            f"The archive in {archive.folder} was built by a newer version of conflict "
            f"(index layout {layout}).",
            "Upgrade conflict to add to it.",
        )
    held = store.article_count()
    why = None
    if held and (rebuild or layout < INDEX_LAYOUT):
        why = "as asked" if rebuild else f"it was built by an older version (layout {layout})"
    elif held and not archive.index_present():
        why = "it was missing"
    progress.start(len(files))
    todo, large = [], []
    for name in files:
        if _unchanged(name, known.get(name), rehash):
            summary.unchanged += 1
            progress.advance()
        elif streams(name):
            large.append(name)
        else:
            todo.append((name, known.get(name)))
    if not (todo or large or prune or why):  # nothing to index: the engine is not loaded
        with store.batch(wait=False):
            store.upgrade()
            _finish(summary, store, started, t0)
        store.commit()
        return summary
    if held and not why and archive.engine.replaced:
        why = f"the one there {archive.engine.replaced}"
    elif held and not why and archive.engine.doc_count() == 0:
        why = "it was missing"
    if why:  # a rebuild never reads the index there before, and commits on its own
        _rebuild_index(archive, summary, why)
    elif held and not archive.in_sync():
        _reconcile(archive, summary)
    # the index commits when its batch ends, the catalogue after it (store.commit), and
    # both at each checkpoint on the way
    # one set of worker processes for the whole run, started when first needed: they
    # read files, analyse the rows of large ones and encode a large new segment's postings
    with (
        Workers(workers.count()) as pool,
        archive.engine.writer(checkpoints=True) as writer,
        store.batch(),
    ):
        _prepare(store, summary)
        stories = Stories(store)
        if pool.n:
            writer.use_workers(pool.map)
        checkpoint = Checkpoints(archive, writer)
        for got in _reads(todo, sidecars, store.dictionary, pool):
            _apply(got, known.get(got.name), store, writer, summary, stories)
            progress.advance()
            checkpoint.due()
        for name in large:
            _stream(
                name,
                known.get(name),
                store,
                writer,
                summary,
                stories,
                sidecars,
                progress,
                checkpoint,
                pool,
            )
            progress.advance()
            checkpoint.due()
        if prune:
            _prune(roots, known, store, writer, summary)
        _store_names(store)
        _finish(summary, store, started, t0)
    archive.synced()
    store.commit()
    return summary


CHECKPOINT_ARTICLES = 1_000  # an ingest commits at least every this many changes ...
CHECKPOINT_S = 30.0  # ... or this many seconds, whichever comes first ...
# ... and first after this many: a run stopped early keeps some work (each checkpoint
# costs the writer a segment's worth of terms: 0.3 s for 500 articles on 2 cores)
CHECKPOINT_FIRST = 500


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
            store.set_index_layout(INDEX_LAYOUT)
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
    from conflictcli.check import reconcile

    for p in reconcile(archive, rebuild_index):
        summary.warnings.append(
            f"the index and the catalogue disagreed ({p.kind.replace('_', ' ')}: {p.count} "
            f"articles), after an ingest that stopped part way; repaired: {p.repair}"
        )


def _store_names(store: Store) -> None:
    """The gazetteer as the search reads it (names.StoredNames), made again when the
    package's gazetteer or the analyzer changed since it was stored."""
    from conflictcli import names

    signature = names.signature(f"layout {INDEX_LAYOUT}")
    if store.meta("names") != signature:
        keys, entries = names.gazetteer().records()
        store.put_names(signature, keys, entries)


def _finish(summary: IngestSummary, store: Store, started: str, t0: float) -> None:
    summary.articles = store.article_count()
    summary.took_s = round(time.perf_counter() - t0, 3)
    store.record_run(started, _run_record(summary))
    store.set_index_layout(INDEX_LAYOUT)


def _rebuild_index(archive: Archive, summary: IngestSummary, why: str) -> None:
    """A new index from the catalogue, which keeps every text: the index was deleted,
    never committed, built by an older version, or a rebuild was asked for. The texts
    are analysed by worker processes, as an ingest's are. It commits before the
    ingest goes on (with no checkpoint on the way: an index that holds part of the
    catalogue is never committed)."""
    store = archive.store
    sent: deque[list[Article]] = deque()  # the batches given to the workers, in order

    def batches() -> Iterator[list[Article]]:
        for batch in _batched(store.iter_articles(), STREAM_BATCH):
            sent.append(batch)
            yield batch

    n = workers.count()
    engine = archive.new_engine()
    with engine.writer() as writer, store.batch():
        _prepare(store, summary)
        if n:
            writer.use_workers(functools.partial(_in_workers, n=n))
        for analysed in (
            _in_workers(_index_batch, batches(), n) if n else map(_index_batch, batches())
        ):
            for article, postings in zip(sent.popleft(), analysed, strict=True):
                writer.add(article, postings)
                summary.reindexed += 1
        store.set_index_layout(INDEX_LAYOUT)
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


@dataclass
class FileRead:
    """What reading one file gives: made in a worker process, or in this one."""

    name: str
    size: int
    mtime: float
    sha: str = ""
    articles: list[Article] = field(default_factory=list)
    analysed: list[Any] = field(default_factory=list)  # the engine's prepare() of each article
    packed: list[Packed] = field(default_factory=list)  # store.pack() of each article
    bands: list[list[int]] = field(default_factory=list)  # stories.bands() of each article
    skip: str | None = None  # why the file cannot be read
    problems: list[tuple[int, str]] = field(default_factory=list)  # rows that gave nothing
    sidecar_warnings: list[str] = field(default_factory=list)


def read_file(name: str, known_sha: str | None, sidecars: Sidecars) -> FileRead:
    """Read, hash and parse one file: one larger than its format may hold (MAX_FILE_BYTES;
    TEXT_BYTES for .txt and .md, HTML_BYTES for .html and .htm) is not read. A file that
    is no longer a regular file (never opened), is gone or cannot be read is skipped with
    the reason."""
    try:
        stat = os.stat(name)
        why = not_regular(stat.st_mode)
        if why:
            return FileRead(name, 0, 0.0, skip=why)
        lower = name.lower()
        kind = suffix_of(lower) if os.path.splitext(lower)[1] not in COMPRESSED else ""
        limit = LIMITS.get(kind, MAX_FILE_BYTES)
        if stat.st_size > limit:
            return FileRead(name, stat.st_size, stat.st_mtime, skip=_too_large(stat.st_size, kind))
        data = Path(name).read_bytes()
        if len(data) > limit:  # it grew since
            return FileRead(name, stat.st_size, stat.st_mtime, skip=_too_large(len(data), kind))
    except OSError as e:
        return FileRead(name, 0, 0.0, skip=f"cannot read: {e.strerror or e}")
    got = FileRead(name, stat.st_size, stat.st_mtime, hashlib.sha256(data).hexdigest())
    if got.sha == known_sha:
        return got  # the same content: nothing to parse
    try:
        got.articles = list(_bounded(read(Path(name), data, sidecars, got.problems), got.problems))
        if not got.articles and got.problems and got.problems[-1][0] == 0:
            got.skip = got.problems.pop()[1]  # a whole file too long to be an article
    except SkipFile as e:
        got.skip = str(e)
    except Exception as e:  # a parser (csv, lxml, a decoder) choked on what the file holds
        if os.environ.get("CONFLICT_DEBUG"):
            raise
        got.articles, got.problems = [], []
        got.skip = f"could not be read ({type(e).__name__}: {e}); CONFLICT_DEBUG=1 shows where"
    got.sidecar_warnings, sidecars.warnings[:] = sidecars.warnings[:], []
    return got


def _too_large(size: int, kind: str) -> str:
    if kind in (".html", ".htm"):
        return (
            f"an HTML page of {size / (1 << 20):,.1f} MiB, more than the "
            f"{HTML_BYTES >> 20} MiB of any article's page: not read"
        )
    if kind in (".txt", ".md"):
        return (
            f"{size >> 20:,} MiB: more text than the {MAX_ARTICLE_CHARS:,} characters an "
            "article may hold; not read (split it into articles)"
        )
    return (
        f"{size >> 20:,} MiB, more than the {MAX_FILE_BYTES >> 20:,} MiB read at once: "
        "files of this format are read whole; split it, or make it CSV or JSON Lines "
        "(they are read a row at a time, at any size)"
    )


def _apply(
    got: FileRead,
    known: FileRecord | None,
    store: Store,
    writer: Writer,
    summary: IngestSummary,
    stories: Stories,
) -> None:
    """Put what was read of one file into the catalogue and the index, each new
    article in its story."""
    known_sha = known.sha256 if known else None
    summary.warnings += [w for w in got.sidecar_warnings if w not in summary.warnings]
    summary.skipped += [Skipped(f"{got.name}:{row}", why) for row, why in got.problems]
    if got.skip:
        summary.skipped.append(Skipped(got.name, got.skip))
        return
    record = FileRecord(got.name, got.sha, got.size, got.mtime)
    if got.sha == known_sha:
        summary.unchanged += 1
        store.touch_file(record)
        return
    old_ids = store.article_ids_of(got.name) if known_sha else []
    for n, a in enumerate(got.articles):
        where = f"{got.name}:{a.row}" if a.row else got.name
        summary.warnings += [f"{where}: {w}" for w in a.warnings]
        if store.has_article(a.id):
            summary.duplicates += a.id not in old_ids
            continue
        a.cluster = stories.story_of(a.id, a.body, got.bands[n] if got.bands else None)
        store.put_article(a, got.packed[n] if got.packed else None)
        writer.add(a, got.analysed[n] if got.analysed else None)
    store.put_file(record, [(a.row, a.id) for a in got.articles])
    orphans = [i for i in old_ids if not store.paths(i)]
    _drop(orphans, store, writer)
    if known_sha:
        summary.updated += 1
    else:
        summary.added += 1


def _stream(
    name: str,
    known: FileRecord | None,
    store: Store,
    writer: Writer,
    summary: IngestSummary,
    stories: Stories,
    sidecars: Sidecars,
    progress: Progress,
    checkpoint: Checkpoints,
    pool: Workers,
) -> None:
    """A large CSV, JSON Lines or JSON file, a batch of rows at a time: its rows are parsed
    here as the file is read, analysed by worker processes, and written as they come,
    so memory stays flat whatever the size; checkpoints are made between batches. A
    file that stops reading part way (a broken compressed stream, a run that died) keeps
    the rows before the break, and is read again by the next ingest, which analyses
    only the rows that are not in yet."""
    problems: list[tuple[int, str]] = []
    try:
        stat = os.stat(name)
        got = stream(Path(name), sidecars, problems)
    except OSError as e:
        summary.skipped.append(Skipped(name, f"cannot read: {e.strerror}"))
        return
    except SkipFile as e:
        summary.skipped.append(Skipped(name, str(e)))
        return
    old_ids = set(store.article_ids_of(name)) if known else set()
    # size -1 until the end is reached: a run that stops part way reads it again
    store.put_file(FileRecord(name, "", -1, stat.st_mtime), [])
    stopped, last, read_rows = None, 0, 0

    def not_held(articles: Iterator[Article]) -> Iterator[Article]:
        """The rows whose article the archive lacks; those it holds (read before a run
        stopped, or copies of others) are linked to the file again, not analysed."""
        nonlocal last, read_rows
        for a in articles:
            if store.has_article(a.id):
                summary.duplicates += a.id not in old_ids
                store.add_links(name, [(a.row, a.id)])
                last, read_rows = a.row, read_rows + 1
                continue
            yield a

    try:
        for batch in _analysed(not_held(_bounded(got.articles, problems)), store.dictionary, pool):
            for a, analysed, packed, keys in batch:
                last = max(last, a.row)
                summary.warnings += [f"{name}:{a.row}: {w}" for w in a.warnings]
                if store.has_article(a.id):
                    summary.duplicates += a.id not in old_ids
                    continue
                a.cluster = stories.story_of(a.id, a.body, keys)
                store.put_article(a, packed)
                writer.add(a, analysed)
            store.add_links(name, [(a.row, a.id) for a, _, _, _ in batch])
            read_rows += len(batch)
            progress.rows(Path(name).name, read_rows, got.raw.done, stat.st_size)
            checkpoint.due()
    except SkipFile as e:
        stopped = str(e)
    summary.skipped += [Skipped(f"{name}:{row}", why) for row, why in problems]
    if stopped is not None:
        summary.skipped.append(
            Skipped(
                f"{name}:{last + 1}",
                f"stopped reading: {stopped}; the {read_rows:,} articles before it are in, "
                "and the next ingest reads the file again",
            )
        )
    else:  # read to the end: known by its hash and size from now on
        store.touch_file(FileRecord(name, got.sha256(), stat.st_size, stat.st_mtime))
    _drop([i for i in old_ids if not store.paths(i)], store, writer)
    if known and stopped is None and got.sha256() == known.sha256:
        summary.unchanged += 1  # touched, not changed: read again to know it
    elif known:
        summary.updated += 1
    else:
        summary.added += 1


STREAM_BATCH = 64  # rows of a large file analysed at a time (as many as BATCH files) ...
# ... and characters at most (analysing a text takes some 30 times its size in memory:
# 64 articles of a million characters are not analysed at once)
ANALYSE_CHARS = 4 << 20  # (as BATCH_BYTES: a batch of small files is analysed at once)


def _analysed(
    articles: Iterator[Article], zdict: Callable[[], bytes | None], pool: Workers
) -> Iterator[list[tuple[Article, Any, Packed, list[int]]]]:
    """Batches of articles with their postings, packed bodies and story bands, made by
    worker processes (a bounded window of batches in flight), or here without them.
    When the file stops reading part way (SkipFile), every article read before is
    yielded first. Bodies are packed with the catalogue's dictionary of the moment a
    batch is handed out (`zdict()`: made after the first articles, store.Dictionary)."""
    batches = _batched(articles, STREAM_BATCH)
    if pool.n == 0:
        for batch in batches:
            yield _analyse_batch(batch, zdict())
        return
    yield from pool.map(_analyse_job, ((b, zdict()) for b in batches))


def _analyse_job(job: tuple[list[Article], bytes | None]) -> list[Any]:
    return _analyse_batch(*job)


def _batched(
    articles: Iterable[Article], size: int, chars: int = ANALYSE_CHARS
) -> Iterator[list[Article]]:
    """Lists of `size` articles, or fewer when they hold more than `chars` characters;
    those read before the source stops (SkipFile) are yielded before it is raised."""
    batch: list[Article] = []
    held = 0
    try:
        for a in articles:
            length = len(a.body) + len(a.title)
            if batch and held + length > chars:
                yield batch
                batch, held = [], 0
            batch.append(a)
            held += length
            if len(batch) >= size:
                yield batch
                batch, held = [], 0
    except SkipFile:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _analyse_batch(
    batch: list[Article], zdict: bytes | None = None
) -> list[tuple[Article, Any, Packed, list[int]]]:
    """Each article with its postings (one Batch for all), packed body and story bands
    (a worker's work)."""
    from conflictcli.analysis import scan
    from conflictcli.stories import bands

    bodies = [scan(a.body) for a in batch]  # tokenized once, for both
    keys = bands([a.body for a in batch], [w for w, _ in bodies])
    prepared = ENGINE.prepare(batch, bodies)
    return [
        (a, ready, pack(a, zdict), k) for a, ready, k in zip(batch, prepared, keys, strict=True)
    ]


def _index_batch(batch: list[Article]) -> list[Any]:
    """What the engine takes for each article (a worker's work when the index is rebuilt)."""
    from conflictcli.analysis import scan

    return ENGINE.prepare(batch, [scan(a.body) for a in batch])


def _unchanged(name: str, known: FileRecord | None, rehash: bool) -> bool:
    """The same size and modification time as recorded: the file is not read again."""
    if known is None or rehash:
        return False
    try:
        stat = os.stat(name)
    except OSError:
        return False  # read_file says why
    return (stat.st_size, stat.st_mtime) == (known.size, known.mtime)


def _reads(
    todo: list[tuple[str, FileRecord | None]],
    sidecars: Sidecars,
    zdict: Callable[[], bytes | None] = lambda: None,
    pool: Workers | None = None,
) -> Iterator[FileRead]:
    """What each file to read gives, in order. Many files are read, parsed and analysed
    by worker processes (CONFLICT_WORKERS, default: one per core) while this
    process writes; a bounded window of batches keeps memory flat. A batch's bodies
    are packed with the dictionary of the moment it is handed out (`zdict()`)."""
    own = pool is None
    pool = pool or Workers(workers.count())
    if pool.n == 0 or len(todo) < PARALLEL_FROM:
        for name, known in todo:
            yield read_file(name, known.sha256 if known else None, sidecars)
        return
    batches = _file_batches(todo)
    read_batch = functools.partial(_read_batch, columns=sidecars.columns)
    try:
        for got in pool.map(read_batch, ((b, zdict()) for b in batches)):
            yield from got
    finally:
        if own:
            pool.close()


def _file_batches(todo: list[tuple[str, FileRecord | None]]) -> list[list[tuple[str, str | None]]]:
    """The files to read in batches of BATCH files, or fewer when they hold more than
    BATCH_BYTES (a batch is read, analysed and sent back whole), each with the hash it
    had."""
    batches: list[list[tuple[str, str | None]]] = []
    batch: list[tuple[str, str | None]] = []
    held = 0
    for name, known in todo:
        try:
            size = os.stat(name).st_size
        except OSError:
            size = 0  # read_file says why
        if batch and (len(batch) >= BATCH or held + size > BATCH_BYTES):
            batches.append(batch)
            batch, held = [], 0
        batch.append((name, known.sha256 if known else None))
        held += size
    if batch:
        batches.append(batch)
    return batches


J = TypeVar("J")
R = TypeVar("R")


def _in_workers(fn: Callable[[J], R], jobs: Iterator[J], n: int) -> Iterator[R]:
    """`fn` of each job, in order, run by `n` worker processes of their own (Workers.map)."""
    with Workers(n) as pool:
        yield from pool.map(fn, jobs)


class Workers:
    """The worker processes of one ingest: `n` of them, started when first given work
    and kept until close(), so that every file streamed, the files read in batches and
    the index's commit share them (starting them costs a second or two). n == 0: none."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.n, mp_context=ctx, initializer=workers.init, initargs=(os.getpid(),)
            )
        return self._pool

    def map(self, fn: Callable[[J], R], jobs: Iterator[J]) -> Iterator[R]:
        """`fn` of each job, in order, with a bounded window of jobs in flight (memory
        stays flat). When the jobs stop with SkipFile (a large file that breaks part
        way), the results of the jobs given before come first. Stopped early, the jobs
        not begun are cancelled; the workers stay for the next map."""
        pool = self._started()
        stopped: SkipFile | None = None
        window: deque[Future[R]] = deque()
        try:
            while True:
                try:
                    job = next(jobs)
                except StopIteration:
                    break
                except SkipFile as e:
                    stopped = e
                    break
                window.append(pool.submit(fn, job))
                if len(window) >= WINDOW:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for future in window:
                future.cancel()
        if stopped is not None:
            raise stopped


LIMITS = {".txt": TEXT_BYTES, ".md": TEXT_BYTES, ".html": HTML_BYTES, ".htm": HTML_BYTES}
PARALLEL_FROM = 200  # fewer files are read here: starting workers costs more
MAX_FILE_BYTES = 1 << 30  # a larger file read whole is skipped (CSV, JSON stream long before)
# files a worker reads at a time, and their bytes at most (a batch of many small files
# costs the writer less: it takes in each term of a batch at once)
BATCH = 256
BATCH_BYTES = 4 << 20
WINDOW = 4  # batches in flight: what waits in memory is bounded
_WORKER_SIDECARS: Sidecars | None = None


def _read_batch(
    job: tuple[list[tuple[str, str | None]], bytes | None], columns: dict[str, str] | None
) -> list[FileRead]:
    global _WORKER_SIDECARS
    batch, zdict = job
    if _WORKER_SIDECARS is None:
        _WORKER_SIDECARS = Sidecars(columns)
    got = [read_file(name, sha, _WORKER_SIDECARS) for name, sha in batch]
    # the articles of all the files analysed together, as one batch of postings (the
    # writer takes in each term of a batch at once), or several of ANALYSE_CHARS at most
    # (a CSV read whole is not analysed at once)
    articles = [a for g in got for a in g.articles]
    done = itertools.chain.from_iterable(
        _analyse_batch(b, zdict) for b in _batched(articles, size=max(len(articles), 1))
    )
    for g in got:
        for _, analysed, packed, keys in itertools.islice(done, len(g.articles)):
            g.analysed.append(analysed)
            g.packed.append(packed)
            g.bands.append(keys)
    return got


def _prune(
    roots: list[Path],
    known: dict[str, FileRecord],
    store: Store,
    writer: Writer,
    summary: IngestSummary,
) -> None:
    """Forget the files under the given roots that no longer exist."""
    for p in known:
        path = Path(p)
        if any(path == r or r in path.parents for r in roots) and not path.exists():
            _drop(store.drop_file(p), store, writer)
            summary.removed += 1


def _drop(ids: list[str], store: Store, writer: Writer) -> None:
    for i in ids:
        writer.delete(i)
    store.drop_articles(ids)


def _run_record(s: IngestSummary) -> dict[str, object]:
    return {
        "added": s.added,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "removed": s.removed,
        "skipped": len(s.skipped),
        "warnings": len(s.warnings),
        "took_s": s.took_s,
    }
