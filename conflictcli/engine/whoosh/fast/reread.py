"""A merge's postings: read back from the segments it merges, a range of a field's terms
at a time, and written again (merge.py). The reading and the writing run in the worker
processes (encode_range), each opening the segments' files itself; only the ranges are
decided here (jobs: about blocks.JOB_POSTINGS postings each). A segment's postings are
read as they are kept: inlined in its term index (a checkpoint's) or in blocks (gaps
added up by numpy), the term index a megabyte at a time and each range's blocks in one
read; documents deleted in a segment are left out, those after them moved up.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import io
import itertools
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import pack_ushort

from conflictcli.engine.whoosh.fast import blocks, upstream
from conflictcli.engine.whoosh.fast.batch import starts_of
from conflictcli.engine.whoosh.fast.chunks import Chunk, cuts
from conflictcli.engine.whoosh.loading import safe_load, safe_loads


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
