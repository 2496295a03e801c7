"""Postings written in the layout of Whoosh's W3 codec, a few calls per block of 128
postings instead of several per posting: whole segments (encode, in worker processes
a range of terms at a time) and the postings inlined in the term index that a
checkpoint writes."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import heapq
import io
import operator
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, groupby, islice
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import crc_hash
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import length_to_byte

from conflictcli.engine.whoosh.fast import packing, upstream
from conflictcli.engine.whoosh.fast.batch import Columns, as_array, starts_of
from conflictcli.engine.whoosh.fast.chunks import Chunk, from_postings, merge_with

# a term's document numbers, weights, encoded values end to end, and their sizes
_Postings = tuple[array, array, bytearray, array]
_Record = tuple[str, bytes, array, array, bytearray, array]


def lean_term_index(tindex: Any) -> None:
    """The term index hashes its keys with CRC-32 instead of MD5: Whoosh's hash type
    1, named in the file's header (its readers take the hash from there), and five
    times quicker (each term of a segment is hashed once written, once per look-up).
    The header is already written: its hash type byte is written again. Its buckets
    keep each key's hash and place in arrays (Pairs)."""
    dbfile = tindex.dbfile
    at = dbfile.tell()
    if at != tindex.startoffset + len(b"HSH3") + 9:  # magic, type byte, two ints
        return  # more was written: the index keeps MD5
    dbfile.seek(tindex.startoffset + len(b"HSH3"))
    dbfile.write_byte(1)
    dbfile.seek(at)
    tindex.hashtype, tindex.hashfn = 1, crc_hash
    tindex.buckets = [Pairs() for _ in range(256)]


class Pairs:
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


def add_terms(tindex: Any, items: list[tuple[bytes, bytes]]) -> None:
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


def term_key(record: _Record) -> tuple[str, bytes]:
    return record[0], record[1]


def joined(streams: list[Iterator[_Record]]) -> Iterator[_Record]:
    """Sorted streams of records merged in (field, term) order, each term once: the
    postings of a term in several streams end to end, in the order of the streams
    (heapq.merge keeps it on ties), which is the order of their documents."""
    for _, same in groupby(heapq.merge(*streams, key=term_key), key=term_key):
        first, *more = same
        for rec in more:  # the same term in a later stream: later documents
            for whole, part in zip(first[2:], rec[2:], strict=True):
                whole.extend(part)
        yield first


def doclens(schema: Any, lengths: Any, fieldname: str, doccount: int) -> array:
    """Each document's length of the field (0 for a field that is not scored)."""
    if schema[fieldname].scorable:  # a length of 0 reads back as None
        length_of = lengths.doc_field_length
        return array("I", (length_of(d, fieldname) or 0 for d in range(doccount)))
    return array("I", bytes(4 * doccount))


_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo's fixed part


def in_term_chunks(records: Iterator[_Record]) -> Iterator[Chunk]:
    """A field's records (TermPool.records()) as chunks of JOB_TERMS terms each."""
    while group := list(islice(records, JOB_TERMS)):
        yield from_postings({r[1]: (r[2], r[3], r[4], r[5]) for r in group})


def inlined(chunk: Chunk, doclens: array) -> list[bytes]:
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


def placed(cols: Columns, pairs: list[tuple[int, int]], count: int) -> Columns:
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
Job = tuple[str, list[tuple[bytes, array, array, bytearray, array, array]]]
JOB_POSTINGS = 100_000  # postings encoded in one job (a worker process's unit of work) ...
JOB_TERMS = 10_000  # ... or terms: each comes back as an object (W3TermInfo)
PARALLEL_FROM = 2_000  # documents in a segment from which workers encode its postings


def term_chunks(fieldname: str, records: Iterator[_Record], doclens: array) -> Iterator[Job]:
    """A field's terms with their postings, in jobs of about JOB_POSTINGS postings or
    JOB_TERMS terms (a field of one-posting terms, such as the ids, would send
    100,000 terms a job); each posting with the length of its document's field."""
    terms: list[tuple[bytes, array, array, bytearray, array, array]] = []
    held = 0
    for _, tbytes, docs, weights, values, sizes in records:
        lens = array("I", map(doclens.__getitem__, docs))
        terms.append((tbytes, docs, weights, values, sizes, lens))
        held += len(docs)
        if held >= JOB_POSTINGS or len(terms) >= JOB_TERMS:
            yield fieldname, terms
            terms, held = [], 0
    if terms:
        yield fieldname, terms


def encode(job: Job) -> tuple[str, bytes, list[tuple[bytes, W3TermInfo]]]:
    """The postings of a chunk of a field's terms as they are written end to end, and
    each term's information, its extent counted from the start of the chunk."""
    fieldname, terms = job
    out = StructFile(io.BytesIO())
    infos = [
        (tbytes, write_postings(out, docs, weights, values, sizes, lens))
        for tbytes, docs, weights, values, sizes, lens in terms
    ]
    return fieldname, out.file.getvalue(), infos


PartsJob = tuple[str, list[Chunk], list[Any]]


def encode_parts(job: PartsJob) -> tuple[str, bytes, Any]:
    """encode() of a range of a field's terms given as the cuts of its chunks (and the
    field's length in each posting's document, chunk by chunk): merged here first."""
    fieldname, parts, lens = job
    chunk, (lens_,) = merge_with(parts, [lens])
    if packing.integral(chunk):  # every block at once (the weights are frequencies)
        return (fieldname, *packing.encode_chunk(chunk, lens_))
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
            info = write_postings(out, docs[p:q], weights[p:q], value, sizes[p:q], lens_l[p:q])
            infos.append((chunk.terms[k], info))
        n = last
    return fieldname, out.file.getvalue(), infos


LISTED = 50_000  # postings read into Python lists at a time (a worker's memory)


BLOCK = 128  # postings per block, as W3Codec's default blocklimit
COMPRESSION = 3  # zlib level, as W3Codec's default
COMPRESS_FROM = 64  # bytes of a block's pickle below which it is stored uncompressed


def write_postings(
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
        databytes = pickle.dumps((gaps, mini_weights(ws), vs), 5)
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


def mini_weights(weights: array) -> Any:
    """W3PostingsWriter._mini_weights: None when all are 1, one number when all agree."""
    first = weights[0]
    if first == 1.0 and all(w == 1.0 for w in weights):
        return None
    if all(w == first for w in weights):
        return first
    return tuple(weights)
