"""Whoosh's segment writer, fed in bulk.

Whoosh's own writer pushes every posting (one word in one article) through a chain of
Python calls: a tuple into a sorting pool, a sort, spilled runs pickled one posting at a
time, then start_term/add/finish_term with a field-length look-up per posting. On an
ingest of news that is most of the time (a profile: 70% of a 10k-article ingest).

Here the pool keeps each term's postings together as it goes (an array of document
numbers, an array of weights, the encoded values end to end and an array of their
sizes: no object per posting, and nothing the garbage collector has to walk), spills
sorted runs of whole terms to temporary files beside the index when it is full, and at
commit writes each term's blocks in the layout of Whoosh's W3 codec, a few calls per block of 128 postings
instead of several per posting. Whoosh reads, searches and merges the segment as its
own: tests/test_segment.py checks that every term's postings and statistics read back
as those of Whoosh's own writer.

An ingest with checkpoints feeds the pools chunks instead (chunks.py): a checkpoint's
pool keeps its batches as they came and merges them into one chunk per field when it
writes; the run's pool keeps the chunks whole, and at commit worker processes merge
and encode them a range of terms at a time (encode_parts).
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import heapq
import io
import operator
import pickle
import struct
import tempfile
import types
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, groupby, islice, pairwise
from pathlib import Path
from typing import IO, Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filetables import crc_hash
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from conflictcli.engine.whoosh.fast import upstream
from conflictcli.engine.whoosh.fast.batch import Batch, Columns, InBatch, as_array, starts_of
from conflictcli.engine.whoosh.fast.chunks import Chunk, cuts, from_postings, merge, merge_with

# a term's document numbers, weights, encoded values end to end, and their sizes
_Postings = tuple[array, array, bytearray, array]
_Record = tuple[str, bytes, array, array, bytearray, array]

CHUNKS_HELD = 48 << 20  # bytes of chunks a run's pool holds in memory, at most
_TERM_COST = 300  # bytes a new term costs in memory (dict entry, arrays, list)
_POSTING_COST = 16  # bytes a posting costs besides its encoded value


class TermPool:
    """The postings of the segment being written, grouped by field and term, in at most
    `limitmb` of memory; sorted runs of whole terms spill to `folder` beyond that."""

    def __init__(self, folder: Path, limitmb: float) -> None:
        self._folder = folder
        self._limit = int(limitmb * 1024 * 1024)
        self._size = 0
        self._fields: dict[str, dict[bytes, _Postings]] = {}
        self._runs: list[IO[bytes]] = []
        # per field, the batch whose documents are being added and where each went (its
        # number in the batch, its number here): its postings are taken in whole when
        # the next batch comes, or anything else is added to the field, or at writing
        self._pending: dict[str, tuple[Batch, list[tuple[int, int]]]] = {}
        # a checkpoint's pool (`chunked`): per field, its batches' postings as they came,
        # merged into one chunk when written (chunks.merge), for a field fed by batches
        # alone; a run's pool: the chunks checkpoints handed over (take), in document
        # order, in memory or spilled to `_spilled`
        self.chunked = False
        self._parts: dict[str, list[Columns]] = {}
        self._parts_size = 0
        self._chunks: list[tuple[str, Chunk]] = []
        self._in_ram: list[int] = []  # which of the chunks are held in memory
        self._spilled: IO[bytes] | None = None

    def absorb(self, records: Iterable[_Record], base: int) -> None:
        """Another pool's postings, in (field, term) order, its documents 0, 1, ...
        being base, base + 1, ... here, after every document held here: each term's
        arrays are taken as they are, or added to the end of the term's here."""
        size = 0
        for fieldname, group in groupby(records, key=operator.itemgetter(0)):
            terms = self._fields.setdefault(fieldname, {})
            get = terms.get
            for _, tbytes, docs, weights, values, sizes in group:
                if base:
                    docs = array("I", map(base.__add__, docs))
                e = get(tbytes)
                if e is None:
                    terms[tbytes] = (docs, weights, values, sizes)
                    size += _TERM_COST + len(tbytes)
                else:
                    e[0].extend(docs)
                    e[1].extend(weights)
                    e[2].extend(values)
                    e[3].extend(sizes)
                size += _POSTING_COST * len(docs) + len(values)
        self._grow(size)

    def add_from(self, fieldname: str, batch: Batch, doc: int, docnum: int) -> None:
        """Document `doc` of `batch` is document `docnum` here."""
        pending = self._pending.get(fieldname)
        if pending is None or pending[0] is not batch:
            self._settle(fieldname)
            pending = self._pending[fieldname] = (batch, [])
        pending[1].append((doc, docnum))

    def _settle(self, fieldname: str | None = None) -> None:
        """The pending batch's postings of one field, or of all."""
        for name in [fieldname] if fieldname else list(self._pending):
            if name in self._pending:
                batch, pairs = self._pending.pop(name)
                cols = batch.fields.get(name)
                if cols is None:
                    continue
                placed = _placed(cols, pairs, batch.docs)
                if self.chunked and name not in self._fields:
                    self._parts.setdefault(name, []).append(placed)
                    size = _POSTING_COST * len(placed.docs) + len(placed.values)
                    self._parts_size += size
                    self._grow(size)
                    if self._parts_size > CHUNKS_HELD:  # a long stretch: merged term by term
                        self._unpart()
                else:
                    self._add_columns(name, placed)

    def _unpart(self, fieldname: str | None = None) -> None:
        """The batches' postings kept as they came, of one field or all, taken into the
        per-term arrays (before other postings of the field, or the per-term way out)."""
        for name in [fieldname] if fieldname else list(self._parts):
            for cols in self._parts.pop(name, []):
                self._add_columns(name, cols)
        if not self._parts:
            self._parts_size = 0

    def _add_columns(self, fieldname: str, cols: Columns) -> None:
        """A batch's postings for one field, a term at a time."""
        terms = self._fields.setdefault(fieldname, {})
        get = terms.get
        size = _POSTING_COST * len(cols.docs) + len(cols.values)
        docs, weights, values, sizes = cols.docs, cols.weights, cols.values, cols.sizes
        offsets = list(accumulate(cols.counts, initial=0))
        ends = list(accumulate(sizes, initial=0))
        for tbytes, a, b in zip(cols.terms, offsets, offsets[1:], strict=False):
            e = get(tbytes)
            if e is None:
                e = terms[tbytes] = (array("I"), array("d"), bytearray(), array("I"))
                size += _TERM_COST + len(tbytes)
            e[0].extend(docs[a:b])
            e[1].extend(weights[a:b])
            e[2].extend(values[ends[a] : ends[b]])
            e[3].extend(sizes[a:b])
        self._grow(size)

    def add_field(
        self,
        fieldname: str,
        docnum: int,
        items: Iterable[tuple[bytes, int, float, bytes]],
        boost: float = 1.0,
    ) -> int:
        """Add one document's postings for one field; returns the sum of frequencies."""
        if fieldname in self._pending:
            self._settle(fieldname)
        if fieldname in self._parts:
            self._unpart(fieldname)
        terms = self._fields.setdefault(fieldname, {})
        get = terms.get
        length = size = 0
        for tbytes, freq, weight, vbytes in items:
            e = get(tbytes)
            if e is None:
                e = terms[tbytes] = (array("I"), array("d"), bytearray(), array("I"))
                size += _TERM_COST + len(tbytes)
            e[0].append(docnum)
            e[1].append(weight * boost if boost != 1.0 else weight)
            e[2].extend(vbytes)
            e[3].append(len(vbytes))
            length += freq
            size += _POSTING_COST + len(vbytes)
        self._grow(size)
        return length

    def add(self, item: tuple[str, bytes, int, float, bytes]) -> None:
        """One posting, as Whoosh's merges (add_reader) give them."""
        fieldname, tbytes, docnum, weight, vbytes = item  # vbytes is None for no value
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, vbytes or b"")])

    def _grow(self, size: int) -> None:
        self._size += size
        if self._size > self._limit:
            self._spill()

    def _spill(self) -> None:
        self._unpart()
        if self._in_ram:  # the chunks to the end of one file, read back from it as needed
            if self._spilled is None:  # kept open until cleanup(); deleted when closed
                self._spilled = tempfile.TemporaryFile(  # noqa: SIM115
                    dir=self._folder, prefix="conflict-", suffix=".chunks"
                )
            for n in self._in_ram:
                name, chunk = self._chunks[n]
                self._chunks[n] = (name, chunk.spill(self._spilled))
            self._in_ram = []
        if self._fields:
            # kept open until cleanup(); deleted by the system when closed
            run = tempfile.TemporaryFile(dir=self._folder, prefix="conflict-", suffix=".run")  # noqa: SIM115
            for record in self._in_memory():
                # a pickle per record: one Pickler for the run would memoize every record,
                # and the Unpickler reading it back would hold the whole run in memory
                pickle.dump(record, run, protocol=pickle.HIGHEST_PROTOCOL)
            run.seek(0)
            self._runs.append(run)
            self._fields = {}
        self._size = 0

    def take(self, fieldname: str, chunk: Chunk, base: int) -> None:
        """A checkpoint's chunk of one field, its documents 0, 1, ... being base,
        base + 1, ... here, after every document held here: kept whole. (Where postings
        are held per term already, it is taken in per term: absorb.)"""
        self._settle()
        if self._fields or self._runs or self._parts:
            self.absorb(chunk.records(fieldname), base)
            return
        self._chunks.append((fieldname, chunk.shifted(base)))
        self._in_ram.append(len(self._chunks) - 1)
        self._grow(chunk.nbytes)
        if self._size > min(self._limit, CHUNKS_HELD):  # spilling chunks costs little
            self._spill()

    def pass_to(self, to: TermPool, base: int) -> None:
        """Every posting held here to the pool `to`, as take() and absorb() say."""
        self._settle()
        if self.chunked and not self._runs:
            for name in sorted({*self._parts, *self._fields}):
                to.take(name, self._chunk_of(name), base)
        else:
            to.absorb(self.records(), base)

    def _chunk_of(self, fieldname: str) -> Chunk:
        """The postings of one field held here as one chunk (and no longer here)."""
        if fieldname in self._parts:
            parts = self._parts.pop(fieldname)
            if not self._parts:
                self._parts_size = 0
            return merge(parts)
        return from_postings(self._fields.pop(fieldname))

    def _in_memory(self) -> Iterator[_Record]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                yield (fieldname, tbytes, *terms[tbytes])

    @staticmethod
    def _read_run(run: IO[bytes]) -> Iterator[_Record]:
        # our own temporary file, written by this process a moment ago
        while True:
            try:
                yield pickle.load(run)
            except EOFError:
                return

    def records(self) -> Iterator[_Record]:
        """Every term in (field, term) order, its postings in document order."""
        self._settle()  # before the runs are listed: it can spill one more
        self._unpart()
        taken = [c.records(name) for name, c in self._chunks]  # the earliest documents
        if not self._runs and not taken:
            return self._in_memory()
        return _joined([*taken, *(self._read_run(r) for r in self._runs), self._in_memory()])

    def write(
        self,
        fieldwriter: Any,
        schema: Any,
        lengths: Any,
        doccount: int,
        mapper: Mapper | None = None,
    ) -> None:
        """Write every term's postings into the new segment's files: encoded a chunk of
        terms at a time by `mapper` (worker processes: `fn` of each job, in order), or
        here, and written in order."""
        postfile, tindex = upstream.field_files(fieldwriter)

        def jobs() -> Iterator[_Job]:
            for fieldname, records in groupby(self.records(), key=operator.itemgetter(0)):
                doclens = _doclens(schema, lengths, fieldname, doccount)
                yield from _chunks(fieldname, records, doclens)

        def chunk_jobs() -> Iterator[_PartsJob]:
            self._settle()
            self._unpart()
            for name in sorted(self._fields):  # postings after the chunks' (merges)
                self._chunks.append((name, from_postings(self._fields.pop(name))))
            fields: dict[str, list[Chunk]] = {}
            for name, chunk in self._chunks:
                fields.setdefault(name, []).append(chunk)
            for fieldname in sorted(fields):
                held = fields[fieldname]
                doclens = np.frombuffer(_doclens(schema, lengths, fieldname, doccount), np.uint32)
                bounds = cuts(held, CHUNK, CHUNK_TERMS)
                for low, high in pairwise(bounds):
                    parts = [p for p in (c.cut(low, high) for c in held) if len(p.terms)]
                    if parts:
                        yield fieldname, parts, [doclens[p.docs] for p in parts]

        if self._chunks and not self._runs:
            encoded = (mapper or map)(encode_parts, chunk_jobs())
        else:
            encoded = (mapper or map)(encode, jobs())
        field_now = None
        for fieldname, blob, infos in encoded:
            if fieldname != field_now:
                if field_now is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                field_now = fieldname
            prefix = pack_ushort(upstream.field_number(fieldwriter))
            start = postfile.tell()
            postfile.write(blob)
            for _, info in infos:
                offset, length = info.extent()
                info.set_extent(start + offset, length)
            _add_terms(tindex, [(prefix + tbytes, info.to_bytes()) for tbytes, info in infos])
        if field_now is not None:
            fieldwriter.finish_field()

    def write_inline(
        self,
        fieldwriter: Any,
        schema: Any,
        lengths: Any,
        doccount: int,
        hand_over: tuple[TermPool, int] | None = None,
    ) -> None:
        """Write every term's postings into the term index itself, as W3Codec's
        inlined postings (a ListMatcher reads them): no blocks, no compression, a few
        calls a term. For a checkpoint's small segment, which lives until the end of
        its ingest: under half the time of a blocked one to write (0.4 against 0.9 s
        for 500 articles), slower to search and larger on disk. `hand_over`: the pool
        that takes the postings afterwards (TermPool.absorb), and the number its first
        document has there."""
        tindex = upstream.term_index(fieldwriter)
        self._settle()
        chunked = self.chunked and not self._runs  # each field's postings as one chunk
        kept: list[_Record] = []  # else per term, handed over as such
        if chunked:
            names = sorted({*self._parts, *self._fields})
            fields = ((name, iter([self._chunk_of(name)])) for name in names)
        else:
            fields = (
                (name, _in_chunks(records, kept if hand_over else None))
                for name, records in groupby(self.records(), key=operator.itemgetter(0))
            )
        for fieldname, chunks in fields:
            doclens = _doclens(schema, lengths, fieldname, doccount)
            fieldwriter.start_field(fieldname, schema[fieldname])
            prefix = pack_ushort(upstream.field_number(fieldwriter))
            for chunk in chunks:
                inlined = _inlined(chunk, doclens)
                _add_terms(
                    tindex, [(prefix + t, v) for t, v in zip(chunk.terms, inlined, strict=True)]
                )
                if chunked and hand_over is not None:
                    hand_over[0].take(fieldname, chunk, hand_over[1])
            fieldwriter.finish_field()
        if kept and hand_over is not None:
            hand_over[0].absorb(kept, hand_over[1])

    def cleanup(self) -> None:
        self._pending = {}
        for run in self._runs:
            run.close()
        self._runs = []
        self._fields = {}
        self._parts, self._parts_size = {}, 0
        self._chunks, self._in_ram = [], []
        if self._spilled is not None:
            self._spilled.close()
            self._spilled = None


