"""Writing the Whoosh index: a batch of changes, committed whole or at checkpoints,
and the postings of articles made ahead in worker processes."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from conflictcli.analysis import Scanned
from conflictcli.articles import Article, outlet_key
from conflictcli.engine.whoosh.fast.batch import Batch, InBatch
from conflictcli.engine.whoosh.loading import fast_paths
from conflictcli.engine.whoosh.schema import NO_KEY

if TYPE_CHECKING:
    from conflictcli.engine.whoosh.fast.segment import Mapper

WRITER_MB = 128  # Whoosh's posting buffer before it spills a sorted run to disk


# an article's postings, and the places it names (placing.py) and their countries, as
# the `place` and `country` fields take them
Prepared = tuple[InBatch, tuple[str, str]]


def prepare(articles: list[Article], bodies: list[Scanned]) -> list[Prepared]:
    """The postings of each article's title and body (`bodies`: each body as
    analysis.scan() reads it), in one Batch, and the places each names (placing.py):
    a worker process's work at ingest."""
    batch = Batch()
    done = [analyse(batch, a, body) for a, body in zip(articles, bodies, strict=True)]
    batch.freeze()
    return [(d, places_of(a)) for d, a in zip(done, articles, strict=True)]


def places_of(a: Article) -> tuple[str, str]:
    """The ids of the places an article names, and the codes of their countries."""
    from conflictcli.names import countries_of
    from conflictcli.placing import places_of as named

    ids = named(a.title, a.body)
    return " ".join(ids), " ".join(countries_of(ids))


def analyse(batch: Batch, a: Article, body: Scanned | None = None) -> InBatch:
    """The postings of an article's title and body, made ahead of IndexWriter.add (in a
    worker process, so that analysis runs beside Whoosh's writer) into `batch`; `body`,
    the body as analysis.scan() reads it, when it is at hand."""
    doc = batch.add({"title": (a.title, None), "body": (a.body, body)})
    return InBatch(batch, doc)


