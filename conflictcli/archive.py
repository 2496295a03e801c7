"""The archive: where it lives, and the operations every command asks of it.

An archive is a folder holding the catalogue (`catalogue.sqlite`, see store/) and
the search index of its engine (`whoosh/`, see engine/). This module joins the two:
the engine finds ids, the catalogue supplies what is shown.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conflictcli import workers
from conflictcli.articles import Article, outlet_key
from conflictcli.engine import kind as engine_kind
from conflictcli.errors import ArchiveBusy, ArchiveMissing, DataError, NotFound, UsageError
from conflictcli.filters import Filters
from conflictcli.keys import data_home, linked, open_lock
from conflictcli.query import SearchRequest
from conflictcli.records import (
    Bucket,
    Count,
    Group,
    Member,
    Place,
    Places,
    Result,
    SearchResult,
    Source,
    Stats,
    Stories,
    Story,
    Timeline,
    Watch,
)
from conflictcli.store import Store

if TYPE_CHECKING:  # the search engine (Whoosh) loads only for the commands that search
    from conflictcli.engine.base import Engine
    from conflictcli.engine.records import Explanation, Hit

CATALOGUE = "catalogue.sqlite"
WRITER_LOCK = "writer.lock"  # who writes: "PID start-time", while they hold it
MIN_PREFIX = 4
SYNCED = "index_generation"  # in the catalogue: the index commit it last committed with
ENGINE = engine_kind()  # the default engine (engine/): its package, not yet the engine
ENGINE_DIR = ENGINE.FOLDER
INDEX_LAYOUT = ENGINE.LAYOUT  # recorded in the catalogue with the index it built


# what an archive folder holds; none of them may be a link (an archive from elsewhere
# could point one at a file of the user's, which a write would then change)
_OWN = (
    CATALOGUE,
    f"{CATALOGUE}-wal",
    f"{CATALOGUE}-shm",
    f"{CATALOGUE}-journal",
    WRITER_LOCK,
    ENGINE_DIR,
)


def _no_links(folder: Path) -> None:
    for name in _OWN:
        if (folder / name).is_symlink():
            raise linked(folder / name)


def default_location() -> Path:
    """conflict/ in the user's data directory, as each platform names it."""
    return data_home() / "conflict"


