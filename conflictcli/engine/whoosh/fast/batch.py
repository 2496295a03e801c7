"""A batch of articles' postings made in a worker process, as flat numpy columns."""

from __future__ import annotations

from array import array
from typing import Any, NamedTuple

from conflictcli import analysis
from conflictcli.analysis import Scanned, scan, stem


class Batch:
    """The postings of a batch of documents (numbered 0, 1, ... in the batch), grouped
    by field and term, made by a worker process: the writer takes in each term of the
    batch at once (segment.TermPool.add_from) instead of each posting of each document,
    and it crosses between processes as a few flat arrays instead of a tuple per
    posting. A posting's weight is its frequency (no field or document boosts).

    The documents' words are kept as they come (add) and turned into postings all at
    once (freeze), in numpy: the same terms, frequencies and positions as postings()
    gives each document, without a Python step per word or per posting (a third of
    the time of the per-document way, measured on 2,000 articles)."""

    def __init__(self) -> None:
        self.docs = 0
        # per field: each document's number and words (scan()), until frozen
        self._open: dict[str, list[tuple[int, Scanned]]] = {}
        self.lengths: dict[str, array] = {}  # per field, each document's length
        self.fields: dict[str, Columns] = {}

    def add(self, fields: dict[str, tuple[str, Scanned | None]]) -> int:
        """One document: each field's text, and scan() of it when it is at hand (the
        same postings as postings() of each); returns its number in the batch."""
        doc = self.docs
        self.docs += 1
        for name, (text, scanned) in fields.items():
            self._open.setdefault(name, []).append(
                (doc, scanned if scanned is not None else scan(text))
            )
        return doc

    def freeze(self) -> Batch:
        """Flat columns in place of the words (what is sent back from a worker)."""
        for name, given in self._open.items():
            self.fields[name], self.lengths[name] = _columns(given, self.docs)
        self._open = {}
        return self


class InBatch(NamedTuple):
    """Document `doc` of `batch`: an article's postings made ahead (IndexWriter.add)."""

    batch: Batch
    doc: int


class Columns:
    """A field's postings in a Batch: each term, how many postings it has, then the
    postings of every term end to end: document, weight, encoded value (its size
    apart)."""

    __slots__ = ("counts", "docs", "sizes", "terms", "values", "weights")

    def __init__(
        self,
        terms: list[bytes],
        counts: array,
        docs: array,
        weights: array,
        values: bytes,
        sizes: array,
    ) -> None:
        self.terms, self.counts, self.docs = terms, counts, docs
        self.weights, self.values, self.sizes = weights, values, sizes


