"""An ingest's writes: what each file read gives, filed in the archive. Each new article
goes into the catalogue, the index (the engine's Writer) and its story; each file's
record says which articles it holds, row by row; an article no file holds any more
leaves both. A file read whole is filed at once (Filing.file); a large CSV, JSON Lines
or JSON file a batch of rows at a time as it is read (Filing.stream)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from conflictcli.articles import Article
from conflictcli.readers import Sidecars, SkipFile
from conflictcli.readers import stream as stream_rows
from conflictcli.reading import (
    Analysed,
    FileRead,
    Workers,
    analysed_batches,
    bounded,
    detect_languages,
)
from conflictcli.records.upkeep import IngestSummary, Skipped
from conflictcli.store import FileRecord, Store
from conflictcli.stories import Stories, bands

if TYPE_CHECKING:
    from conflictcli.engine.base import Writer  # the engine loads only when there is work
    from conflictcli.readers import Stream


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...
    def rows(self, name: str, rows: int, done: int, size: int) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def rows(self, name: str, rows: int, done: int, size: int) -> None:
        pass


@dataclass
class _Rows:
    """How far the filing of a large file got."""

    name: str
    old_ids: set[str]  # the articles the file held before
    last: int = 0  # the last row read
    read: int = 0  # rows read, those held before included
    stopped: str | None = None  # why the file stopped reading part way
    problems: list[tuple[int, str]] = field(default_factory=list)  # rows that gave nothing


@dataclass
class Filing:
    """One ingest's writes, file after file, into the catalogue's batch and the index's
    writer that the caller holds; the counts and what was skipped go to `summary`."""

    store: Store
    writer: Writer
    summary: IngestSummary
    stories: Stories
    sidecars: Sidecars
    progress: Progress
    pool: Workers  # the ingest's worker processes, which analyse a large file's rows
    checkpoint: Callable[[], None]  # commits both, when a checkpoint is due
    revised: set[str] = field(default_factory=set)  # articles whose metadata changed

    def file(self, got: FileRead, known: FileRecord | None) -> None:
        """What was read of one file, read whole, into the catalogue and the index,
        each new article in its story."""
        store, summary = self.store, self.summary
        known_sha = known.sha256 if known else None
        summary.warnings += [w for w in got.sidecar_warnings if w not in summary.warnings]
        summary.skipped += [Skipped(f"{got.name}:{row}", why) for row, why in got.problems]
        if got.skip:
            summary.skipped.append(Skipped(got.name, got.skip))
            return
        record = FileRecord(got.name, got.sha, got.size, got.mtime)
        old_ids = store.article_ids_of(got.name) if known_sha else []
        # the same bytes are parsed again only when read anew (--map, --dayfirst): the
        # same articles are revised; others (a date read anew) replace them below
        same = {a.id for a in got.articles} == set(old_ids)
        if got.sha == known_sha and (same or not got.articles):
            for n, a in enumerate(got.articles):
                self.revise(a, got.analysed[n] if got.analysed else None)
            summary.unchanged += 1
            store.touch_file(record)
            return
        for n, a in enumerate(got.articles):
            where = f"{got.name}:{a.row}" if a.row else got.name
            summary.warnings += [f"{where}: {w}" for w in a.warnings]
            if store.has_article(a.id):
                summary.duplicates += a.id not in old_ids
                if a.id in old_ids:
                    self.revise(a, got.analysed[n] if got.analysed else None)
                continue
            found = got.prints[n] if got.prints else None
            a.cluster = self.stories.story_of(a.id, a.body, found, a.date)
            if not got.analysed:  # read here, not by a worker: its language is found here
                detect_languages([a])
            store.put_article(a, got.packed[n] if got.packed else None)
            self.writer.add(a, got.analysed[n] if got.analysed else None)
            summary.articles_added += 1
        store.put_file(record, [(a.row, a.id) for a in got.articles])
        self.drop([i for i in old_ids if not store.paths(i)])
        if known_sha:
            summary.updated += 1
        else:
            summary.added += 1

    def stream(self, name: str, known: FileRecord | None) -> None:
        """A large CSV, JSON Lines or JSON file, a batch of rows at a time: its rows are
        parsed here as the file is read, analysed by worker processes, and written as
        they come, so memory stays flat whatever the size; checkpoints are made between
        batches. A file that stops reading part way (a broken compressed stream, a run
        that died) keeps the rows before the break, and is read again by the next
        ingest, which analyses only the rows that are not in yet."""
        rows = _Rows(name, set())
        try:
            stat = os.stat(name)
            got = stream_rows(Path(name), self.sidecars, rows.problems)
        except OSError as e:
            self.summary.skipped.append(Skipped(name, f"cannot read: {e.strerror}"))
            return
        except SkipFile as e:
            self.summary.skipped.append(Skipped(name, str(e)))
            return
        rows.old_ids = set(self.store.article_ids_of(name)) if known else set()
        # size -1 until the end is reached: a run that stops part way reads it again
        self.store.put_file(FileRecord(name, "", -1, stat.st_mtime), [])
        articles = self._not_held(bounded(got.articles, rows.problems), rows)
        try:
            for batch in analysed_batches(articles, self.store.dictionary, self.pool):
                self._rows(batch, rows)
                self.progress.rows(Path(name).name, rows.read, got.raw.done, stat.st_size)
                self.checkpoint()
        except SkipFile as e:
            rows.stopped = str(e)
        self._streamed(got, stat, known, rows)

    def _not_held(self, articles: Iterator[Article], rows: _Rows) -> Iterator[Article]:
        """The rows whose article the archive lacks; those it holds (read before a run
        stopped, or copies of others) are linked to the file again, not analysed."""
        for a in articles:
            if self.store.has_article(a.id):
                self.summary.duplicates += a.id not in rows.old_ids
                if a.id in rows.old_ids:
                    self.revise(a, None)
                self.store.add_links(rows.name, [(a.row, a.id)])
                rows.last, rows.read = a.row, rows.read + 1
                continue
            yield a

    def _rows(self, batch: list[Analysed], rows: _Rows) -> None:
        """A batch of a large file's rows, analysed, into the catalogue and the index."""
        for a, analysed, packed, found in batch:
            rows.last = max(rows.last, a.row)
            self.summary.warnings += [f"{rows.name}:{a.row}: {w}" for w in a.warnings]
            if self.store.has_article(a.id):
                self.summary.duplicates += a.id not in rows.old_ids
                continue
            a.cluster = self.stories.story_of(a.id, a.body, found, a.date)
            self.store.put_article(a, packed)
            self.writer.add(a, analysed)
            self.summary.articles_added += 1
        self.store.add_links(rows.name, [(a.row, a.id) for a, _, _, _ in batch])
        rows.read += len(batch)

    def _streamed(
        self, got: Stream, stat: os.stat_result, known: FileRecord | None, rows: _Rows
    ) -> None:
        """A large file's end: known by its hash and size when it was read to the end."""
        summary, name = self.summary, rows.name
        summary.skipped += [Skipped(f"{name}:{row}", why) for row, why in rows.problems]
        if rows.stopped is not None:
            summary.skipped.append(
                Skipped(
                    f"{name}:{rows.last + 1}",
                    f"stopped reading: {rows.stopped}; the {rows.read:,} articles before it "
                    "are in, and the next ingest reads the file again",
                )
            )
        else:
            self.store.touch_file(FileRecord(name, got.sha256(), stat.st_size, stat.st_mtime))
        self.drop([i for i in rows.old_ids if not self.store.paths(i)])
        if known and rows.stopped is None and got.sha256() == known.sha256:
            summary.unchanged += 1  # touched, not changed: read again to know it
        elif known:
            summary.updated += 1
        else:
            summary.added += 1

    def prune(self, roots: list[Path], known: dict[str, FileRecord]) -> None:
        """Forget the files under the given roots that no longer exist."""
        for p in known:
            path = Path(p)
            if any(path == r or r in path.parents for r in roots) and not path.exists():
                self.drop(self.store.drop_file(p))
                self.summary.removed += 1

    def drop(self, ids: list[str]) -> None:
        """Articles no file holds any more, out of the index and the catalogue."""
        for i in ids:
            self.writer.delete(i)
        self.store.drop_articles(ids, bands)
        self.summary.articles_removed += len(ids)

    def revise(self, a: Article, analysed: Any) -> None:
        """An article its file held before, given again: the metadata the source gives
        now (a new --map, a title line added) replaces what the archive holds where it
        differs; what it no longer gives is kept. The text is the same (the id says so):
        its story and its place in the catalogue stay, the index gets it anew."""
        if a.id in self.revised:  # once a run: the index holds its new document already
            return
        held = self.store.metadata([a.id]).get(a.id)
        if held is None:
            return
        changes: dict[str, object] = {
            k: v for k in ("source", "url", "author") if (v := getattr(a, k)) and v != held[k]
        }
        if not a.title_derived and a.title and (a.title != held["title"] or held["title_derived"]):
            changes.update(title=a.title, title_derived=0)
        if not changes:
            return
        self.revised.add(a.id)
        self.store.revise(a.id, changes)
        self.writer.delete(a.id)
        self.writer.add(self.store.articles([a.id])[a.id], analysed)
        self.summary.articles_updated += 1
