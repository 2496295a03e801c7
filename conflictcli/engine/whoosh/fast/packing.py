"""A chunk's postings written as Whoosh's W3 codec lays them out, every block of every
term at once: numpy makes the pickles of all blocks in one buffer, a loop compresses
each block and writes its header (blocks.write_postings does the same one term and
one block at a time, with a Python tuple and a pickle per block: five to ten times
slower, most of a merge's time).

A block's data is the pickle of (id gaps, weights, values) that Whoosh's reader loads:
written here with the plain opcodes (in one FRAME: MARK ... TUPLE, BININT1/2/BININT,
BINFLOAT, SHORT_BINBYTES/BINBYTES), which load as the same tuples as pickle.dumps(...,
5) of them.
Each term's figures (W3TermInfo) are packed here too, their extent counted from the
start of the chunk's blob: PackedInfos, which pool.write_encoded writes.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import pickle
import struct
import zlib
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from conflictcli.engine.whoosh.fast import upstream
from conflictcli.engine.whoosh.fast.chunks import Chunk

BLOCK = 128  # postings per block, as W3Codec's default blocklimit
COMPRESSION = 3  # zlib level, as W3Codec's default
COMPRESS_FROM = 64  # bytes of a block's pickle below which it is stored uncompressed

_CACHE = np.frombuffer(upstream.length_table().tobytes(), dtype=np.int32)
_INT = struct.Struct("!i")
_INFO = np.dtype(
    [
        ("flags", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)
assert _INFO.itemsize == upstream.TERM_INFO_SIZE + 12  # and the extent: offset, length


def length_bytes(lengths: Any) -> Any:
    """Whoosh's length_to_byte of each length (0 stays 0)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.searchsorted(_CACHE, lengths, side="left")
    return np.where(lengths >= 106374, 255, out).astype(np.uint8)


class PackedInfos:
    """Each term of a chunk and its W3TermInfo.to_bytes(), the extent of its postings
    counted from the start of the chunk's blob (moved by `start` when written)."""

    def __init__(self, terms: list[bytes], infos: Any) -> None:
        self.terms, self.infos = terms, infos

    def items(self, start: int) -> list[tuple[bytes, bytes]]:
        infos = self.infos.copy()
        infos["offset"] += start
        raw = infos.tobytes()
        size = _INFO.itemsize
        return [(t, raw[n * size : (n + 1) * size]) for n, t in enumerate(self.terms)]


def integral(chunk: Chunk) -> bool:
    """Whether every weight is a whole number (term frequencies): their sums are then
    the same in any order, as those Whoosh adds up one at a time."""
    w = np.asarray(chunk.weights, dtype=np.float64)
    return bool(np.all(w == np.floor(w)) and (not len(w) or float(np.abs(w).max()) < 2**24))


def encode_chunk(chunk: Chunk, lens: Any) -> tuple[bytes, PackedInfos]:
    """The chunk's postings as they are written end to end (each term: the header tag,
    then its blocks) and each term's figures. `lens`: the length of the field in each
    posting's document. The weights must be integral (see integral())."""
    docs = np.asarray(chunk.docs, dtype=np.int64)
    starts = np.asarray(chunk.starts, dtype=np.int64)
    counts = np.diff(starts)
    terms = len(counts)
    if not terms:
        return b"", PackedInfos([], np.zeros(0, _INFO))
    # the blocks: each term's postings, BLOCK at a time
    per_term = (counts + BLOCK - 1) // BLOCK
    term_of = np.repeat(np.arange(terms), per_term)
    first_block = np.cumsum(per_term) - per_term
    nth = np.arange(len(term_of)) - first_block[term_of]
    first = starts[term_of] + BLOCK * nth  # each block's first posting
    sizes_b = np.minimum(BLOCK, starts[term_of + 1] - first)
    block_of = np.repeat(np.arange(len(first)), sizes_b)
    raw_w = np.asarray(chunk.weights, dtype=np.float64)
    w32 = raw_w.astype(np.float32).astype(np.float64)  # as W3 keeps them
    lens = np.asarray(lens, dtype=np.int64)
    data, ends = _pickles(chunk, docs, first, sizes_b, block_of, term_of, w32)
    top = np.maximum.reduceat(raw_w, first)
    nonzero = np.where(lens > 0, lens, np.iinfo(np.int64).max)
    low = np.minimum.reduceat(nonzero, first)
    low_b = length_bytes(np.where(low == np.iinfo(np.int64).max, 0, low))
    high_b = length_bytes(np.maximum.reduceat(lens, first))
    last = np.zeros(len(first), dtype=bool)
    last[first_block + per_term - 1] = True
    maxids = docs[first + sizes_b - 1]
    parts: list[bytes] = []
    offsets = np.zeros(terms, dtype=np.int64)
    lengths = np.zeros(terms, dtype=np.int32)
    at = 0
    dumps, compress, pack = pickle.dumps, zlib.compress, _INT.pack
    b_count, b_max, b_top = sizes_b.tolist(), maxids.tolist(), top.tolist()
    b_low, b_high, b_last = low_b.tolist(), high_b.tolist(), last.tolist()
    b_start, b_end = ends[:-1].tolist(), ends[1:].tolist()
    lasts = (first_block + per_term).tolist()
    for t, (p, q) in enumerate(zip(first_block.tolist(), lasts, strict=True)):
        offsets[t] = at
        parts.append(WHOOSH3_HEADER_MAGIC)
        at += 4
        for b in range(p, q):
            body = data[b_start[b] : b_end[b]]
            level = COMPRESSION if len(body) >= COMPRESS_FROM else 0
            if level:
                body = compress(body, level)
            top_ = b_top[b] if b_top[b] > 0 else 0
            head = dumps((b_count[b], b_max[b], top_, level, b_low[b], b_high[b]), 5)
            size = len(head) + len(body)
            parts += (pack(-size if b_last[b] else size), head, body)
            at += 4 + size
        lengths[t] = at - offsets[t]
    return b"".join(parts), PackedInfos(
        list(chunk.terms), _infos(chunk, docs, starts, raw_w, w32, lens, offsets, lengths)
    )


