"""Segments merged in tiers, so that an ingest writes each posting a few times, not
once per checkpoint or all at its end.

An ingest's checkpoints commit small segments of inlined postings (segment.py: quick
to write, slow to search). Once those at the end of the index hold FLUSH_DOCS
documents, or the ingest ends, they are merged into one segment of blocks; once
FACTOR segments of blocks of about the same size follow each other at the end of the
index, they are merged into one of the next size (a tier), and so on: each posting is
rewritten about log_FACTOR(N / FLUSH_DOCS) times, and an index of N documents keeps a
few segments per tier. Only segments next to each other are merged, into the place
they held: every document keeps its place in the index's order (a tie in score goes
to the earlier one), and a merged segment reads back as one writer given the same
documents (tests/test_segment.py), with the same field lengths.

A merge reads its segments' postings a range of terms at a time and writes them again,
in worker processes (encode_range: the segment's files are read there); the stored
fields, lengths and columns are copied here, in order. The sources' files stay until
the next commit, for searches that opened them.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import io
import itertools
import math
import os
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import pack_ushort

from conflictcli.engine.whoosh.fast import blocks, upstream
from conflictcli.engine.whoosh.fast.batch import starts_of
from conflictcli.engine.whoosh.fast.chunks import Chunk, cuts
from conflictcli.engine.whoosh.fast.segment import INLINED
from conflictcli.engine.whoosh.loading import safe_load, safe_loads

FLUSH_DOCS = 16_000  # documents of inlined segments at the end that are merged into one
FLUSH_SEGMENTS = 48  # ... or this many of them (checkpoints of a few articles each)
FACTOR = 8  # segments of one tier merged into one of the next
UNIT = 1 << 20  # bytes: the tiers are log_FACTOR of a segment's size in these

Mapper = Callable[[Callable[[Any], Any], Iterator[Any]], Iterator[Any]]


@dataclass(frozen=True)
class Held:
    """What the tiers need to know of a segment."""

    docs: int
    size: int  # bytes of its files
    inlined: bool  # written by a checkpoint (its postings inlined)

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
    while start > 0 and held[start - 1].inlined:
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


# -- in the worker processes: a range of terms read from each segment, written again --


@dataclass(frozen=True)
class Source:
    """A segment being merged: its documents are numbered from `base` in the new one,
    those in `deleted` (sorted) left out."""

    segment: Any  # Whoosh's W3Segment, as the table of contents holds it
    base: int
    deleted: tuple[int, ...] = ()


Job = tuple[str, str, list[Source], bytes | None, bytes | None]  # folder, field, sources, range

_READERS: dict[str, Any] = {}  # a worker's open segments, by id


def _reader(folder: str, segment: Any) -> Any:
    from whoosh.reading import SegmentReader

    from conflictcli.engine.whoosh.schema import SCHEMA
    from conflictcli.engine.whoosh.storage import SealedStorage

    key = f"{folder}/{segment.segment_id()}"
    r = _READERS.get(key)
    if r is None:
        r = _READERS[key] = SegmentReader(SealedStorage(folder, seals=False), SCHEMA, segment)
    return r


def _forget_except(keep: set[str]) -> None:
    for key in [k for k in _READERS if k not in keep]:
        _READERS.pop(key).close()


def encode_range(job: Job) -> tuple[str, bytes, Any]:
    """The postings of a range of a field's terms in each source, merged in the order of
    the sources and written as blocks.encode_parts writes them."""
    folder, fieldname, sources, low, high = job
    _forget_except({f"{folder}/{s.segment.segment_id()}" for s in sources})
    parts: list[Chunk] = []
    lens: list[Any] = []
    for s in sources:
        r = _reader(folder, s.segment)
        chunk, numbers = _decoded(r, fieldname, low, high, s)
        lengths = _lengths(r, fieldname)
        parts.append(chunk)
        lens.append(lengths[numbers] if len(numbers) else np.zeros(0, np.uint32))
    return blocks.encode_parts((fieldname, parts, lens))


def _lengths(r: Any, fieldname: str) -> Any:
    from conflictcli.engine.whoosh.fast import upstream

    cache = r.__dict__.setdefault("_conflict_lengths", {})
    got = cache.get(fieldname)
    if got is None:
        if r.schema[fieldname].scorable:
            values = upstream.lengths(r, fieldname) or []
            got = np.array([v or 0 for v in values], dtype=np.uint32)
        else:
            got = np.zeros(r.doc_count_all(), dtype=np.uint32)
        cache[fieldname] = got
    return got


def _decoded(r: Any, fieldname: str, low: bytes | None, high: bytes | None, s: Source) -> Any:
    """The field's terms from `low` up to `high` in the segment of reader `r`: a Chunk
    of their postings numbered as in the new segment, and each posting's document number
    in this one (for its length)."""
    fields, tindex, postfile = upstream.segment_terms(r)
    if fieldname not in fields:
        return Chunk([], np.zeros(0, np.uint32), *_empty()), np.zeros(0, np.int64)
    prefix = pack_ushort(fields[fieldname])
    names: list[bytes] = []
    counts: list[int] = []
    got = _Got()
    stop = prefix + high if high is not None else _after(prefix)
    listed = list(_items(tindex, prefix + (low or b""), stop))
    got.read_postings(postfile, [raw for _, raw in listed])
    for key, raw in listed:
        before = len(got.weights)
        got.term(raw)
        names.append(key[len(prefix) :])
        counts.append(len(got.weights) - before)
    numbers = got.numbers()
    sizes = np.fromiter(map(len, got.values), dtype=np.uint32, count=len(got.values))
    w = np.array(got.weights, dtype=np.float64)
    v = np.frombuffer(b"".join(got.values), dtype=np.uint8)
    c = np.array(counts, dtype=np.uint32)
    if s.deleted:  # their postings out, the documents after them moved down
        gone = np.array(s.deleted, dtype=np.int64)
        kept = ~np.isin(numbers, gone)
        term = np.repeat(np.arange(len(names)), c)
        c = np.bincount(term[kept], minlength=len(names)).astype(np.uint32)
        v = v[np.repeat(kept, sizes)]
        numbers, w, sizes = numbers[kept], w[kept], sizes[kept]
        names = [t for t, n in zip(names, c.tolist(), strict=True) if n]
        c = c[c > 0]
        new = numbers - np.searchsorted(gone, numbers)
    else:
        new = numbers
    out = (new + s.base).astype(np.uint32)
    return Chunk(names, c, out, w, sizes, v), numbers


def _empty() -> tuple[Any, Any, Any, Any]:
    return (
        np.zeros(0, np.uint32),
        np.zeros(0, np.float64),
        np.zeros(0, np.uint32),
        np.zeros(0, np.uint8),
    )


_INFO_SIZE = upstream.TERM_INFO_SIZE


def _extent(raw: bytes) -> tuple[int, int]:
    """Where a term's blocks are in the postings file (its term info, not inlined)."""
    offset = int.from_bytes(raw[_INFO_SIZE : _INFO_SIZE + 8], "big", signed=True)
    length = int.from_bytes(raw[_INFO_SIZE + 8 : _INFO_SIZE + 12], "big", signed=True)
    return offset, length