class Archive:
    def __init__(
        self,
        folder: Path,
        store: Store,
        engine: Engine | None = None,
        writing: bool = False,  # opened to write: a lost search index is made anew
    ) -> None:
        self.folder = folder
        self.store = store
        self._engine = engine
        self._create = writing

    @property
    def engine(self) -> Engine:
        """The search index, opened on first use: show and stats answer from the
        catalogue alone."""
        if self._engine is None:
            if not self._create:  # an ingest rebuilds an index of another layout
                self._check_layout()
            from conflictcli import names

            self._engine = ENGINE.open(self.folder / ENGINE_DIR, create=self._create)
            # the spellings of names as the last ingest stored them, unless the package's
            # gazetteer changed since (then it is read whole: the same names, slower)
            if self.store.meta("names") == names.signature(f"layout {INDEX_LAYOUT}"):
                self._engine.names = names.StoredNames(self.store)
        return self._engine

    @contextmanager
    def writing(self, wait: float) -> Iterator[None]:
        """The archive to oneself for a write (an ingest): waits up to `wait` seconds for
        another writer, then ArchiveBusy naming it. The lock is the system's (flock) on
        WRITER_LOCK, so a writer that dies, even by kill -9, leaves nothing held."""
        try:
            import fcntl
        except ImportError:  # not on this system: Whoosh's and SQLite's own locks remain
            yield
            return
        path = self.folder / WRITER_LOCK
        fd = open_lock(path)  # never through a link: writer.lock -> ~/notes.txt is refused
        try:
            deadline = time.monotonic() + max(wait, 0)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ArchiveBusy(*_holder(path)) from None
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.pwrite(
                fd, f"{os.getpid()} {dt.datetime.now().isoformat(timespec='seconds')}\n".encode(), 0
            )
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # and with it the lock

    def new_engine(self) -> Engine:
        """A new, empty search index in place of the one there, which is not read (an
        index to be built again from the catalogue)."""
        names = self._engine.names if self._engine is not None else None
        aside = self._engine.set_aside if self._engine is not None else None
        self._engine = ENGINE.create(self.folder / ENGINE_DIR)
        self._engine.names = names
        self._engine.set_aside = self._engine.set_aside or aside
        return self._engine

    def in_sync(self) -> bool:
        """Whether the catalogue's last commit followed the index's last commit: then
        the two hold the same articles. A run that died between the two commits (the
        index commits first) leaves them apart until the next ingest puts them right
        (check.reconcile)."""
        return self.store.meta(SYNCED) == str(self.engine.generation())

    def synced(self) -> None:
        """Record, in the catalogue's open transaction, that it commits with the
        index as it is now (after the index's commit)."""
        self.store.set_meta(SYNCED, str(self.engine.generation()))

    def _check_layout(self) -> None:
        layout = self.store.index_layout()
        if layout < INDEX_LAYOUT:
            raise DataError(
                f"The search index in {self.folder} was built by an older version of "
                f"conflict (index layout {layout}; this version reads layout {INDEX_LAYOUT}).",
                f"Run 'conflict reindex --index {self.folder}' to rebuild it from "
                "the catalogue (nothing is lost; any later ingest does it too).",
            )
        if layout > INDEX_LAYOUT:
            raise DataError(
                f"The archive in {self.folder} was built by a newer version of conflict "
                f"(index layout {layout}).",
                "Upgrade conflict to search it; show and stats work as they are.",
            )

    def index_present(self) -> bool:
        """Whether there is a search index, told without loading the engine."""
        return ENGINE.present(self.folder / ENGINE_DIR)

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder.expanduser() / CATALOGUE).exists()

    @classmethod
    def open(cls, folder: Path, create: bool = False) -> Archive:
        folder = folder.expanduser()
        _no_links(folder)
        catalogue = folder / CATALOGUE
        new = not catalogue.exists()
        if new:
            if not create:
                raise ArchiveMissing(str(folder))
            if folder.is_dir() and any(folder.iterdir()):
                raise DataError(
                    f"{folder} is not empty and holds no archive.",
                    "Give --index a new or empty folder, so that nothing else gets mixed in.",
                )
        try:
            folder.mkdir(parents=True, exist_ok=True)
            store = Store(catalogue, write=create)  # an ingest: a read-only folder is named
            engine = None
            if new:  # an archive that is there loads its engine only when it needs it
                engine = ENGINE.open(folder / ENGINE_DIR, create=True)
        except (OSError, sqlite3.Error) as e:
            raise DataError(
                f"Cannot open the archive at {folder}: {e}.",
                "Check that the folder is writable, or choose another with --index.",
            ) from e
        return cls(folder, store, engine, writing=create)

    def close(self) -> None:
        self.store.close()

    def search(self, req: SearchRequest, snippets: bool = True) -> SearchResult:
        """The page of results the request asks for. Without `snippets` (an output that
        shows neither snippets nor highlights) no text is read: each result is its row
        of the catalogue, and snippet is ""."""
        if req.within:
            return self._search_within(req)
        t0 = time.perf_counter()
        found = self.engine.search(req)
        n = workers.count() if len(found.hits) >= PARALLEL_HITS and workers.can_fork() else 0
        if n and snippets:  # a long page's snippets, cut by worker processes
            results = _results_in_workers(self.store.path, found.hits, n)
        else:
            results = _results(self.store, found.hits, snippets)
        took = round((time.perf_counter() - t0) * 1000, 1)
        notes = [*req.notes, *found.notes]
        return SearchResult(
            req.text, found.total, req.offset, req.limit, took, results, notes, req.collapse
        )

    def _search_within(self, req: SearchRequest) -> SearchResult:
        """A search whose every full match is kept only where one sentence (or
        paragraph) of its title or body holds each required part of the query; the
        snippet is that sentence. The total counts those kept."""
        from conflictcli import within
        from conflictcli.analysis import spans_of
        from conflictcli.engine.snippets import mark

        assert req.within is not None
        t0 = time.perf_counter()
        every = replace(req, limit=0, offset=0, collapse=False, any_terms=False)
        found = self.engine.search(every)
        wanted = within.merged(within.needs(self.engine.tree(req)))
        kept: list[Result] = []
        for first in range(0, len(found.hits), TEXT_CHUNK):
            chunk = found.hits[first : first + TEXT_CHUNK]
            articles = self.store.articles([h.id for h in chunk])
            for h in chunk:
                a = articles.get(h.id)
                if a is None:
                    continue
                unit = None
                # the body first (its sentence is the snippet), then a title of its own
                for text in (a.body,) if a.title_derived else (a.body, a.title):
                    unit = within.first_unit(text, req.within, wanted)
                    if unit is not None:
                        break
                if unit is None:
                    continue
                mark(h, a.title, a.body)  # the marks of the title
                r = _result(a, h)
                r.snippet = " ".join(text[unit[0] : unit[1]].split())
                r.highlights = spans_of(r.snippet, h.words)
                kept.append(r)
        page = kept[req.offset : req.offset + req.limit] if req.limit else kept[req.offset :]
        took = round((time.perf_counter() - t0) * 1000, 1)
        notes = [*req.notes, *found.notes]
        return SearchResult(req.text, len(kept), req.offset, req.limit, took, page, notes, False)

    def explain(self, req: SearchRequest) -> Explanation:
        """How the engine reads a request, and how many articles it selects."""
        found = self.engine.explain(req)
        found.notes[:0] = req.notes
        return found

    def places(self, req: SearchRequest, limit: int = 0) -> Places:
        """The places the articles of a request name most (`limit` 0: every one named)."""
        total, counts, notes = self.engine.places(req)
        named = [
            Place(name.name, name.id, name.kind, n)
            for name, n in sorted(counts, key=lambda c: (-c[1], c[0].name))
            if n
        ]
        return Places(req.text, total, named[:limit] if limit else named, [*req.notes, *notes])

    def _facts(self, req: SearchRequest) -> tuple[list[tuple[str | None, str | None]], list[str]]:
        """The date and the source of every article the request selects (an article
        the catalogue lacks, after an ingest that stopped between the two, as neither)."""
        ids, notes = self.engine.matching(req)
        held = self.store.dates_and_sources(ids)
        return [held.get(i, (None, None)) for i in ids], [*req.notes, *notes]

    def count(self, req: SearchRequest, by: str | None = None) -> Count:
        """How many articles the request selects, grouped `by` source, month or year
        (the largest source first; periods in order, the undated last), or by the
        places they name (the most named first; an article counts for each of its
        places, and not at all without one)."""
        if by is None:
            return Count(req.text, self.engine.count(req), notes=list(req.notes))
        if by == "place":  # an article names any number of places: these groups overlap
            named = self.places(req)
            groups = [Group(p.place, p.articles) for p in named.places]
            return Count(req.text, named.total, by, groups, named.notes)
        facts, notes = self._facts(req)
        tally: dict[str | None, int] = {}
        if by == "source":
            spelled: dict[str | None, dict[str, int]] = {}  # outlet -> its spellings
            for _, source in facts:
                key = outlet_key(source) if source is not None else None
                tally[key] = tally.get(key, 0) + 1
                if source is not None:
                    spelled.setdefault(key, {}).setdefault(source, 0)
                    spelled[key][source] += 1
            order = sorted(tally, key=lambda k: (-tally[k], k is None, k or ""))
            groups = [
                Group(
                    max(spelled[k], key=spelled[k].__getitem__) if k is not None else None, tally[k]
                )
                for k in order
            ]
        else:
            size = 7 if by == "month" else 4
            for date, _ in facts:
                key = date[:size] if date else None
                tally[key] = tally.get(key, 0) + 1
            groups = [Group(k, tally[k]) for k in sorted(tally, key=lambda k: (k is None, k or ""))]
        return Count(req.text, len(facts), by, groups, notes)

    def timeline(self, reqs: list[SearchRequest], by: str | None = None) -> list[Timeline]:
        """Each request's articles counted per period, over one span of periods for
        all (from the first to the last matching day of any), empty periods as 0."""
        from conflictcli import timeline as tl

        days: list[list[dt.date]] = []
        undated: list[int] = []
        notes: list[list[str]] = []
        for req in reqs:
            facts, said = self._facts(req)
            dated = [dt.date.fromisoformat(d) for d, _ in facts if d]
            days.append(dated)
            undated.append(len(facts) - len(dated))
            notes.append(said)
        every = [d for dated in days for d in dated]
        if not every:
            by = by or "month"
            return [
                Timeline(r.text, by, [], u, [], None, None, n)
                for r, u, n in zip(reqs, undated, notes, strict=True)
            ]
        first, last = min(every), max(every)
        by = by or tl.default_by(first, last)
        span = tl.periods(first, last, by)
        out = []
        for req, dated, u, said in zip(reqs, days, undated, notes, strict=True):
            tally = dict.fromkeys(span, 0)
            for d in dated:
                tally[tl.period_of(d, by)] += 1
            counts = list(tally.values())
            out.append(
                Timeline(
                    req.text,
                    by,
                    [Bucket(p, n) for p, n in tally.items()],
                    u,
                    [span[i] for i in tl.peaks(counts)],
                    _iso(min(dated)) if dated else None,
                    _iso(max(dated)) if dated else None,
                    said,
                )
            )
        return out

    def similar(self, ref: str, limit: int = 10) -> tuple[Article, SearchResult]:
        """The articles most like the one `ref` names (as show resolves it), leaving
        out the article and the other copies of its story (near-duplicates: show lists
        them)."""
        t0 = time.perf_counter()
        a = self.resolve(ref)
        leave_out = {a.id, *(m.id for m in self.story(a))}
        found = self.engine.similar(f"{a.title}\n\n{a.body}", leave_out, limit)
        results = _results(self.store, found.hits)
        took = round((time.perf_counter() - t0) * 1000, 1)
        return a, SearchResult(f"similar to {a.id}", len(results), 0, limit, took, results, [])

    def export(
        self, req: SearchRequest | None, snippets: bool = True, texts: bool = True
    ) -> tuple[int, Iterator[tuple[Result, str]]]:
        """Every article the request selects (None: the whole archive, in the order it
        was added), each as its search result with its body, in the order of search
        --limit 0: how many there are, and the rows, read EXPORT_CHUNK at a time so
        that memory stays flat however many match. Without `snippets` the results
        have none (""), and without `texts` the bodies are "": what is not written
        is not read."""
        if req is None:
            return self.store.article_count(), self._every_article()
        found = self.engine.search(replace(req, limit=0, offset=0, collapse=False))
        hits = found.hits

        step = TEXT_CHUNK if (snippets or texts) else EXPORT_CHUNK

        def rows() -> Iterator[tuple[Result, str]]:
            for first in range(0, len(hits), step):
                yield from _rows(self.store, hits[first : first + step], snippets, texts)

        return found.total, rows()

    def _every_article(self) -> Iterator[tuple[Result, str]]:
        from conflictcli.engine.records import Hit
        from conflictcli.engine.snippets import mark

        for a in self.store.iter_articles():
            hit = Hit(id=a.id, score=None)
            mark(hit, a.title, a.body)
            yield _result(a, hit), a.body

    # -- watchlists: saved searches that show what is new since they last ran --------
    def watch_add(self, name: str, filters: Filters) -> None:
        """Save a search as a watch, its filters as typed; what it finds today counts
        as shown, so that its first run shows the articles ingested after this."""
        import json

        req = filters.request()
        if not name.strip() or name != name.strip():
            raise UsageError(f"{name!r} is no name for a watch.", "Use a word, such as: kherson")
        ids, _ = self.engine.matching(req)  # reads the query: a bad one is refused now
        saved = json.dumps(filters.as_stored(), ensure_ascii=False)
        if not self.store.add_watch(name, req.text, saved, ids):
            raise UsageError(
                f"A watch named {name!r} exists.", f"Remove it first: conflict watch rm {name}"
            )

    def watches(self) -> list[Watch]:
        import json

        return [
            Watch(name, query, json.loads(filters), created, last_run)
            for name, query, filters, created, last_run in self.store.watches()
        ]

    def watch_rm(self, name: str) -> None:
        if not self.store.remove_watch(name):
            raise NotFound(f"No watch named {name!r}.", "'conflict watch list' lists them.")

    def watch_run(self, watch: Watch, peek: bool) -> SearchResult:
        """The watch's matches that it has not shown yet, in the order of its search;
        marked as shown unless `peek`."""
        req = Filters.from_stored(watch.filters).request()
        t0 = time.perf_counter()
        found = self.engine.search(replace(req, limit=0, offset=0, collapse=False))
        new = set(self.store.unseen(watch.name, [h.id for h in found.hits]))
        results = _results(self.store, [h for h in found.hits if h.id in new])
        if not peek:
            self.store.watched(watch.name, [r.id for r in results])
        took = round((time.perf_counter() - t0) * 1000, 1)
        return SearchResult(watch.query, len(results), 0, 0, took, results, found.notes)

    def resolve(self, ref: str) -> Article:
        """An article by full id, unique id prefix (4+ characters), file path, or
        path:ROW for a row of a CSV or a line of a JSON Lines file."""
        file, _, row = ref.rpartition(":")
        if file and row.isdigit() and Path(file).expanduser().is_file():
            where = str(Path(file).expanduser().resolve())
            for aid in self.store.article_ids_of(where, int(row)):
                return self.store.articles([aid])[aid]
            raise NotFound(
                f"Row {row} of {file} is not in the archive.",
                f"Run 'conflict show {file}' for its first article, or ingest it again.",
            )
        as_path = Path(ref).expanduser()
        if as_path.exists():
            for aid in self.store.article_ids_of(str(as_path.resolve())):
                return self.store.articles([aid])[aid]
            raise NotFound(
                f"The file {ref} is not in the archive.", f"Run 'conflict ingest {ref}' to add it."
            )
        key = ref.lower()
        if len(key) < MIN_PREFIX:
            raise NotFound(
                f"{ref!r} is too short to name an article.",
                f"Give at least {MIN_PREFIX} characters of its id, or its file's path.",
            )
        ids = self.store.ids_with_prefix(key)
        if not ids:
            raise NotFound(
                f"No article with id {ref!r}.", "Find ids with 'conflict search <words>'."
            )
        if len(ids) > 1:
            raise NotFound(
                f"{ref!r} is the start of several ids: {', '.join(ids[:10])}.",
                "Give more characters of the id.",
            )
        return self.store.articles(ids)[ids[0]]

    def story(self, a: Article) -> list[Member]:
        """The other articles of the article's story, the first one first."""
        if not a.cluster:
            return []
        return [Member(*m) for m in self.store.story(a.cluster) if m[0] != a.id]

    def stories(self, limit: int) -> Stories:
        """The largest stories (more than one article), each with its members."""
        from conflictcli.stories import THRESHOLD

        count, held = self.store.story_counts()
        largest = [
            Story(cid, n, first, last, [Member(*m) for m in self.store.story(cid)])
            for cid, n, first, last in self.store.largest_stories(limit)
        ]
        return Stories(count, held, THRESHOLD, largest)

    def sources(self) -> list[Source]:
        return [Source(*row) for row in self.store.sources()]

    def stats(self) -> Stats:
        first, last = self.store.date_range()
        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        return Stats(
            articles=self.store.article_count(),
            first_date=first,
            last_date=last,
            undated=self.store.undated_count(),
            by_month=_every_month(self.store.by_month()),
            index_bytes=size,
            last_ingest=self.store.last_run(),
            location=str(self.folder),
        )