def _infos(
    chunk: Chunk,
    docs: Any,
    starts: Any,
    raw_w: Any,
    w32: Any,
    lens: Any,
    offsets: Any,
    lengths: Any,
) -> Any:
    """Each term's W3TermInfo, packed as to_bytes() packs it."""
    heads = starts[:-1]
    out = np.zeros(len(heads), dtype=_INFO)
    out["weight"] = np.add.reduceat(w32, heads)
    out["df"] = np.diff(starts)
    nonzero = np.where(lens > 0, lens, np.iinfo(np.int64).max)
    low = np.minimum.reduceat(nonzero, heads)
    out["minlength"] = length_bytes(np.where(low == np.iinfo(np.int64).max, 0, low))
    out["maxlength"] = length_bytes(np.maximum.reduceat(lens, heads))
    out["maxweight"] = np.maximum(np.maximum.reduceat(raw_w, heads), 0)
    out["minid"] = docs[heads]
    out["maxid"] = docs[starts[1:] - 1]
    out["offset"] = offsets
    out["length"] = lengths
    return out


_K, _M, _J = 0x4B, 0x4D, 0x4A  # BININT1, BININT2, BININT
_MARK, _TUPLE, _EMPTY, _NONE, _FLOAT = 0x28, 0x74, 0x29, 0x4E, 0x47
_SHORT_BYTES, _BYTES, _STOP = 0x43, 0x42, 0x2E
_FRAME = 0x95
# PROTO 5, a FRAME (its size: 8 bytes, written apart) that holds the rest, whose whole
# is read at once (unframed, Whoosh's reader reads opcode by opcode: 4 times slower),
# the outer tuple's MARK, the gaps' MARK
_HEAD = {0: 0x80, 1: 5, 2: _FRAME, 11: _MARK, 12: _MARK}
_START = 13  # where the gaps begin


