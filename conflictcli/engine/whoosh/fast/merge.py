"""Segments merged in tiers, so that an ingest writes each posting a few times, not
once per checkpoint or all at its end.

An ingest's checkpoints commit small segments (segment.py, marked as a checkpoint's).
Once those at the end of the index hold FLUSH_DOCS documents, or the ingest ends, they
are merged into one; once
FACTOR segments of blocks of about the same size follow each other at the end of the
index, they are merged into one of the next size (a tier), and so on: each posting is
rewritten about log_FACTOR(N / FLUSH_DOCS) times, and an index of N documents keeps a
few segments per tier. Only segments next to each other are merged, into the place
they held: every document keeps its place in the index's order (a tie in score goes
to the earlier one), and a merged segment reads back as one writer given the same
documents (tests/test_segment.py), with the same field lengths.

A merge copies its segments' stored fields, lengths and columns here, in order, then
has their postings read and written again a range of terms at a time by the worker
processes (reread.py), in a thread while the ingest goes on; the next checkpoint after
it is done commits it. The sources' files stay until the next commit, for searches that
opened them.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import bisect
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from conflictcli.engine.whoosh.fast import upstream
from conflictcli.engine.whoosh.fast.reread import Job, Source, encode_range, jobs
from conflictcli.engine.whoosh.fast.segment import INLINED

FLUSH_DOCS = 16_000  # documents of checkpoints' segments at the end merged into one
FLUSH_SEGMENTS = 48  # ... or this many of them (checkpoints of a few articles each)
FACTOR = 8  # segments of one tier merged into one of the next
FINAL_DOCS = 2 * FLUSH_DOCS  # documents of the largest merge of tiers at an ingest's end
UNIT = 1 << 20  # bytes: the tiers are log_FACTOR of a segment's size in these

Mapper = Callable[[Callable[[Any], Any], Iterator[Any]], Iterator[Any]]


@dataclass(frozen=True)
class Held:
    """What the tiers need to know of a segment."""

    docs: int
    size: int  # bytes of its files
    checkpoint: bool  # a checkpoint's segment (marked INLINED)

    @property
    def tier(self) -> int:
        return max(0, int(math.log(max(self.size, UNIT) / UNIT, FACTOR)))


def plan(held: Sequence[Held], final: bool) -> tuple[int, int] | None:
    """The segments to merge next, as a range of `held` (the index's order), or None.
    First the checkpoints' segments at the end, once they hold FLUSH_DOCS documents or
    FLUSH_SEGMENTS segments (at the end of an ingest, `final`, whatever they hold);
    else the longest run at the end of tier T or below in which FACTOR segments are of
    tier T, for the lowest such T."""
    n = len(held)
    start = n
    while start > 0 and held[start - 1].checkpoint:
        start -= 1
    if start < n:
        docs = sum(h.docs for h in held[start:])
        if final or docs >= FLUSH_DOCS or n - start >= FLUSH_SEGMENTS:
            return (start, n) if n - start > 1 or final else None
        return None
    for tier in range(max((h.tier for h in held), default=0) + 1):
        start = n
        while start > 0 and held[start - 1].tier <= tier:
            start -= 1
        if sum(1 for h in held[start:] if h.tier == tier) >= FACTOR:
            return start, n
    return None


def segment_sizes(folder: str) -> dict[str, int]:
    """Each segment's bytes on disk, by id (MAIN_...), and (as id + '.inlined') its
    marker."""
    out: dict[str, int] = {}
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith("MAIN_") and "." in name:
            seg, ext = name.split(".", 1)
            if ext == INLINED:
                out[name] = 1
            else:
                out[seg] = out.get(seg, 0) + entry.stat().st_size
    return out


def held(ix: Any) -> tuple[list[Any], list[Held]]:
    """The segments of the index's latest commit, and what the tiers need of each."""
    segments = upstream.committed_segments(ix)
    sizes = segment_sizes(ix.storage.folder)
    return segments, [
        Held(
            s.doc_count(),
            sizes.get(s.segment_id(), 0),
            f"{s.segment_id()}.{INLINED}" in sizes,
        )
        for s in segments
    ]


def tiers(ix: Any, mapper: Mapper | None, final: bool) -> int:
    """Every merge the tiers call for now (plan), one after the other; how many. At the
    end of an ingest (`final`): the checkpoints' segments merged, and the tiers' merges
    that take FINAL_DOCS documents at most (a larger one waits for the next ingest's
    checkpoints, which write it while they go on); the sources' files are not kept."""
    done = 0
    while True:
        segments, described = held(ix)
        span = plan(described, final)
        if span is None:
            return done
        checkpoints = all(h.checkpoint for h in described[span[0] : span[1]])
        if (
            final
            and not checkpoints
            and sum(h.docs for h in described[span[0] : span[1]]) > FINAL_DOCS
        ):
            return done
        m = Merge(ix, segments, span, mapper, keep=not final)
        m.write()
        m.commit()
        done += 1


class Merge:
    """Segments span[0]..span[1] of the latest commit's, merged into one new segment:
    made here (the documents copied: quick), its postings written by write() (in
    worker processes, through `mapper`: most of the time; start() does it in a thread,
    while the ingest goes on), and committed in their place by commit(), at a
    checkpoint (the caller holds the write lock; checkpoints' writers keep the new
    segment's files meanwhile: `segment`). Deletions made meanwhile in the segments
    merged are moved to the new one."""

    def __init__(
        self,
        ix: Any,
        segments: list[Any],
        span: tuple[int, int],
        mapper: Mapper | None,
        keep: bool,
    ) -> None:
        from whoosh.reading import SegmentReader

        from conflictcli.engine.whoosh.fast.segment import BulkSegmentWriter

        self.ix, self.mapper = ix, mapper
        self.w = w = BulkSegmentWriter(ix, limitmb=1)
        self.segment = w.newsegment
        self.chosen = segments[span[0] : span[1]]
        marks = segment_sizes(ix.storage.folder)
        # a merge of checkpoints' segments (else of segments merged before)
        self.of_checkpoints = all(f"{s.segment_id()}.{INLINED}" in marks for s in self.chosen)
        self.keep = keep
        self.error: BaseException | None = None
        self.stop = False
        self._thread: threading.Thread | None = None
        self.readers = [SegmentReader(w.storage, w.schema, seg) for seg in self.chosen]
        try:
            self.sources, base = [], 0
            for seg in self.chosen:
                gone = tuple(sorted(seg.deleted_docs())) if seg.has_deletions() else ()
                self.sources.append(Source(seg, base, gone))
                base += seg.doc_count_all() - len(gone)
            for r in self.readers:  # stored fields, lengths and columns, in order
                w.copy_documents(r)
            w.perdocwriter.close()
        except BaseException:
            self.cancel()
            raise

    def write(self) -> None:
        """The postings, a field and a range of its terms at a time."""
        try:
            work = jobs(self.ix.storage.folder, self.readers, self.sources)
            self.w.write_postings((self.mapper or map)(encode_range, self._until_stopped(work)))
        except BaseException as e:
            self.error = e
        finally:
            for r in self.readers:
                r.close()
            self.readers = []

    def _until_stopped(self, work: Iterator[Job]) -> Iterator[Job]:
        for job in work:
            if self.stop:
                raise RuntimeError("the merge was stopped")
            yield job

    def start(self) -> None:
        """write(), in a thread of its own."""
        self._thread = threading.Thread(target=self.write, name="conflict-merge", daemon=True)
        self._thread.start()

    def done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def commit(self) -> bool:
        """The new segment in the place of those it merges, in the latest commit (False,
        and nothing changed, when they are no longer there next to each other)."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            self.cancel()
            raise self.error
        latest = upstream.committed_segments(self.ix)
        ids = [s.segment_id() for s in latest]
        wanted = [s.segment_id() for s in self.chosen]
        at = next((i for i in range(len(ids)) if ids[i : i + len(wanted)] == wanted), None)
        if at is None:
            self.cancel()
            return False
        self.w.keep = self.chosen if self.keep else []
        self._deleted_since(latest[at : at + len(wanted)])
        self.w.commit_merge(latest, (at, at + len(wanted)), self._totals())
        return True

    def _totals(self) -> dict[str, int] | None:
        """Each field's length over the documents merged: exact where none is deleted
        (else as summed from the one-byte lengths of those copied)."""
        if any(s.deleted for s in self.sources):
            return None
        totals: dict[str, int] = {}
        for seg in self.chosen:
            for name, n in upstream.field_totals(seg).items():
                totals[name] = totals.get(name, 0) + n
        return totals

    def _deleted_since(self, now: list[Any]) -> None:
        """Documents deleted in the merged segments since the merge began: deleted in
        the new one."""
        merged = self.w.get_segment()
        for seg, source in zip(now, self.sources, strict=True):
            before = sorted(source.deleted)
            if not seg.has_deletions():
                continue
            for d in sorted(set(seg.deleted_docs()) - set(before)):
                merged.delete_document(source.base + d - bisect.bisect_left(before, d))

    def cancel(self) -> None:
        """The merge given up: its thread stopped, its files removed."""
        self.stop = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        for r in self.readers:
            r.close()
        self.readers = []
        if not self.w.is_closed:
            self.w.cancel()