def _holder(path: Path) -> tuple[int | None, dt.datetime | None]:
    """The process that holds the writer's lock, and since when, as it wrote them."""
    try:
        pid, since = path.read_text(encoding="ascii").split()
        return int(pid), dt.datetime.fromisoformat(since)
    except (OSError, ValueError):
        return None, None


def _every_month(counts: dict[str, int]) -> dict[str, int]:
    """Every month from the first to the last, with zeros: a gap in coverage shows."""
    if not counts:
        return {}
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    out: dict[str, int] = {}
    while (key := f"{year:04d}-{month:02d}") <= last:
        out[key] = counts.get(key, 0)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


EXPORT_CHUNK = 500  # articles an export reads from the catalogue at a time
# ... when it reads their texts: each may hold up to 16 MB (the catalogue's bound), so
# 32 at a time stay within 512 MB whatever the archive holds
TEXT_CHUNK = 32
PARALLEL_HITS = 1000  # a page this long has its snippets cut by worker processes
CHUNK = 200  # hits a worker takes at a time
# what a forked worker inherits: the catalogue it opened, the page it cuts snippets for
_WORKER_STORE: Store | None = None
_WORKER_HITS: list[Hit] = []


def _results(store: Store, hits: list[Hit], snippets: bool = True) -> list[Result]:
    """The page's results: each article's fields from the catalogue, with its snippet
    and marks cut from its text (unless not `snippets`: then no text is read). A hit
    the catalogue lacks (an ingest that stopped between the two) is left out."""
    return [r for r, _ in _rows(store, hits, snippets, texts=snippets)]