def _columns(given: list[tuple[int, Scanned]], count: int) -> tuple[Columns, array]:
    """The postings of the documents `given` (each one's number and words), as
    _term_positions() and _pack() make them for each, grouped by term, and each
    document's length (`count` documents in all). Every step runs over all the words
    at once: each distinct word is looked at once (stop word? its stem?), then numpy
    numbers the positions, sorts the words by term, document and position, counts
    them, and packs the gaps between positions."""
    import numpy as np

    nums = np.fromiter((d for d, _ in given), dtype=np.int64, count=len(given))
    sizes_ = np.fromiter((len(w) for _, (w, _) in given), dtype=np.int64, count=len(given))
    every = [w for _, (words, _) in given for w in words]
    distinct = list(dict.fromkeys(every))
    word_id = {w: n for n, w in enumerate(distinct)}
    kept_words = analysis.kept(distinct)
    stems = stem([distinct[n] for n in kept_words])
    joined = [(k, i, name) for k, (_, (_, joins)) in enumerate(given) for i, name in joins.items()]
    joined_stems = stem([name for _, _, name in joined]) if joined else []
    terms = list(dict.fromkeys([*stems, *joined_stems]))
    term_id = {t: n for n, t in enumerate(terms)}
    term_of_word = np.full(len(distinct), -1, dtype=np.int64)
    term_of_word[np.array(kept_words, dtype=np.int64)] = np.fromiter(
        map(term_id.__getitem__, stems), dtype=np.int64, count=len(stems)
    )
    tokens = term_of_word[
        np.fromiter(map(word_id.__getitem__, every), dtype=np.int64, count=len(every))
    ]
    starts = starts_of(sizes_)
    doc_of = np.repeat(np.arange(len(given), dtype=np.int64), sizes_)
    kept = np.flatnonzero(tokens >= 0)  # the words indexed, by their place in `every`
    kdoc = doc_of[kept]
    kcount = np.bincount(kdoc, minlength=len(given))
    kstart = starts_of(kcount)
    # StopFilter's positions: the first word kept keeps its own, the rest follow on
    first = np.zeros(len(given), dtype=np.int64)
    has = kcount > 0
    first[has] = kept[kstart[:-1][has]] - starts[:-1][has]
    rterm, rdoc = tokens[kept], kdoc
    rpos = np.arange(len(kept), dtype=np.int64) - kstart[kdoc] + first[kdoc]
    if joined and len(kept):  # each name at the place of its last part kept (none: left out)
        at = np.array([starts[k] + i for k, i, _ in joined], dtype=np.int64)
        jdoc = np.array([k for k, _, _ in joined], dtype=np.int64)
        jterm = np.fromiter(map(term_id.__getitem__, joined_stems), dtype=np.int64)
        place = np.full(len(joined), -1, dtype=np.int64)
        for part in (at - 1, at):  # the second part wins when both are kept
            where = np.searchsorted(kept, part)
            hit = (where < len(kept)) & (kept[np.minimum(where, len(kept) - 1)] == part)
            place[hit] = where[hit]
        ok = place >= 0
        jdoc, place = jdoc[ok], place[ok]
        rterm = np.concatenate([rterm, jterm[ok]])
        rdoc = np.concatenate([rdoc, jdoc])
        rpos = np.concatenate([rpos, place - kstart[jdoc] + first[jdoc]])
    n = len(rterm)
    if n:  # by term, document, position (each of them once)
        top = int(rpos.max()) + 1
        order = np.argsort((rterm * len(given) + rdoc) * top + rpos)
        rterm, rdoc, rpos = rterm[order], rdoc[order], rpos[order]
    lengths = np.zeros(count, dtype=np.uint32)
    lengths[nums] = np.bincount(rdoc, minlength=len(given))
    new = np.ones(n, dtype=bool)  # a posting starts: another term or document
    new[1:] = (rterm[1:] != rterm[:-1]) | (rdoc[1:] != rdoc[:-1])
    gstart = np.flatnonzero(new)
    freq = np.diff(np.append(gstart, n))
    posting = np.cumsum(new) - 1  # of each position
    gap = rpos.copy()
    gap[1:] -= rpos[:-1]
    gap[gstart] = rpos[gstart]
    top_gap = np.maximum.reduceat(gap, gstart) if n else gap
    width = np.where(top_gap <= 0xFF, 1, np.where(top_gap <= 0xFFFF, 2, 4))
    sizes = 1 + freq * width  # _pack's: a byte naming the type, then the gaps
    vstart = starts_of(sizes)
    values = np.zeros(int(vstart[-1]), dtype=np.uint8)
    values[vstart[:-1]] = np.where(width == 1, 0, np.where(width == 2, 1, 2))
    w = width[posting]
    offset = vstart[:-1][posting] + 1 + (np.arange(n) - gstart[posting]) * w
    for k in range(4):  # little-endian, byte by byte
        m = w > k
        values[offset[m] + k] = (gap[m] >> (8 * k)) & 0xFF
    gterm = rterm[gstart]
    tstart = np.flatnonzero(np.append(True, gterm[1:] != gterm[:-1])) if len(gterm) else gstart
    cols = Columns(
        [terms[t].encode("utf-8") for t in gterm[tstart].tolist()],
        as_array("I", np.diff(np.append(tstart, len(gterm)))),
        as_array("I", nums[rdoc[gstart]]),
        as_array("d", freq),
        values.tobytes(),
        as_array("I", sizes),
    )
    return cols, as_array("I", lengths)


def starts_of(counts: Any) -> Any:
    """Where each run of `counts` starts when they are end to end, and the end (numpy)."""
    import numpy as np

    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def as_array(typecode: str, values: Any) -> array:
    """A numpy array as an array.array of `typecode` ("I": 32-bit unsigned, "d")."""
    import numpy as np

    out = array(typecode)
    out.frombytes(np.asarray(values, dtype=np.uint32 if typecode == "I" else np.float64).tobytes())
    return out
