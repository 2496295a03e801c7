"""The archive: where it lives, how it opens, who writes to it, and what every command
asks of it.

An archive is a folder holding the catalogue (`catalogue.sqlite`, see store/) and
the search index of its engine (`whoosh/`, see engine/). Archive joins the two: the
engine finds ids, the catalogue supplies what is shown. Each of its answers comes from
the module of its family: searching.py (search, explain, export, similar), counting.py
(count, timeline, places), watching.py (watches), holdings.py (what the catalogue
alone tells: an article, its story, the sources, stats); pages.py makes hits results.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from conflictcli.engine import DEFAULT as DEFAULT_ENGINE
from conflictcli.engine import ENGINES
from conflictcli.engine import kind as engine_kind
from conflictcli.errors import ArchiveBusy, ArchiveMissing, DataError
from conflictcli.filters import Filters
from conflictcli.keys import linked, open_lock
from conflictcli.store import Store

if TYPE_CHECKING:  # each command loads the family of its answer (and of its records)
    from conflictcli.articles import Article
    from conflictcli.query import SearchRequest
    from conflictcli.records.counts import Count, Places, Timeline
    from conflictcli.records.holdings import Member, Source, Stats, Stories
    from conflictcli.records.search import Result, SearchResult, Suggestion, Watch

if TYPE_CHECKING:  # the search engine (Whoosh) loads only for the commands that search
    from conflictcli.engine import Kind
    from conflictcli.engine.base import Engine
    from conflictcli.engine.records import Explanation

CATALOGUE = "catalogue.sqlite"
WRITER_LOCK = "writer.lock"  # who writes: "PID start-time", while they hold it
SYNCED = "index_generation"  # in the catalogue: the index commit it last committed with
ENGINE = engine_kind()  # the default engine (engine/): its package, not yet the engine
ENGINE_DIR = ENGINE.FOLDER
INDEX_LAYOUT = ENGINE.LAYOUT  # recorded in the catalogue with the index it built
ENGINE_KEY = "engine"  # in the catalogue: the archive's engine (none: the default's)


# what an archive folder holds; none of them may be a link (an archive from elsewhere
# could point one at a file of the user's, which a write would then change)
_OWN = (
    CATALOGUE,
    f"{CATALOGUE}-wal",
    f"{CATALOGUE}-shm",
    f"{CATALOGUE}-journal",
    WRITER_LOCK,
    *ENGINES,  # each engine's folder is named as the engine
)


def _no_links(folder: Path) -> None:
    for name in _OWN:
        if (folder / name).is_symlink():
            raise linked(folder / name)


class Archive:
    """An archive opened: its folder, its catalogue, and its engine (opened when first
    asked for)."""

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
        self._kind: Kind | None = None

    @property
    def kind(self) -> Kind:
        """The archive's engine as its catalogue names it (its package, not yet loaded)."""
        if self._kind is None:
            self._kind = kind_named(self.store.meta(ENGINE_KEY) or DEFAULT_ENGINE, self.folder)
        return self._kind

    def switch(self, name: str) -> None:
        """Use the engine `name` from now on (reindex --engine): its index is built anew
        by the caller, which records the engine with it (store ENGINE_KEY)."""
        self._kind = kind_named(name, self.folder)
        self._engine = None

    @property
    def engine(self) -> Engine:
        """The search index, opened on first use: show and stats answer from the
        catalogue alone."""
        if self._engine is None:
            if not self._create:  # an ingest rebuilds an index of another layout
                self._check_layout()
            from conflictcli import names

            self._engine = self.kind.open(self.folder / self.kind.FOLDER, create=self._create)
            # the spellings of names as the last ingest stored them, unless the package's
            # gazetteer changed since (then it is read whole: the same names, slower)
            if self.store.meta("names") == names.signature(f"layout {INDEX_LAYOUT}"):
                self._engine.names = names.StoredNames(self.store)
        return self._engine

    @contextmanager
    def writing(self, wait: float, what: str = "ingest") -> Iterator[None]:
        """The archive to oneself for a write (`what`: an ingest, an rm): waits up to
        `wait` seconds for another writer, then ArchiveBusy naming it. The lock is the
        system's (flock) on WRITER_LOCK, so a writer that dies, even by kill -9, leaves
        nothing held."""
        try:
            import fcntl
        except ImportError:  # not on this system: the engine's and SQLite's own locks remain
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
            since = dt.datetime.now().isoformat(timespec="seconds")
            os.pwrite(fd, f"{os.getpid()} {since} {what}\n".encode(), 0)
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
        self._engine = self.kind.create(self.folder / self.kind.FOLDER)
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
        if layout < self.kind.LAYOUT:
            raise DataError(
                f"The search index in {self.folder} was built by an older version of "
                f"conflict (index layout {layout}; this version reads layout {self.kind.LAYOUT}).",
                f"Run 'conflict reindex --index {self.folder}' to rebuild it from "
                "the catalogue (nothing is lost; any later ingest does it too).",
            )
        if layout > self.kind.LAYOUT:
            raise DataError(
                f"The archive in {self.folder} was built by a newer version of conflict "
                f"(index layout {layout}).",
                "Upgrade conflict to search it; show and stats work as they are.",
            )

    def index_present(self) -> bool:
        """Whether there is a search index, told without loading the engine."""
        return self.kind.present(self.folder / self.kind.FOLDER)

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder.expanduser() / CATALOGUE).exists()

    @classmethod
    def open(cls, folder: Path, create: bool = False, engine_name: str | None = None) -> Archive:
        """The archive in `folder`; with `create`, made there if missing, with the engine
        `engine_name` (engine.chosen: else $CONFLICT_ENGINE, else the default). An
        archive that is there keeps its own engine (reindex --engine changes it). A team
        archive (a PostgreSQL URL) is opened by team.open_archive."""
        from conflictcli.engine import chosen

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
                kind = kind_named(chosen(engine_name), folder)
                with store.batch():
                    store.set_meta(ENGINE_KEY, kind.NAME)
                store.commit()
                engine = kind.open(folder / kind.FOLDER, create=True)
        except (OSError, sqlite3.Error) as e:
            raise DataError(
                f"Cannot open the archive at {folder}: {e}.",
                "Check that the folder is writable, or choose another with --index.",
            ) from e
        return cls(folder, store, engine, writing=create)

    def close(self) -> None:
        self.store.close()

    # -- what the commands ask: each answered by the module of its family, loaded by the
    # command that asks (stats and show load neither the counting nor the searching) --
    def search(self, req: SearchRequest, snippets: bool = True, rows: bool = True) -> SearchResult:
        """The page of results the request asks for (without `snippets`, no text is read;
        without `rows`, no row of the catalogue: only what the index holds)."""
        from conflictcli import searching

        return searching.search(self.engine, self.store, req, snippets, rows)

    def explain(self, req: SearchRequest) -> Explanation:
        """How the engine reads a request, and how many articles it selects."""
        from conflictcli import searching

        return searching.explain(self.engine, req)

    def export(
        self, req: SearchRequest | None, snippets: bool = True, texts: bool = True
    ) -> tuple[int, Iterator[tuple[Result, str]]]:
        """Every article the request selects (None: the whole archive, in the order it
        was added, the engine not loaded), each as its search result with its body:
        how many there are, and the rows, read as they are written."""
        from conflictcli import searching

        if req is None:
            return self.store.article_count(), searching.every_article(self.store)
        return searching.export(self.engine, self.store, req, snippets, texts)

    def similar(self, ref: str, limit: int = 10) -> tuple[Article, SearchResult]:
        """The article `ref` names (as show resolves it), and the articles most like it
        that are not copies of its story."""
        from conflictcli import searching

        a = self.resolve(ref)  # before the engine loads: a wrong name is told as such
        return a, searching.similar(self.engine, self.store, a, self.story(a), limit)

    def suggest(self, req: SearchRequest) -> list[Suggestion]:
        """For a request that selected nothing: the outlets of --source and the words of
        its query that hold no article, with the nearest spellings the archive holds."""
        from conflictcli import suggesting

        return suggesting.suggestions(self.engine, self.store, req)

    def count(self, req: SearchRequest, by: str | None = None) -> Count:
        """How many articles the request selects, grouped `by` source, month, year or place."""
        from conflictcli import counting

        return counting.count(self.engine, self.store, req, by)

    def facets(self, req: SearchRequest, kinds: tuple[str, ...]) -> dict[str, Count]:
        """The request's articles grouped each of these ways, as count --by groups them."""
        from conflictcli import counting

        return counting.facets(self.engine, self.store, req, kinds)

    def timeline(self, reqs: list[SearchRequest], by: str | None = None) -> list[Timeline]:
        """Each request's articles counted per period, over one span for all."""
        from conflictcli import counting

        return counting.timeline(self.engine, self.store, reqs, by)

    def places(self, req: SearchRequest, limit: int = 0) -> Places:
        """The places the articles of a request name most (`limit` 0: every one named)."""
        from conflictcli import counting

        return counting.places(self.engine, req, limit)

    def watch_add(self, name: str, filters: Filters) -> None:
        """Save a search as a watch; what it finds today counts as shown."""
        from conflictcli import watching

        req = filters.request()
        watching.check_name(name)  # the name and the dates before the engine loads
        watching.add(self.engine, self.store, name, filters, req)

    def watches(self) -> list[Watch]:
        from conflictcli import watching

        return watching.watches(self.store)

    def watch_rm(self, name: str) -> None:
        from conflictcli import watching

        watching.remove(self.store, name)

    def watch_run(self, watch: Watch, peek: bool, notes_shown: bool = True) -> SearchResult:
        """The watch's matches that it has not shown yet, and the notes it has not shown;
        marked as shown unless `peek` (the notes unless they are not, `notes_shown`)."""
        from conflictcli import watching

        req = Filters.from_stored(watch.filters).request()
        return watching.run(self.engine, self.store, watch, req, peek, notes_shown)

    def resolve(self, ref: str) -> Article:
        """An article by full id, unique id prefix, file path, or path:ROW."""
        from conflictcli import holdings

        return holdings.resolve(self.store, ref)

    def story(self, a: Article) -> list[Member]:
        """The other articles of the article's story, the first one first."""
        from conflictcli import holdings

        return holdings.story(self.store, a)

    def stories(self, limit: int, filters: Filters | None = None) -> Stories:
        """The largest stories (more than one article), each with its members; with a
        query or a filter, those with more than one of the articles it selects, each
        with those articles (no query, only filters: every article they let through)."""
        from conflictcli import holdings

        if filters is None or not (filters.query.strip() or filters.narrowed()):
            return holdings.stories(self.store, limit)
        req = filters.with_query(filters.query if filters.query.strip() else "*").request()
        ids, _ = self.engine.matching(req)
        return holdings.stories(self.store, limit, ids, filters.query)

    def sources(self) -> list[Source]:
        from conflictcli import holdings

        return holdings.sources(self.store)

    def stats(self) -> Stats:
        from conflictcli import holdings

        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        return holdings.stats(self.store, str(self.folder), size)


def kind_named(name: str, folder: Path) -> Kind:
    """The engine `name` of the archive in `folder`: a DataError naming the next step
    when this version has no such engine, or it is not installed."""
    from conflictcli.engine import installed

    if name not in ENGINES:
        raise DataError(
            f"The archive in {folder} uses an engine this version of conflict does not have "
            f"({name[:40]!r}).",
            "Upgrade conflict, or run 'conflict reindex --engine whoosh' to search it here.",
        )
    if not installed(name):
        raise DataError(
            f"The archive in {folder} uses the {name} engine, which is not installed.",
            f"Install it with: pip install 'conflict[{name}]' (or run 'conflict reindex "
            f"--engine whoosh --index {folder}' to use the default engine).",
        )
    return engine_kind(name)


def _holder(path: Path) -> tuple[int | None, dt.datetime | None, str]:
    """The process that holds the writer's lock, since when, and what it does (an
    ingest, an rm), as it wrote them."""
    try:
        pid, since, *what = path.read_text(encoding="ascii").split()
        return int(pid), dt.datetime.fromisoformat(since), (what or ["ingest"])[0]
    except (OSError, ValueError):
        return None, None, "ingest"
