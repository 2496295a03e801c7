"""Every read of Whoosh's internals, in one place: posting lists a block at a time,
a field's lengths and a numeric column in one pass, the words a pattern stands for,
and the segments of the latest commit. Each helper reads through Whoosh's public API
instead when the fast path is off (loading.fast_paths), with the same results; which
attribute each one reaches is listed in tests/test_upstream.py. (BulkSegmentWriter, a
subclass of Whoosh's SegmentWriter, reaches its parent's own attributes in segment.py.)
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import bisect
import sys
from array import array
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from whoosh.matching import FilterMatcher
from whoosh.util.numeric import byte_to_length

from conflictcli.engine.whoosh.loading import fast_paths

try:  # Whoosh's internals, read directly on the releases conflict was tested with
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
except ImportError:  # another release: fast_paths() is False, these are never used
    LENGTHS_COLUMN = _lenfield = None
    W3LeafMatcher = type(None)

_LENGTH_OF = [byte_to_length(b) for b in range(256)]  # Whoosh's one-byte field lengths


def positions(m: Any, docs: set[int], decode: Any) -> dict[int, list[int]]:
    """The positions of a word in these documents (a posting list read a block at a
    time, its values decoded only where a document is wanted)."""
    if type(m) is FilterMatcher and fast_paths():  # deleted documents are not among `docs`
        m = m.child
    out: dict[int, list[int]] = {}
    if type(m) is W3LeafMatcher and fast_paths():
        while m.is_active():
            read_ids(m)
            ids = m._ids
            if not docs.isdisjoint(ids):
                m._read_values()
                for d, value in zip(ids, m._values, strict=True):
                    if d in docs:
                        out[d] = decode(value)
            m._next_block()
    else:
        while m.is_active():
            if (d := m.id()) in docs:
                out[d] = list(m.value_as("positions"))
            m.next()
    return out


def positions_of_few(m: Any, docs: set[int], decode: Any) -> dict[int, list[int]]:
    """positions() for a few documents of a long posting list: the blocks that hold
    none of them are skipped by their largest id (from the block's header) without
    reading their ids or values."""
    if type(m) is FilterMatcher and fast_paths():  # deleted documents are not among `docs`
        m = m.child
    if type(m) is not W3LeafMatcher or not fast_paths():
        return positions(m, docs, decode)
    out: dict[int, list[int]] = {}
    for d in sorted(docs):
        while m.is_active() and d > m.block_max_id():
            m._next_block()
        if not m.is_active():
            break
        if m._ids is None:
            read_ids(m)
        ids = m._ids
        i = bisect.bisect_left(ids, d)
        if i < len(ids) and ids[i] == d:
            if m._values is None:
                m._read_values()
            out[d] = decode(m._values[i])
    return out


def read_ids(m: W3LeafMatcher) -> None:
    """W3LeafMatcher._read_ids, the gaps added up in C (Whoosh's delta_decode is a
    Python generator: most of the time of reading a long posting list)."""
    if m._data is None:
        m._read_data()
    ids = m._data[0]
    m._ids = ids if m._byteids else tuple(accumulate(ids))


def postings(m: Any) -> tuple[list[int], list[float]]:
    """A posting list's document numbers and weights, read a block at a time (one by
    one for postings inlined in the term's entry)."""
    drop: set[int] = set()
    fast = fast_paths()
    if fast and type(m) is FilterMatcher and m._exclude:  # deleted documents left out
        drop, m = m._ids, m.child
    ids: list[int] = []
    weights: list[float] = []
    if fast and type(m) is W3LeafMatcher:
        while m.is_active():
            read_ids(m)
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    if drop:
        kept = [(d, w) for d, w in zip(ids, weights, strict=True) if d not in drop]
        ids, weights = [d for d, _ in kept], [w for _, w in kept]
    return ids, weights


def lengths(reader: Any, fieldname: str) -> list[int] | None:
    """Every document's length of `fieldname` in one segment, as Whoosh's
    doc_field_length gives it (one byte per document, decoded)."""
    count = reader.doc_count_all()
    if not fast_paths():
        return [reader.doc_field_length(d, fieldname, 1) for d in range(count)]
    try:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except AttributeError:
        return None
    if column is None:
        return [1] * count  # doc_field_length's default for a field without lengths
    raw = array("B", column._dbfile.get(column._basepos, column._count))
    raw.extend([0] * (count - len(raw)))
    return [_LENGTH_OF[b] for b in raw]


def column_values(sub: Any, fieldname: str) -> array[int] | list[int]:
    """Every document's value in a numeric column of one segment, undecoded."""
    column = sub.reader().column_reader(fieldname, translate=False)
    count = sub.doc_count_all()
    if not fast_paths():
        return [column[d] for d in range(count)]
    try:
        raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        values = array(column._typecode, raw)
        if sys.byteorder == "little":  # Whoosh packs them big-endian ("!")
            values.byteswap()
        values.extend([column._default] * (count - len(values)))
        return values
    except (AttributeError, TypeError, ValueError):
        return [column[d] for d in range(count)]


def expansions(node: Any, reader: Any) -> Iterator[bytes]:
    """The words of the index a wildcard or fuzzy term stands for."""
    return node._btexts(reader)


def committed_segments(ix: Any) -> list[Any]:
    """The segments of the index's latest commit, read from its table of contents
    without opening them."""
    return list(ix._read_toc().segments)


# -- writing: the figures of a term and the files of a field in a new segment -------
def field_files(fieldwriter: Any) -> tuple[Any, Any]:
    """The postings file and the term index a segment's field writer writes."""
    return fieldwriter._postfile, fieldwriter._tindex


def term_index(fieldwriter: Any) -> Any:
    return fieldwriter._tindex


def field_number(fieldwriter: Any) -> int:
    """The number of the field being written (the prefix of its terms' keys)."""
    return int(fieldwriter._fieldid)


def term_weight(info: Any) -> float:
    return float(info._weight)


def set_term_figures(
    info: Any,
    weight: float,
    df: int,
    lengths: tuple[int | None, int],
    maxweight: float,
    ids: tuple[int, int],
) -> None:
    """A term's figures, as W3TermInfo.add_block would have summed them block by block."""
    info._weight, info._df = weight, df
    info._minlength, info._maxlength = lengths
    info._maxweight = maxweight
    info._minid, info._maxid = ids


# -- merging (merge.py): a segment's terms read in bulk, its lengths and columns ------
def segment_terms(reader: Any) -> tuple[dict[str, int], Any, Any]:
    """A segment reader's field numbers (the prefix of its terms' keys), its term index
    and its postings file."""
    terms = reader._terms
    return terms._fieldmap, terms._tindex, terms._postfile


def key_records(tindex: Any) -> tuple[Any, int]:
    """A term index's file and where its keys and values end (its hash tables after)."""
    return tindex.dbfile, int(tindex.endofdata)


def has_lengths(reader: Any, fieldname: str) -> bool:
    """Whether a segment keeps the lengths of the field (a column of its own)."""
    if not fast_paths():
        return True
    return bool(reader._perdoc.has_column(_lenfield(fieldname)))


def column_list(reader: Any, fieldname: str) -> list[Any]:
    """Every document's value in one of a segment's columns, as it is stored."""
    from whoosh.columns import TranslatingColumnReader

    column = reader.column_reader(fieldname, reader.schema[fieldname].column_type)
    if isinstance(column, TranslatingColumnReader):
        column = column.raw_column()
    return list(column) if reader.doc_count_all() else []


def field_totals(segment: Any) -> dict[str, int]:
    """Each field's length summed over a segment's documents (kept in the table of
    contents)."""
    return dict(segment._fieldlengths)


def set_field_totals(segment: Any, totals: dict[str, int]) -> None:
    segment._fieldlengths = totals


def length_table() -> Any:
    """Whoosh's table of the lengths each byte of a length column stands for (its
    length_to_byte is a bisection of it)."""
    from whoosh.util.numeric import _length_byte_cache

    return _length_byte_cache


TERM_INFO_SIZE = 23  # W3TermInfo._struct ("!BfIBBfII"): its figures, before the extent