def _rows(
    store: Store, hits: list[Hit], snippets: bool = True, texts: bool = True
) -> list[tuple[Result, str]]:
    """_results, each with the article's body ("" without `texts`: not read)."""
    from conflictcli.engine.snippets import mark

    articles = store.articles([h.id for h in hits], texts=texts or snippets)
    rows = []
    for h in hits:
        a = articles.get(h.id)
        if a is None:
            continue
        if snippets:
            mark(h, a.title, a.body)
        rows.append((_result(a, h), a.body))
    return rows


def _result(a: Article, h: Hit) -> Result:
    return Result(
        id=a.id,
        date=_iso(a.date),
        title=a.title,
        source=a.source,
        url=a.url,
        path=a.paths[0] if a.paths else None,
        score=h.score,
        snippet=h.snippet,
        highlights=h.highlights,
        title_highlights=h.title_highlights,
        partial=h.partial,
        cluster=a.cluster,
        similar=h.similar,
    )


def _results_in_workers(catalogue: Path, hits: list[Hit], n: int) -> list[Result]:
    """_results, a chunk of the page at a time, in `n` worker processes forked from this
    one (the snippets of 20,000 results take seconds), in the order of the page. The
    workers find the page in the memory they inherit, so a chunk is sent as two numbers
    and comes back as tuples (pickling the hits and the Result objects both ways took
    a fifth of the time). Each worker opens the catalogue for itself: a connection is
    never shared across a fork."""
    import multiprocessing

    global _WORKER_HITS
    context = multiprocessing.get_context("fork")
    _WORKER_HITS = hits
    try:
        with context.Pool(n, initializer=_worker_start, initargs=(catalogue, os.getpid())) as pool:
            chunks = pool.imap(_worker_results, range(0, len(hits), CHUNK))
            return [Result(*fields) for part in chunks for fields in part]
    finally:
        _WORKER_HITS = []


def _worker_start(catalogue: Path, parent: int) -> None:
    global _WORKER_STORE
    workers.init(parent)
    _WORKER_STORE = Store(catalogue)


def _worker_results(first: int) -> list[tuple[Any, ...]]:
    assert _WORKER_STORE is not None
    found = _results(_WORKER_STORE, _WORKER_HITS[first : first + CHUNK])
    return [tuple(getattr(r, name) for name in _RESULT_FIELDS) for r in found]


_RESULT_FIELDS = tuple(f.name for f in fields(Result))  # in the order Result() takes them