_LENGTHS = struct.Struct("!ii")  # a key's and its value's size, before them
_READ = 1 << 20  # bytes of the term index read at a time


def _after(prefix: bytes) -> bytes:
    """The first key past every key of a field (its number: two bytes, under 65535)."""
    return pack_ushort(int.from_bytes(prefix, "big") + 1)


def _items(tindex: Any, first: bytes, stop: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The term index's keys from `first` up to `stop` (not included) and their values,
    read a megabyte at a time (its own items_from reads each key and value apart)."""
    pos = tindex.closest_key_pos(first)
    if pos is None:
        return
    (dbfile, end), unpack = upstream.key_records(tindex), _LENGTHS.unpack_from
    want = _READ
    while pos < end:
        buf = dbfile.get(pos, min(want, end - pos))
        at, n = 0, len(buf)
        while at + 8 <= n:
            keylen, datalen = unpack(buf, at)
            stop_at = at + 8 + keylen + datalen
            if stop_at > n:
                break
            key = buf[at + 8 : at + 8 + keylen]
            if key >= stop:
                return
            yield key, buf[at + 8 + keylen : stop_at]
            at = stop_at
        if at == 0:
            want *= 2  # one entry longer than what was read
            continue
        pos += at


class _Got:
    """Postings as they are read, term after term: the numbers as they are kept (the
    first of each block as it is, the others as gaps from the one before), the weights
    and the values."""

    def __init__(self) -> None:
        self.gaps: list[int] = []
        self.firsts = bytearray()  # 1 where a number is not a gap
        self.weights: list[float] = []
        self.values: list[bytes] = []

    def numbers(self) -> Any:
        """Every posting's document number."""
        gaps = np.array(self.gaps, dtype=np.int64)
        if not len(gaps):
            return gaps
        run = np.cumsum(gaps)
        firsts = np.frombuffer(bytes(self.firsts), dtype=np.uint8).astype(bool)
        at = np.flatnonzero(firsts)
        block = np.cumsum(firsts) - 1
        return run - (run[at] - gaps[at])[block]

    def read_postings(self, postfile: Any, raws: list[bytes]) -> None:
        """The part of the postings file that holds the blocks of these terms (their
        term infos), read at once (a range of terms is written end to end)."""
        extents = [_extent(raw) for raw in raws if not raw[0]]
        self._at = 0
        self._data = b""
        if extents:
            self._at = min(o for o, _ in extents)
            self._data = postfile.get(self._at, max(o + n for o, n in extents) - self._at)

    def term(self, raw: bytes) -> None:
        """One term's postings: its term info `raw` holds them (inlined), or says where
        its blocks are in the postings file (read_postings)."""
        if raw[0]:  # inlined: the pickle of (ids, weights, values) after the figures
            ids, ws, vs = safe_loads(raw[_INFO_SIZE:])
            self.gaps.extend(ids)
            self.firsts.extend(b"\x01" * len(ids))
            self.weights.extend(ws)
            self.values.extend(v or b"" for v in vs)
            return
        offset, length = _extent(raw)
        data = self._data[offset - self._at : offset - self._at + length]
        if data[:4] != WHOOSH3_HEADER_MAGIC:
            raise ValueError("a posting list without its header")
        at, end = 4, len(data)
        while at < end:
            size = abs(int.from_bytes(data[at : at + 4], "big", signed=True))
            block = io.BytesIO(data[at + 4 : at + 4 + size])
            at += 4 + size
            count, _, _, compression, _, _ = safe_load(block)
            body = block.read()
            gaps, ws, vs = safe_loads(zlib.decompress(body) if compression else body)
            self.gaps.extend(gaps)
            self.firsts.extend(b"\x01" + bytes(count - 1))
            if ws is None or type(ws) is float:
                self.weights.extend([1.0 if ws is None else ws] * count)
            else:
                self.weights.extend(ws)
            self.values.extend(vs if vs else [b""] * count)


# -- here: the merge -----------------------------------------------------------------


class _Terms:
    """A segment's terms in one field and their postings before each, for chunks.cuts."""

    def __init__(self, terms: list[bytes], counts: list[int]) -> None:
        self.terms = terms
        self.starts = starts_of(np.array(counts, dtype=np.int64))

    def postings(self) -> int:
        return int(self.starts[-1])


def _field_terms(reader: Any, fieldname: str) -> _Terms:
    fields, tindex, _ = upstream.segment_terms(reader)
    if fieldname not in fields:
        return _Terms([], [])
    prefix = pack_ushort(fields[fieldname])
    names, counts = [], []
    at = 1 + 4  # W3TermInfo: flags, weight, then the document frequency
    for key, raw in _items(tindex, prefix, _after(prefix)):
        names.append(key[2:])
        counts.append(int.from_bytes(raw[at : at + 4], "big"))
    return _Terms(names, counts)


def jobs(folder: str, readers: list[Any], sources: list[Source]) -> Iterator[Job]:
    """The merge's work, a field and a range of its terms at a time, in order."""
    from conflictcli.engine.whoosh.schema import SCHEMA

    names = sorted({n for r in readers for n in upstream.segment_terms(r)[0] if n in SCHEMA})
    for fieldname in names:
        held = [_field_terms(r, fieldname) for r in readers]
        bounds = cuts(held, blocks.JOB_POSTINGS, blocks.JOB_TERMS)  # type: ignore[arg-type]
        for low, high in itertools.pairwise(bounds):
            yield folder, fieldname, sources, low, high


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
    """Every merge the tiers call for now (plan), one after the other; how many. The
    sources of each stay on disk until the next commit, unless `final`."""
    done = 0
    while True:
        segments, described = held(ix)
        span = plan(described, final)
        if span is None:
            return done
        merge_segments(ix, segments, span, mapper, keep=not final)
        done += 1


def merge_segments(
    ix: Any, segments: list[Any], span: tuple[int, int], mapper: Mapper | None, keep: bool
) -> None:
    """Segments span[0]..span[1] of the latest commit's, merged into one new segment in
    their place, and committed (the caller holds the write lock)."""
    from whoosh.reading import SegmentReader

    from conflictcli.engine.whoosh.fast.segment import BulkSegmentWriter

    w = BulkSegmentWriter(ix, limitmb=1)
    if [s.segment_id() for s in w.segments] != [s.segment_id() for s in segments]:
        w.cancel()
        raise RuntimeError("the index changed under its writer")
    chosen = segments[span[0] : span[1]]
    readers = [SegmentReader(w.storage, w.schema, seg) for seg in chosen]
    try:
        sources, base = [], 0
        for seg in chosen:
            gone = tuple(sorted(seg.deleted_docs())) if seg.has_deletions() else ()
            sources.append(Source(seg, base, gone))
            base += seg.doc_count_all() - len(gone)
        for r in readers:  # stored fields, lengths and columns, in order
            w.copy_documents(r)
        totals: dict[str, int] | None = None
        if not any(s.deleted for s in sources):  # exact, not summed from one-byte lengths
            totals = {}
            for seg in chosen:
                for name, n in upstream.field_totals(seg).items():
                    totals[name] = totals.get(name, 0) + n
        w.keep = chosen if keep else []
        encoded = (mapper or map)(encode_range, jobs(ix.storage.folder, readers, sources))
        w.commit_merge(encoded, segments, span, totals)
    except BaseException:
        if not w.is_closed:
            w.cancel()
        raise
    finally:
        for r in readers:
            r.close()