class IndexWriter:
    """A batch of changes to the index.

    With `checkpoints` (an ingest), the changes since the last checkpoint() are a small
    segment that checkpoint() commits: a search sees them at once, and a run that dies
    keeps them. It is written from one chunk per field (chunks.py, packing.py). The
    checkpoints' segments at the end of the index are merged into one once they hold
    fast.merge.FLUSH_DOCS documents, and at finish(); segments are merged in tiers
    (fast/merge.py), a merge's postings written while the ingest goes on: each posting
    is written a few times, never all at the end. Without `checkpoints`, the batch is
    one new segment at finish(), its postings encoded by worker processes. Every article
    added is one the index lacks: the ingest makes sure of it first (Archive.in_sync),
    so no add has to look for an older copy."""

    def __init__(self, ix: Any, checkpoints: bool = False) -> None:
        self._ix = ix
        self._checkpoints = checkpoints
        # on a Whoosh conflict was not tested with, Whoosh's own writer: a checkpoint
        # commits its segment, the next changes go to a new writer (see loading.TESTED)
        self._fast = fast_paths()
        self._writer: Any = None  # the batch's segment (no checkpoints, or Whoosh's own)
        self._recent: Any = None  # the changes since the last checkpoint
        self.pending = 0  # changes (adds, deletes) since the last checkpoint
        self.mapper: Mapper | None = None  # worker processes for the commit (segment.py)
        self._pending: Any = None  # a merge being written meanwhile (fast.merge.Merge)

    def use_workers(self, mapper: Mapper | None) -> None:
        self.mapper = mapper

    def _new(self) -> Any:
        if not self._fast:  # the caller holds the write lock
            from whoosh.writing import SegmentWriter

            return SegmentWriter(self._ix, _lk=False, limitmb=WRITER_MB)
        from conflictcli.engine.whoosh.fast.segment import BulkSegmentWriter

        return BulkSegmentWriter(self._ix, limitmb=WRITER_MB)

    @property
    def _w(self) -> Any:
        """The writer the next change goes to."""
        if self._checkpoints and self._fast:
            if self._recent is None:
                self._recent = self._new()
                self._recent.marked = True  # a checkpoint's, for merge.py to take in
                self._recent.pool.chunked = True  # written from a chunk per field
                if self._pending is not None:  # its files are not committed yet
                    self._recent.keep = [self._pending.segment]
            return self._recent
        if self._writer is None:  # the caller holds the write lock
            self._writer = self._new()
            self._writer.mapper = self.mapper
        return self._writer

    def finish(self, commit: bool) -> None:
        recent, self._recent = self._recent, None
        if not commit and self._pending is not None:
            pending, self._pending = self._pending, None
            pending.cancel()
        if recent is not None:
            if not commit:
                recent.cancel()
            else:
                if not self._checkpoints_at_end():  # no merge to come: a segment to keep
                    recent.marked = False
                    recent.mapper = self.mapper
                recent.commit(merge=False)
        if self._checkpoints and self._fast:
            if commit:  # none of the checkpoints' small segments stays
                self._merge(final=True)
            return
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if not commit:
            writer.cancel()
        elif not self._fast:
            writer.commit()
        else:
            from conflictcli.engine.whoosh.fast.segment import merge_small

            writer.commit(mergetype=merge_small)

    def _checkpoints_at_end(self) -> bool:
        """Whether the index ends with a checkpoint's segment (of this ingest, or of one
        that stopped), which the end of this one merges."""
        from conflictcli.engine.whoosh.fast.merge import held

        _, described = held(self._ix)
        return bool(described) and described[-1].checkpoint

    def _merge(self, final: bool) -> None:
        """At a checkpoint: the merge written meanwhile committed once done, then the
        next one the tiers call for begun, its postings written in a thread while the
        ingest goes on (fast/merge.py). At the end (`final`): a merge of checkpoints'
        segments waited for and committed (one of larger segments not done yet is given
        up: the next ingest makes it, and this one does not wait), then the merges
        merge.tiers makes at the end."""
        from conflictcli.engine.whoosh.fast.merge import Merge, held, plan, tiers

        if self._pending is not None:
            if not final and not self._pending.done():
                return
            pending, self._pending = self._pending, None
            if final and not pending.done() and not pending.of_checkpoints:
                pending.cancel()
            else:
                pending.commit()
        if final:
            tiers(self._ix, self.mapper, final=True)
            return
        segments, described = held(self._ix)
        span = plan(described, final=False)
        if span is not None:
            self._pending = Merge(self._ix, segments, span, self.mapper, keep=True)
            self._pending.start()

    def checkpoint(self) -> bool:
        """Commit the changes since the last checkpoint; False when there were none."""
        self.pending = 0
        if not self._fast:
            writer, self._writer = self._writer, None
            if writer is None:
                return False
            writer.commit(merge=False)
            return True
        recent, self._recent = self._recent, None
        if recent is None:
            return False
        recent.commit(merge=False)
        self._merge(final=False)
        return True

    def add(self, a: Article, prepared: Prepared | InBatch | None = None) -> None:
        """`prepared`: what prepare() made of the article (its postings alone will do:
        the places are found here then)."""
        analysed: InBatch | None
        places: tuple[str, str]
        if prepared is None or isinstance(prepared, InBatch):  # a NamedTuple: ask first
            analysed, places = prepared, places_of(a)
        else:
            analysed, places = prepared
        if not self._fast:
            analysed = None  # Whoosh's own writer analyses the text itself
        doc: dict[str, Any] = {
            "id": a.id,
            "title": analysed or a.title,
            "body": analysed or a.body,
            "source": a.source or "",
            "undated": 0 if a.date else 1,
        }
        if a.source:
            doc["outlet"] = outlet_key(a.source)
        if places[0]:
            doc["place"], doc["country"] = places
        if a.lang:
            doc["lang"] = a.lang
        if a.date:
            # the time of day too (midnight when none): --sort orders a day's articles by it;
            # date filters take whole days, so a time moves no article in or out of one
            doc["date"] = dt.datetime.combine(a.date, (a.time or dt.time()).replace(tzinfo=None))
        doc["story"] = story_number(a.cluster or a.id)
        doc["key"] = id_number(a.id)
        self._w.add_document(**doc)
        self.pending += 1

    def delete(self, article_id: str) -> None:
        """Every document with the id (Whoosh's update_document drops only one)."""
        self._w.delete_by_term("id", article_id)
        self.pending += 1


def story_number(cluster: str) -> int:
    """A story's id (16 hex digits: the id of its first article) as a signed 64-bit
    number; any other id is hashed to one."""
    try:
        if len(cluster) == 16:
            return int(cluster, 16) - (1 << 63)
    except ValueError:
        pass
    digest = hashlib.blake2b(cluster.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def id_number(article_id: str) -> int:
    """An article's id (16 hex digits) as a signed 64-bit number, NO_KEY for any other."""
    if len(article_id) == 16 and not article_id.strip(_HEX):  # int() takes "0x", "_", " "
        return int(article_id, 16) - (1 << 63)
    return NO_KEY


_HEX = "0123456789abcdef"