def _lean_term_index(tindex: Any) -> None:
    """The term index hashes its keys with CRC-32 instead of MD5: Whoosh's hash type
    1, named in the file's header (its readers take the hash from there), and five
    times quicker (each term of a segment is hashed once written, once per look-up).
    The header is already written: its hash type byte is written again. Its buckets
    keep each key's hash and place in arrays (_Pairs)."""
    dbfile = tindex.dbfile
    at = dbfile.tell()
    if at != tindex.startoffset + len(b"HSH3") + 9:  # magic, type byte, two ints
        return  # more was written: the index keeps MD5
    dbfile.seek(tindex.startoffset + len(b"HSH3"))
    dbfile.write_byte(1)
    dbfile.seek(at)
    tindex.hashtype, tindex.hashfn = 1, crc_hash
    tindex.buckets = [_Pairs() for _ in range(256)]


class _Pairs:
    """A bucket of HashWriter's hash tables: each key's (hash, position), in two arrays
    instead of a tuple each (16 bytes a term instead of about 110 until the segment is
    written: 100 MB for a segment of a million terms)."""

    __slots__ = ("hashes", "places")

    def __init__(self) -> None:
        self.hashes, self.places = array("Q"), array("Q")

    def append(self, pair: tuple[int, int]) -> None:
        self.hashes.append(pair[0])
        self.places.append(pair[1])

    def __len__(self) -> int:
        return len(self.hashes)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.hashes, self.places, strict=True)


