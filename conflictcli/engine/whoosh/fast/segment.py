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

An ingest's checkpoints feed the pool whole batches instead (chunks.py): it keeps them
as they came and merges them into one chunk per field when it writes, inlined in the
term index (a checkpoint's segment) or in blocks (packing.py). Merges of segments
(merge.py) use the same writer: the documents copied (copy_documents), the postings
written a range of terms at a time by worker processes, the segments replaced in one
commit (commit_merge).
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from conflictcli.engine.whoosh.fast import blocks, upstream
from conflictcli.engine.whoosh.fast.batch import InBatch
from conflictcli.engine.whoosh.fast.blocks import Mapper
from conflictcli.engine.whoosh.fast.pool import TermPool, write_encoded


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
        blocks.lean_term_index(upstream.term_index(self.fieldwriter))
        self.pool = TermPool(Path(ix.storage.folder), limitmb)
        self.mapper: Mapper | None = None  # worker processes to blocks.encode the postings
        self.storage_index = ix  # the index written to (a merge commits after others)
        self.keep: list[Any] = []  # segments whose files stay after the commit
        self.inline = False  # postings inlined in the term index (write_inline)
        self.marked = False  # a checkpoint's segment (INLINED)

    def add_document(self, **fields: Any) -> None:
        """SegmentWriter.add_document without vectors and spelling (the schema has none),
        each field's postings handed to the pool in one call."""
        self._check_state()
        pdw, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(n for n in fields if not n.startswith("_"))
        self._check_fields(schema, names)
        docboost = self._doc_boost(fields)
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                f = schema[name]
                length = 0
                if isinstance(value, InBatch):  # postings made ahead, with a batch's
                    self.pool.add_from(name, value.batch, value.doc, docnum)
                    length = value.batch.lengths[name][value.doc]
                elif f.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    length = self.pool.add_field(name, docnum, f.index(value), boost)
                    if not f.scorable:
                        length = 0
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
        segment in it are deleted, except those of the segments in `keep`, and the
        tables of contents before the one before (Whoosh's clean_files leaves them
        where the storage is pinned to a commit: storage.py)."""
        from whoosh.index import TOC, clean_files

        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        clean_files(self.storage, self.indexname, self.generation, [*segments, *self.keep])
        folder = Path(self.storage.folder)
        for old in folder.glob(f"_{self.indexname}_*.toc"):
            gen = old.name[len(self.indexname) + 2 : -len(".toc")]
            if gen.isdigit() and int(gen) < self.generation - 1:
                old.unlink(missing_ok=True)

    # -- a merge (merge.py): documents copied, postings written, the segments replaced --
    def copy_documents(self, reader: Any) -> None:
        """SegmentWriter.write_per_doc: each document of `reader` that is not deleted,
        its stored fields, its fields' lengths and its columns' values, after those held
        here; each length and column read in one pass (Whoosh looks each one up, and
        asks the folder whether a column's file is there, for each document)."""
        schema, pdw = self.schema, self.perdocwriter
        lengths = {}
        for name in schema.names():
            if schema[name].scorable and upstream.has_lengths(reader, name):
                lengths[name] = upstream.lengths(reader, name) or []
        cols = {
            name: (schema[name].column_type, upstream.column_list(reader, name))
            for name in schema.names()
            if schema[name].column_type and reader.has_column(name)
        }
        for docnum, stored in reader.iter_docs():
            pdw.start_doc(self.docnum)
            for name, value in stored.items():
                if name in schema:
                    pdw.add_field(name, schema[name], value, None)
            for name, got in lengths.items():
                if got[docnum]:
                    pdw.add_field(name, schema[name], None, got[docnum])
            for name, (kind, values) in cols.items():
                pdw.add_column_value(name, kind, values[docnum])
            pdw.finish_doc()
            self.docnum += 1

    def write_postings(self, encoded: Any) -> None:
        """A merge's postings (`encoded`, as pool.write_encoded takes them) written, and
        the segment's files closed (its documents were copied first)."""
        write_encoded(self.fieldwriter, self.schema, encoded)
        self.fieldwriter.close()

    def commit_merge(
        self, segments: list[Any], span: tuple[int, int], totals: dict[str, int] | None
    ) -> Any:
        """A new table of contents: `segments` with the merged segment in the place of
        segments[span[0]:span[1]] (the latest commit's: the commit takes the number after
        it); `totals`: each field's length in all (else those summed as the documents were
        copied). The merged segment."""
        merged = self.get_segment()
        if totals is not None:
            upstream.set_field_totals(merged, totals)
        start, end = span
        self.generation = int(self.storage_index.latest_generation()) + 1
        self._commit_toc([*segments[:start], merged, *segments[end:]])
        self.pool.cleanup()
        self._finish()
        return merged

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            if self.inline:
                self.pool.write_inline(self.fieldwriter, self.schema, lengths, self.docnum)
            else:  # a small segment is written faster than worker processes start
                mapper = self.mapper if self.docnum >= blocks.PARALLEL_FROM else None
                self.pool.write(self.fieldwriter, self.schema, lengths, self.docnum, mapper)
        finally:
            lengths.close()
        self.fieldwriter.close()
        if self.marked:  # merge.py takes it in: this ingest, or the next should this one stop
            self.storage.create_file(f"{self.newsegment.segment_id()}.{INLINED}").close()


# the empty file that marks a checkpoint's segment (its postings were inlined in the term
# index by versions before 29's merges; they are in blocks now): merge.py takes it in
INLINED = "inlined"


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
