"""Chunks: the postings of documents for one field, sorted by term, held as a few flat
numpy arrays instead of arrays per term.

A checkpoint's batches (analysis.Columns, made by worker processes) are merged by
numpy in one sort into one chunk per field, from which its segment is written; a merge
of segments (merge.py) reads each range of terms of each segment into a chunk, and
merges and encodes them (blocks.encode_parts): no Python step per term of a batch, and
none per posting where postings are written (packing.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from conflictcli.engine.whoosh.fast.batch import Columns, starts_of

if TYPE_CHECKING:
    from numpy.typing import NDArray


class Chunk:
    """A field's postings, sorted by term and then by document: `terms` (sorted, each
    once), how many postings each has (`counts`), and the postings end to end: document,
    weight, size of the encoded value; the values end to end (`values`)."""

    __slots__ = ("docs", "sizes", "starts", "terms", "tvstarts", "values", "weights")

    def __init__(
        self,
        terms: Sequence[bytes],
        counts: NDArray[Any],
        docs: NDArray[Any],
        weights: NDArray[Any],
        sizes: NDArray[Any],
        values: NDArray[Any],
        tvstarts: NDArray[Any] | None = None,
    ) -> None:
        self.terms, self.docs = terms, docs
        self.weights, self.sizes, self.values = weights, sizes, values
        starts = starts_of(counts)
        if tvstarts is None:  # each term's first byte of values, and the end
            tvstarts = starts_of(sizes)[starts]
        self.starts = _compact(starts)  # each term's first posting, and the end
        self.tvstarts = _compact(tvstarts)

    @property
    def counts(self) -> NDArray[Any]:
        """How many postings each term has."""
        return np.diff(self.starts).astype(np.uint32)

    @property
    def nbytes(self) -> int:
        """What the chunk holds in memory, about."""
        arrays = (self.docs, self.weights, self.sizes, self.values, self.starts, self.tvstarts)
        return sum(a.nbytes for a in arrays) + 60 * len(self.terms)

    def cut(self, low: bytes | None, high: bytes | None) -> Chunk:
        """The terms from `low` up to `high` (not included; None: no bound)."""
        a = 0 if low is None else bisect.bisect_left(self.terms, low)
        b = len(self.terms) if high is None else bisect.bisect_left(self.terms, high)
        p, q = int(self.starts[a]), int(self.starts[b])
        return Chunk(
            list(self.terms[a:b]),
            np.diff(self.starts[a : b + 1]).astype(np.uint32),
            np.asarray(self.docs[p:q]),
            np.asarray(self.weights[p:q]),
            np.asarray(self.sizes[p:q]),
            np.asarray(self.values[int(self.tvstarts[a]) : int(self.tvstarts[b])]),
        )

    def postings(self) -> int:
        return len(self.docs)


def _compact(offsets: NDArray[Any]) -> NDArray[Any]:
    """Rising offsets in 4 bytes each where they fit."""
    if len(offsets) and int(offsets[-1]) < 1 << 32:
        return offsets.astype(np.uint32, copy=False)
    return offsets.astype(np.int64, copy=False)


def merge(parts: Sequence[Chunk | Columns]) -> Chunk:
    """One chunk of the postings of `parts` (batches' columns or chunks of one field,
    in the order of their documents): sorted by term in one stable sort, so that each
    term's postings stay in document order."""
    return merge_with(parts, [])[0]


def merge_with(
    parts: Sequence[Chunk | Columns], extra: list[list[NDArray[Any]]]
) -> tuple[Chunk, list[NDArray[Any]]]:
    """merge(), and each of `extra` (a value for each posting of each part) in the
    order of the merged postings."""
    if len(parts) == 1 and isinstance(parts[0], Chunk):
        return parts[0], [e[0] for e in extra]
    every = [t for p in parts for t in p.terms]
    terms = sorted(set(every))
    rank = {t: n for n, t in enumerate(terms)}
    counts = np.concatenate([_np(p.counts, np.uint32) for p in parts] or [np.zeros(0, np.uint32)])
    ranks = np.fromiter(map(rank.__getitem__, every), dtype=np.int64, count=len(every))
    of = np.repeat(ranks, counts)
    order = np.argsort(of, kind="stable")
    docs = np.concatenate([_np(p.docs, np.uint32) for p in parts])[order]
    weights = np.concatenate([_np(p.weights, np.float64) for p in parts])[order]
    sizes = np.concatenate([_np(p.sizes, np.uint32) for p in parts])
    values = np.concatenate([_np(p.values, np.uint8) for p in parts])
    starts = starts_of(sizes)
    moved = sizes[order].astype(np.int64)
    # each byte of each value where it goes: a run of its value's bytes from its start
    first = np.repeat(starts[:-1][order] - starts_of(moved)[:-1], moved)
    values = values[first + np.arange(len(first), dtype=np.int64)]
    chunk = Chunk(
        terms,
        np.bincount(of, minlength=len(terms)).astype(np.uint32),
        docs,
        weights,
        sizes[order],
        values,
    )
    return chunk, [np.concatenate(e)[order] for e in extra]


def _np(values: Any, dtype: Any) -> NDArray[Any]:
    """An array.array, bytes or numpy array as numpy's, without a copy."""
    if isinstance(values, np.ndarray):
        return values.astype(dtype, copy=False)
    return np.frombuffer(values, dtype=dtype)


def from_postings(terms: dict[bytes, tuple[Any, Any, Any, Any]]) -> Chunk:
    """A chunk of per-term arrays (segment.TermPool's): documents, weights, values end to
    end, their sizes."""
    from array import array

    names = sorted(terms)
    cols = Columns(
        names,
        array("I", [len(terms[t][0]) for t in names]),
        array("I", b"".join(bytes(terms[t][0]) for t in names)),
        array("d", b"".join(bytes(terms[t][1]) for t in names)),
        b"".join(bytes(terms[t][2]) for t in names),
        array("I", b"".join(bytes(terms[t][3]) for t in names)),
    )
    return merge([cols])


def cuts(chunks: Sequence[Chunk], postings: int, most_terms: int) -> list[bytes | None]:
    """Terms that cut the chunks' terms into ranges of about `postings` postings or
    `most_terms` terms each (a job for a worker process): [None, t1, t2, ..., None]."""
    total = sum(c.postings() for c in chunks)
    held = sum(len(c.terms) for c in chunks)  # the distinct terms, at most
    ranges = max(1, total // max(1, postings), held // max(1, most_terms))
    if ranges == 1:
        return [None, None]
    # candidate cuts: terms spread over every chunk; then those nearest each share
    step = max(1, held // (ranges * 8))
    sample: set[bytes] = set()
    for c in chunks:
        sample.update(c.terms[n] for n in range(step // 2, len(c.terms), step))
    candidates = sorted(sample)
    if len(candidates) > ranges * 8:
        candidates = candidates[:: len(candidates) // (ranges * 8)]
    before = np.zeros(len(candidates), dtype=np.int64)  # postings before each candidate
    for c in chunks:
        at = [bisect.bisect_left(c.terms, t) for t in candidates]
        before += c.starts[at]
    out: list[bytes | None] = [None]
    for share in range(1, ranges):
        n = int(np.searchsorted(before, total * share // ranges))
        if n < len(candidates) and (out[-1] is None or candidates[n] > out[-1]):
            out.append(candidates[n])
    out.append(None)
    return out