def _pickles(
    chunk: Chunk,
    docs: Any,
    first: Any,
    sizes_b: Any,
    block_of: Any,
    term_of: Any,
    w32: Any,
) -> tuple[bytes, Any]:
    """The pickle of (gaps, weights, values) of every block, end to end, and where
    each begins (and the end)."""
    gaps = docs.copy()
    gaps[1:] -= docs[:-1]
    gaps[first] = docs[first]
    g_len = np.where(gaps < 256, 2, np.where(gaps < 65536, 3, 5))
    # weights: None when all are 1, one float when all agree, else one per posting
    same = w32 == w32[first][block_of]
    all_same = np.minimum.reduceat(same.astype(np.int8), first).astype(bool)
    all_one = all_same & (w32[first] == 1.0)
    listed = ~all_same  # blocks that list their weights
    w_sec = np.where(all_one, 1, np.where(listed, 2 + 9 * sizes_b, 9))
    # values: none for a term whose postings have none (a field without positions)
    sizes = np.asarray(chunk.sizes, dtype=np.int64)
    term_starts = np.asarray(chunk.starts, dtype=np.int64)
    has_values = np.add.reduceat(sizes, term_starts[:-1]) > 0 if len(sizes) else np.zeros(0, bool)
    valued = has_values[term_of]
    v_item = np.where(sizes < 256, 2 + sizes, 5 + sizes) * valued[block_of]
    v_sec = np.where(valued, 2, 1) + np.add.reduceat(v_item, first)
    g_sum = np.add.reduceat(g_len, first)
    total = _START + g_sum + 1 + w_sec + v_sec + 2
    ends = np.concatenate([[0], np.cumsum(total)])
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    base = ends[:-1]
    for k, byte in _HEAD.items():
        out[base + k] = byte
    frame = (total - 11).astype("<u8").view(np.uint8).reshape(-1, 8)  # after its size
    for k in range(8):
        out[base + 3 + k] = frame[:, k]
    # the gaps
    within = np.cumsum(g_len) - g_len  # before each posting, from the chunk's start
    g_at = base[block_of] + _START + within - within[first][block_of]
    _ints(out, g_at, gaps, g_len)
    after = base + _START + g_sum
    out[after] = _TUPLE
    w_at = after + 1
    _weights(out, w_at, w32, first, block_of, all_one, listed, sizes_b)
    v_at = w_at + w_sec
    _values(out, v_at, chunk, sizes, first, block_of, valued, v_item)
    out[ends[1:] - 2] = _TUPLE
    out[ends[1:] - 1] = _STOP
    return out.tobytes(), ends


def _ints(out: Any, at: Any, values: Any, lengths: Any) -> None:
    """Each value at `at` as BININT1, BININT2 or BININT (little-endian after the code)."""
    le = values.astype("<i4").view(np.uint8).reshape(-1, 4)
    out[at] = np.where(lengths == 2, _K, np.where(lengths == 3, _M, _J))
    for k in range(4):
        wide = lengths > k + 1
        out[at[wide] + 1 + k] = le[wide, k]


def _weights(
    out: Any,
    at: Any,
    w32: Any,
    first: Any,
    block_of: Any,
    all_one: Any,
    listed: Any,
    sizes_b: Any,
) -> None:
    one = np.flatnonzero(all_one)
    out[at[one]] = _NONE
    single = np.flatnonzero(~all_one & ~listed)
    _floats(out, at[single], w32[first[single]])
    blocks = np.flatnonzero(listed)
    if len(blocks):
        out[at[blocks]] = _MARK
        out[at[blocks] + 1 + 9 * sizes_b[blocks]] = _TUPLE
        mine = listed[block_of]
        k = np.arange(len(block_of)) - first[block_of]
        _floats(out, (at[block_of] + 1 + 9 * k)[mine], w32[mine])


def _floats(out: Any, at: Any, values: Any) -> None:
    """Each value at `at` as BINFLOAT (8 bytes, big-endian)."""
    out[at] = _FLOAT
    be = np.asarray(values, dtype=">f8").view(np.uint8).reshape(-1, 8)
    for k in range(8):
        out[at + 1 + k] = be[:, k]


def _values(
    out: Any,
    at: Any,
    chunk: Chunk,
    sizes: Any,
    first: Any,
    block_of: Any,
    valued: Any,
    v_item: Any,
) -> None:
    """Each block's values: an empty tuple, or a tuple of bytes."""
    out[at[~valued]] = _EMPTY
    blocks = np.flatnonzero(valued)
    if not len(blocks):
        return
    out[at[blocks]] = _MARK
    v_sum = np.add.reduceat(v_item, first)
    out[at[blocks] + 1 + v_sum[blocks]] = _TUPLE
    mine = valued[block_of]
    within = np.cumsum(v_item) - v_item
    item_at = (at[block_of] + 1 + within - within[first][block_of])[mine]
    s = sizes[mine]
    short = s < 256
    out[item_at[short]] = _SHORT_BYTES
    out[item_at[short] + 1] = s[short]
    long_ = ~short
    if long_.any():
        out[item_at[long_]] = _BYTES
        le = s[long_].astype("<u4").view(np.uint8).reshape(-1, 4)
        for k in range(4):
            out[item_at[long_] + 1 + k] = le[:, k]
    data_at = item_at + np.where(short, 2, 5)
    # each value's bytes: from where it starts in the chunk to where it goes here
    src = (np.cumsum(sizes) - sizes)[mine]
    total = int(s.sum())
    if total:
        run = np.arange(total) - np.repeat(np.cumsum(s) - s, s)
        values = np.asarray(chunk.values, dtype=np.uint8)
        out[np.repeat(data_at, s) + run] = values[np.repeat(src, s) + run]
