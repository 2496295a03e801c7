"""The pool of a new segment's postings: each term's postings kept together as they come
(arrays, no object per posting), sorted runs of whole terms spilled beside the index
when it is full, and at commit every term written by blocks.py."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import operator
import pickle
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate, groupby, pairwise
from pathlib import Path
from typing import IO, Any

import numpy as np
from whoosh.system import pack_ushort

from conflictcli.engine.whoosh.fast import blocks, upstream
from conflictcli.engine.whoosh.fast.batch import Batch, Columns
from conflictcli.engine.whoosh.fast.chunks import Chunk, cuts, from_postings, merge
from conflictcli.engine.whoosh.fast.packing import PackedInfos

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
        # alone
        self.chunked = False
        self._parts: dict[str, list[Columns]] = {}
        self._parts_size = 0
        self._chunks: list[tuple[str, Chunk]] = []  # what write() encodes, chunk by chunk

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
                placed = blocks.placed(cols, pairs, batch.docs)
                if self.chunked and name not in self._fields:
                    self._parts.setdefault(name, []).append(placed)
                    size = _POSTING_COST * len(placed.docs) + len(placed.values)
                    self._parts_size += size
                    self._grow(size)
                    if self._parts_size > CHUNKS_HELD:  # many checkpoints: merged term by term
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
        if not self._runs:
            return self._in_memory()
        return blocks.joined([*(self._read_run(r) for r in self._runs), self._in_memory()])

    def write(
        self,
        fieldwriter: Any,
        schema: Any,
        lengths: Any,
        doccount: int,
        mapper: blocks.Mapper | None = None,
    ) -> None:
        """Write every term's postings into the new segment's files: encoded a chunk of
        terms at a time by `mapper` (worker processes: `fn` of each job, in order), or
        here, and written in order."""

        def jobs() -> Iterator[blocks.Job]:
            for fieldname, records in groupby(self.records(), key=operator.itemgetter(0)):
                doclens = blocks.doclens(schema, lengths, fieldname, doccount)
                yield from blocks.term_chunks(fieldname, records, doclens)

        def chunk_jobs() -> Iterator[blocks.PartsJob]:
            self._settle()
            self._unpart()
            for name in sorted(self._fields):  # postings after the chunks' (merges)
                self._chunks.append((name, from_postings(self._fields.pop(name))))
            fields: dict[str, list[Chunk]] = {}
            for name, chunk in self._chunks:
                fields.setdefault(name, []).append(chunk)
            for fieldname in sorted(fields):
                held = fields[fieldname]
                doclens = np.frombuffer(
                    blocks.doclens(schema, lengths, fieldname, doccount), np.uint32
                )
                bounds = cuts(held, blocks.JOB_POSTINGS, blocks.JOB_TERMS)
                for low, high in pairwise(bounds):
                    parts = [p for p in (c.cut(low, high) for c in held) if len(p.terms)]
                    if parts:
                        yield fieldname, parts, [doclens[p.docs] for p in parts]

        self._settle()
        if not self._runs:  # a checkpoint's batches too, merged into a chunk per field
            for name in sorted(self._parts):
                self._chunks.append((name, self._chunk_of(name)))
        if self._chunks and not self._runs:
            encoded = (mapper or map)(blocks.encode_parts, chunk_jobs())
        else:
            encoded = (mapper or map)(blocks.encode, jobs())
        write_encoded(fieldwriter, schema, encoded)

    def write_inline(self, fieldwriter: Any, schema: Any, lengths: Any, doccount: int) -> None:
        """Write every term's postings into the term index itself, as W3Codec's
        inlined postings (a ListMatcher reads them): no blocks, no compression, a few
        calls a term. For a checkpoint's small segment, which lives until it is merged
        (merge.py): under half the time of a blocked one to write (0.4 against 0.9 s
        for 500 articles), slower to search and larger on disk."""
        tindex = upstream.term_index(fieldwriter)
        self._settle()
        if self.chunked and not self._runs:  # each field's postings as one chunk
            names = sorted({*self._parts, *self._fields})
            fields = ((name, iter([self._chunk_of(name)])) for name in names)
        else:
            fields = (
                (name, blocks.in_term_chunks(records))
                for name, records in groupby(self.records(), key=operator.itemgetter(0))
            )
        for fieldname, chunks in fields:
            doclens = blocks.doclens(schema, lengths, fieldname, doccount)
            fieldwriter.start_field(fieldname, schema[fieldname])
            prefix = pack_ushort(upstream.field_number(fieldwriter))
            for chunk in chunks:
                inlined = blocks.inlined(chunk, doclens)
                blocks.add_terms(
                    tindex, [(prefix + t, v) for t, v in zip(chunk.terms, inlined, strict=True)]
                )
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self._pending = {}
        for run in self._runs:
            run.close()
        self._runs = []
        self._fields = {}
        self._parts, self._parts_size = {}, 0
        self._chunks = []


def write_encoded(fieldwriter: Any, schema: Any, encoded: Iterable[tuple[str, bytes, Any]]) -> None:
    """Postings encoded a range of a field's terms at a time (blocks.encode, in order:
    each range's blocks end to end and each term's information, its extent counted from
    the start of the range: W3TermInfo objects, or PackedInfos) written into a new segment's postings file and term index."""
    postfile, tindex = upstream.field_files(fieldwriter)
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
        if isinstance(infos, PackedInfos):
            blocks.add_terms(tindex, [(prefix + t, v) for t, v in infos.items(start)])
            continue
        for _, info in infos:
            offset, length = info.extent()
            info.set_extent(start + offset, length)
        blocks.add_terms(tindex, [(prefix + tbytes, info.to_bytes()) for tbytes, info in infos])
    if field_now is not None:
        fieldwriter.finish_field()
