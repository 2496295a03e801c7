"""An ingest's reading: files read, hashed and parsed (readers/ knows the formats), and
their articles analysed for the catalogue, the index and the stories (each one's
packed body, what the engine prepares of it, its story fingerprint), in worker processes or
in this one. One set of worker processes (Workers) serves a whole ingest: the files
read in batches, every large file streamed, the index's commit."""

from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from conflictcli import workers
from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.engine import DEFAULT, kind
from conflictcli.readers import (
    COMPRESSED,
    HTML_BYTES,
    TEXT_BYTES,
    Sidecars,
    SkipFile,
    not_regular,
    read,
    suffix_of,
)
from conflictcli.store import FileRecord, Packed, pack
from conflictcli.stories import Fingerprint

LIMITS = {".txt": TEXT_BYTES, ".md": TEXT_BYTES, ".html": HTML_BYTES, ".htm": HTML_BYTES}
MAX_FILE_BYTES = 1 << 30  # a larger file read whole is skipped (CSV, JSON stream long before)
PARALLEL_FROM = 200  # fewer files are read here: starting workers costs more
# files a worker reads at a time, and their bytes at most (a batch of many small files
# costs the writer less: it takes in each term of a batch at once)
BATCH = 256
BATCH_BYTES = 4 << 20
WINDOW = 4  # batches in flight: what waits in memory is bounded
STREAM_BATCH = 64  # rows of a large file analysed at a time (as many as BATCH files) ...
# ... and characters at most: analysing a text takes tens of times its size in memory
# (README: Limits), so a batch of long articles is cut short
ANALYSE_CHARS = 4 << 20  # (as BATCH_BYTES: a batch of small files is analysed at once)
_WORKER_SIDECARS: Sidecars | None = None  # a worker's own, made by its first batch
_ENGINE = DEFAULT  # whose prepare() analyses articles: the archive's (use_engine), which
# worker processes are told when they start (_start_worker)


def use_engine(name: str) -> None:
    """Analyse articles for the engine `name` (before worker processes start)."""
    global _ENGINE
    _ENGINE = name


# an article as the ingest writes it: what the engine prepared of it, its packed body,
# its story fingerprint (band keys, shingles, sketch: made here, where its words are read)
Analysed = tuple[Article, Any, Packed, Fingerprint]


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
    prints: list[Fingerprint] = field(default_factory=list)  # stories.fingerprints() of each
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
        got.articles = list(bounded(read(Path(name), data, sidecars, got.problems), got.problems))
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


def bounded(articles: Iterable[Article], problems: list[tuple[int, str]]) -> Iterator[Article]:
    """The articles short enough to index; each one too long becomes a problem of its
    row (0: the whole file): analysing a text takes tens of times its size in memory."""
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


def reads(
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
    read_batch = functools.partial(
        _read_batch, columns=sidecars.columns, dayfirst=sidecars.dayfirst
    )
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


def _read_batch(
    job: tuple[list[tuple[str, str | None]], bytes | None],
    columns: dict[str, str] | None,
    dayfirst: bool = False,
) -> list[FileRead]:
    """A worker's job: a batch of files read, and their articles analysed."""
    global _WORKER_SIDECARS
    batch, zdict = job
    if _WORKER_SIDECARS is None:
        _WORKER_SIDECARS = Sidecars(columns, dayfirst)
    got = [read_file(name, sha, _WORKER_SIDECARS) for name, sha in batch]
    # the articles of all the files analysed together, as one batch of postings (the
    # writer takes in each term of a batch at once), or several of ANALYSE_CHARS at most
    # (a CSV read whole is not analysed at once)
    articles = [a for g in got for a in g.articles]
    done = itertools.chain.from_iterable(
        analyse_batch(b, zdict) for b in batched(articles, size=max(len(articles), 1))
    )
    for g in got:
        for _, analysed, packed, keys in itertools.islice(done, len(g.articles)):
            g.analysed.append(analysed)
            g.packed.append(packed)
            g.prints.append(keys)
    return got


def analysed_batches(
    articles: Iterator[Article], zdict: Callable[[], bytes | None], pool: Workers
) -> Iterator[list[Analysed]]:
    """Batches of articles analysed (analyse_batch) by worker processes (a bounded
    window of batches in flight), or here without them. When the file stops reading
    part way (SkipFile), every article read before is yielded first. Bodies are packed
    with the catalogue's dictionary of the moment a batch is handed out (`zdict()`: made
    after the first articles, store.Dictionary)."""
    batches = batched(articles, STREAM_BATCH)
    if pool.n == 0:
        for batch in batches:
            yield analyse_batch(batch, zdict())
        return
    yield from pool.map(_analyse_job, ((b, zdict()) for b in batches))


def _analyse_job(job: tuple[list[Article], bytes | None]) -> list[Analysed]:
    return analyse_batch(*job)


def batched(
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


def analyse_batch(batch: list[Article], zdict: bytes | None = None) -> list[Analysed]:
    """Each article with what the engine prepares of it (for all of them at once), its
    packed body and story fingerprint (a worker's work)."""
    from conflictcli.analysis import scan
    from conflictcli.stories import fingerprints

    detect_languages(batch)
    bodies = [scan(a.body) for a in batch]  # tokenized once, for both
    keys = fingerprints([a.body for a in batch], [w for w, _ in bodies])
    prepared = kind(_ENGINE).prepare(batch, bodies)
    return [
        (a, ready, pack(a, zdict), k) for a, ready, k in zip(batch, prepared, keys, strict=True)
    ]


def index_batch(batch: list[Article]) -> list[tuple[Any, str | None]]:
    """What the engine takes for each article, and its language (detected for one the
    catalogue holds none of): a worker's work when the index is rebuilt."""
    from conflictcli.analysis import scan

    detect_languages(batch)
    prepared = kind(_ENGINE).prepare(batch, [scan(a.body) for a in batch])
    return list(zip(prepared, [a.lang for a in batch], strict=True))


def detect_languages(batch: list[Article]) -> None:
    """The language of each article that has none yet (a source may give it)."""
    from conflictcli.language import detect

    for a in batch:
        if a.lang is None:
            a.lang = detect(a.body if a.title_derived else f"{a.title}\n{a.body}")


J = TypeVar("J")
R = TypeVar("R")


def _start_worker(parent: int, engine: str) -> None:
    workers.init(parent)
    use_engine(engine)


def in_workers(fn: Callable[[J], R], jobs: Iterator[J], n: int) -> Iterator[R]:
    """`fn` of each job, in order, run by `n` worker processes of their own (Workers.map)."""
    with Workers(n) as pool:
        yield from pool.map(fn, jobs)


class Workers:
    """The worker processes of one ingest: `n` of them, started when first given work
    and kept until close(), so that every file streamed, the files read in batches and
    the index's commit share them (starting them takes a while). n == 0: none."""

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
                self.n, mp_context=ctx, initializer=_start_worker, initargs=(os.getpid(), _ENGINE)
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