_LENGTHS = struct.Struct("!ii")  # a key's and its value's size, before them


def _add_terms(tindex: Any, items: list[tuple[bytes, bytes]]) -> None:
    """OrderedHashWriter.add of each (key, value), keys in increasing order, in one
    write: the same file, without three writes and two tell() calls a term."""
    if not items:
        return
    if items[0][0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{items[0][0]!r}")
    dbfile, hashfn, buckets, pack = tindex.dbfile, tindex.hashfn, tindex.buckets, _LENGTHS.pack
    pos = dbfile.tell()
    parts: list[bytes] = []
    where: list[int] = []
    for key, value in items:
        where.append(pos)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        parts += (pack(len(key), len(value)), key, value)
        pos += 8 + len(key) + len(value)
    dbfile.write(b"".join(parts))
    index = tindex.index  # a GrowableArray: its array widens when a position outgrows it
    try:
        more = array(index.array.typecode, where) if isinstance(index.array, array) else None
    except OverflowError:
        more = None
    if more is None:
        index.extend(where)
    else:
        index.array.extend(more)
    tindex.lastkey = items[-1][0]


def _key(record: _Record) -> tuple[str, bytes]:
    return record[0], record[1]


def _joined(streams: list[Iterator[_Record]]) -> Iterator[_Record]:
    """Sorted streams of records merged in (field, term) order, each term once: the
    postings of a term in several streams end to end, in the order of the streams
    (heapq.merge keeps it on ties), which is the order of their documents."""
    for _, same in groupby(heapq.merge(*streams, key=_key), key=_key):
        first, *more = same
        for rec in more:  # the same term in a later stream: later documents
            for whole, part in zip(first[2:], rec[2:], strict=True):
                whole.extend(part)
        yield first


def _doclens(schema: Any, lengths: Any, fieldname: str, doccount: int) -> array:
    """Each document's length of the field (0 for a field that is not scored)."""
    if schema[fieldname].scorable:  # a length of 0 reads back as None
        length_of = lengths.doc_field_length
        return array("I", (length_of(d, fieldname) or 0 for d in range(doccount)))
    return array("I", bytes(4 * doccount))


_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo's fixed part


def _in_chunks(records: Iterator[_Record], kept: list[_Record] | None) -> Iterator[Chunk]:
    """A field's records (TermPool.records()) as chunks of CHUNK_TERMS terms each; each
    record also added to `kept`, when given."""
    while group := list(islice(records, CHUNK_TERMS)):
        if kept is not None:
            kept += group
        yield from_postings({r[1]: (r[2], r[3], r[4], r[5]) for r in group})


def _inlined(chunk: Chunk, doclens: array) -> list[bytes]:
    """W3TermInfo(...).to_bytes() of each term of `chunk`, in order, its postings
    inlined: its figures, then the pickle of (ids, weights, values), as
    W3TermInfo.from_bytes reads them. The weights are 32-bit, as in blocks."""
    docs = chunk.docs.tolist()
    ws = chunk.weights.astype(np.float32).astype(np.float64).tolist()  # as W3 keeps them
    lens = np.frombuffer(doclens, dtype=np.uint32)[chunk.docs].tolist()
    starts, vstarts = chunk.starts.tolist(), starts_of(chunk.sizes).tolist()
    data = chunk.values.tobytes()
    pack, dumps, to_byte = _INFO.pack, pickle.dumps, length_to_byte
    out = []
    for n in range(len(chunk.terms)):
        p, q = starts[n], starts[n + 1]
        if q - p == 1:  # most terms of a checkpoint's articles
            doc, w, b = docs[p], ws[p], to_byte(lens[p])
            value = data[vstarts[p] : vstarts[q]] or None
            head = pack(1, w, 1, b, b, w if w > 0 else 0, doc, doc)
            out.append(head + dumps(((doc,), (w,), (value,)), 5))
            continue
        these = tuple(ws[p:q])
        held = [n for n in lens[p:q] if n]
        top = max(these)
        if vstarts[p] == vstarts[q]:  # a field without values (no positions)
            vs: tuple[bytes | None, ...] = (None,) * (q - p)
        else:
            vs = tuple(data[vstarts[i] : vstarts[i + 1]] for i in range(p, q))
        head = pack(
            1,
            sum(these),
            q - p,
            to_byte(min(held)) if held else 0,
            to_byte(max(held)) if held else 0,
            top if top > 0 else 0,
            docs[p],
            docs[q - 1],
        )
        out.append(head + dumps((tuple(docs[p:q]), these, vs), 5))
    return out


def _placed(cols: Columns, pairs: list[tuple[int, int]], count: int) -> Columns:
    """A batch's postings for one field, numbered as its documents were placed: in one
    shift when every document went in, in order (an ingest's batches); else those of
    the documents placed (part of a batch before a checkpoint, the rest after it; an
    article already in the archive left out), picked out by numpy."""
    base = pairs[0][1] - pairs[0][0]
    if len(pairs) == count and all(num - doc == base for doc, num in pairs):
        if base == 0:
            return cols
        docs = array("I", map(base.__add__, cols.docs))
        return Columns(cols.terms, cols.counts, docs, cols.weights, cols.values, cols.sizes)
    where = np.full(count, -1, dtype=np.int64)
    where[[doc for doc, _ in pairs]] = [num for _, num in pairs]
    docs_ = where[np.frombuffer(cols.docs, dtype=np.uint32)]
    kept = docs_ >= 0
    term = np.repeat(np.arange(len(cols.terms)), np.frombuffer(cols.counts, dtype=np.uint32))
    counts = np.bincount(term[kept], minlength=len(cols.terms))
    sizes = np.frombuffer(cols.sizes, dtype=np.uint32)
    values = np.frombuffer(cols.values, dtype=np.uint8)[np.repeat(kept, sizes)]
    return Columns(
        [t for t, n in zip(cols.terms, counts.tolist(), strict=True) if n],
        as_array("I", counts[counts > 0]),
        as_array("I", docs_[kept]),
        as_array("d", np.frombuffer(cols.weights, dtype=np.float64)[kept]),
        values.tobytes(),
        as_array("I", sizes[kept]),
    )


Mapper = Callable[[Callable[[Any], Any], Iterator[Any]], Iterator[Any]]
_Job = tuple[str, list[tuple[bytes, array, array, bytearray, array, array]]]
CHUNK = 100_000  # postings encoded at a time (a job for a worker process) ...
CHUNK_TERMS = 10_000  # ... or terms: each comes back as an object (W3TermInfo)
PARALLEL_FROM = 2_000  # documents in a segment from which workers encode its postings


def _chunks(fieldname: str, records: Iterator[_Record], doclens: array) -> Iterator[_Job]:
    """A field's terms with their postings, in jobs of about CHUNK postings or
    CHUNK_TERMS terms (a field of one-posting terms, such as the ids, would send
    100,000 terms a job); each posting with the length of its document's field."""
    terms: list[tuple[bytes, array, array, bytearray, array, array]] = []
    held = 0
    for _, tbytes, docs, weights, values, sizes in records:
        lens = array("I", map(doclens.__getitem__, docs))
        terms.append((tbytes, docs, weights, values, sizes, lens))
        held += len(docs)
        if held >= CHUNK or len(terms) >= CHUNK_TERMS:
            yield fieldname, terms
            terms, held = [], 0
    if terms:
        yield fieldname, terms


def encode(job: _Job) -> tuple[str, bytes, list[tuple[bytes, W3TermInfo]]]:
    """The postings of a chunk of a field's terms as they are written end to end, and
    each term's information, its extent counted from the start of the chunk."""
    fieldname, terms = job
    out = StructFile(io.BytesIO())
    infos = [
        (tbytes, _write_postings(out, docs, weights, values, sizes, lens))
        for tbytes, docs, weights, values, sizes, lens in terms
    ]
    return fieldname, out.file.getvalue(), infos


_PartsJob = tuple[str, list[Chunk], list[Any]]


def encode_parts(job: _PartsJob) -> tuple[str, bytes, list[tuple[bytes, W3TermInfo]]]:
    """encode() of a range of a field's terms given as the cuts of its chunks (and the
    field's length in each posting's document, chunk by chunk): merged here first."""
    fieldname, parts, lens = job
    chunk, (lens_,) = merge_with(parts, [lens])
    out = StructFile(io.BytesIO())
    starts, vstarts = chunk.starts.tolist(), starts_of(chunk.sizes).tolist()
    data = chunk.values.tobytes()
    infos = []
    n, count = 0, len(chunk.terms)
    while n < count:  # terms of about LISTED postings at a time, as Python lists
        last = n + 1
        while last < count and starts[last + 1] - starts[n] <= LISTED:
            last += 1
        at, end = starts[n], starts[last]
        docs, weights = chunk.docs[at:end].tolist(), chunk.weights[at:end].tolist()
        sizes, lens_l = chunk.sizes[at:end].tolist(), lens_[at:end].tolist()
        for k in range(n, last):
            p, q = starts[k] - at, starts[k + 1] - at
            value = data[vstarts[p + at] : vstarts[q + at]]
            info = _write_postings(out, docs[p:q], weights[p:q], value, sizes[p:q], lens_l[p:q])
            infos.append((chunk.terms[k], info))
        n = last
    return fieldname, out.file.getvalue(), infos


LISTED = 50_000  # postings read into Python lists at a time (a worker's memory)


BLOCK = 128  # postings per block, as W3Codec's default blocklimit
COMPRESSION = 3  # zlib level, as W3Codec's default
COMPRESS_FROM = 64  # bytes of a block's pickle below which it is stored uncompressed


def _write_postings(
    postfile: Any,
    docs: Sequence[int],
    weights: Sequence[float],
    values: bytes | bytearray,
    sizes: Sequence[int],
    lens: Sequence[int],
) -> W3TermInfo:
    """One term's postings in W3Codec's layout (W3PostingsWriter): a magic tag, then
    blocks of 128, each its length (negative for the last), a pickled info tuple and
    the pickle of (id gaps, weights, values), zlib-compressed unless small. The pickles use protocol
    5 where Whoosh uses 2, which writes every bytes value as a call to _codecs.encode:
    the same tuples, a third smaller, and read by the same `loads`. `lens`: the length
    of the field in each posting's document."""
    info = W3TermInfo()
    start = postfile.tell()
    write, write_int = postfile.write, postfile.write_int
    write(WHOOSH3_HEADER_MAGIC)
    total = len(docs)
    data_ = bytes(values)
    ends = list(accumulate(sizes, initial=0)) if data_ else []
    # the term's figures, block by block as W3TermInfo.add_block sums them
    wsum, maxlength = upstream.term_weight(info), 0
    minlength: int | None = None
    maxweight: float = 0
    for at in range(0, total, BLOCK):
        ids = docs[at : at + BLOCK]
        raw = weights[at : at + BLOCK]
        ws = array("f", raw)  # W3 keeps weights as 32-bit floats
        wsum += sum(ws)
        top = max(raw)
        top = top if top > 0 else 0
        lens_ = [n for n in lens[at : at + BLOCK] if n]
        low, high = (min(lens_), max(lens_)) if lens_ else (None, 0)
        if low is not None:
            minlength = low if minlength is None else min(minlength, low)
        maxlength = max(maxlength, high)
        maxweight = max(maxweight, top)
        gaps = (ids[0], *map(operator.sub, ids[1:], ids))
        if data_:
            bounds = ends[at : at + BLOCK + 1]
            vs = tuple(map(data_.__getitem__, map(slice, bounds, bounds[1:])))
        else:  # a field without values (no positions)
            vs = ()
        databytes = pickle.dumps((gaps, _mini_weights(ws), vs), 5)
        # a small pickle is stored as it is: zlib would make it no smaller, and setting
        # up a compressor for each of a million rare words is most of an ingest's writing
        # (Whoosh's own writer means to do the same; each block says how it is stored)
        level = COMPRESSION if len(databytes) >= COMPRESS_FROM else 0
        if level:
            databytes = zlib.compress(databytes, level)
        head = (len(ids), ids[-1], top, level, length_to_byte(low), length_to_byte(high))
        infobytes = pickle.dumps(head, 5)
        size = len(infobytes) + len(databytes)
        write_int(-size if at + BLOCK >= total else size)
        write(infobytes)
        write(databytes)
    upstream.set_term_figures(
        info, wsum, total, (minlength, maxlength), maxweight, (docs[0], docs[-1])
    )
    info.set_extent(start, postfile.tell() - start)
    return info


def _mini_weights(weights: array) -> Any:
    """W3PostingsWriter._mini_weights: None when all are 1, one number when all agree."""
    first = weights[0]
    if first == 1.0 and all(w == 1.0 for w in weights):
        return None
    if all(w == first for w in weights):
        return first
    return tuple(weights)


class BulkSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with the TermPool in place of its posting pool. Deletes,
    updates, stored fields, columns, merges and the commit are Whoosh's own."""

    def __init__(self, ix: Any, limitmb: float) -> None:
        # the caller holds the lock; a compound segment file would copy the whole new
        # segment once more at commit, and Whoosh reads loose segment files as well
        super().__init__(ix, _lk=False, limitmb=limitmb, compound=False)
        if not isinstance(self.codec, W3Codec):
            raise TypeError(f"BulkSegmentWriter writes Whoosh's W3 codec, not {self.codec}")
        for name, f in self.schema.items():
            if f.vector or f.separate_spelling():
                raise TypeError(f"field {name!r}: vectors and spelling are not written here")
        _lean_term_index(upstream.term_index(self.fieldwriter))
        self.pool = TermPool(Path(ix.storage.folder), limitmb)
        self.mapper: Mapper | None = None  # worker processes to encode the postings
        self.keep: list[Any] = []  # segments another writer is writing: files kept
        self.inline = False  # postings inlined in the term index (write_inline)
        self.hand_over: tuple[TermPool, int] | None = None  # who takes them then
        # another writer's lengths of the document being added (add_document): this
        # one keeps the document's stored fields, lengths and columns, and takes its
        # postings later from the other's pool (TermPool.absorb)
        self.given: dict[str, int] | None = None
        self.lengths: dict[str, int] = {}  # of the last document added

    def add_document(self, **fields: Any) -> None:
        """SegmentWriter.add_document without vectors and spelling (the schema has none),
        each field's postings handed to the pool in one call."""
        self._check_state()
        pdw, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(n for n in fields if not n.startswith("_"))
        self._check_fields(schema, names)
        docboost = self._doc_boost(fields)
        given, self.lengths = self.given, {}
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                f = schema[name]
                length = 0
                if given is not None:
                    length = given.get(name, 0)
                elif isinstance(value, InBatch):  # postings made ahead, with a batch's
                    self.pool.add_from(name, value.batch, value.doc, docnum)
                    length = value.batch.lengths[name][value.doc]
                elif f.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    length = self.pool.add_field(name, docnum, f.index(value), boost)
                    if not f.scorable:
                        length = 0
                self.lengths[name] = length
                pdw.add_field(name, f, value if f.stored else None, length)
                if f.column_type:
                    pdw.add_column_value(name, f.column_type, f.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _commit_toc(self, segments: list[Any]) -> None:
        """SegmentWriter._commit_toc: the new table of contents, then the files of no
        segment in it are deleted, except those of the segments in `keep`."""
        from whoosh.index import TOC, clean_files

        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        clean_files(self.storage, self.indexname, self.generation, [*segments, *self.keep])

    def _finish(self) -> None:
        if self.keep:  # Whoosh's temporary folder is one per index: the other's too
            self._tempstorage = types.SimpleNamespace(destroy=lambda: None)
        super()._finish()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            # a small segment is written faster than worker processes start
            if self.inline:
                self.pool.write_inline(
                    self.fieldwriter, self.schema, lengths, self.docnum, self.hand_over
                )
                # marked as such: a later commit merges it (merge_small), should this
                # writer's ingest stop before its own segment takes this one's place
                self.storage.create_file(f"{self.newsegment.segment_id()}.{INLINED}").close()
            else:
                mapper = self.mapper if self.docnum >= PARALLEL_FROM else None
                self.pool.write(self.fieldwriter, self.schema, lengths, self.docnum, mapper)
        finally:
            lengths.close()
        self.fieldwriter.close()


INLINED = "inlined"  # the empty file that marks a segment of inlined postings


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """A merge policy: Whoosh's MERGE_SMALL, and every segment of inlined postings
    (one a checkpoint wrote for an ingest that then stopped) merged into the new one."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import MERGE_SMALL

    names = set(writer.storage.list())
    inlined = [s for s in segments if f"{s.segment_id()}.{INLINED}" in names]
    kept: list[Any] = MERGE_SMALL(writer, [s for s in segments if s not in inlined])
    for seg in inlined:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return kept
