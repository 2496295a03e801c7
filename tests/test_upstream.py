"""Every private or internal name of Whoosh, Typer and Rich that conflict reaches into,
one test each, its id the dotted name: a release that renames or drops one fails here, by
name, rather than conflict going silently slow (a fast path that falls back on an
AttributeError, a hook that is no longer called) or silently wrong (a global replaced by
_whoosh._restrict that Whoosh no longer reads).

Listed: every name starting with "_" of a Whoosh, Typer or Rich module, class or object
that conflict uses; and the names outside their documented API that conflict depends on
by structure: the module-level names it imports from Whoosh's internal modules or replaces,
the attributes it reads or sets on Whoosh's writer, codec, term index, matchers, scorer,
columns, queries and analysis objects, the methods its subclasses override (Whoosh calls
them by name), the internals it mirrors (a layout or an order it reproduces), and Typer's
registry of commands. conflict's own private names are not listed.

A name on a class or module is looked up there; an instance attribute on real objects,
of a small index built here with Whoosh's own writer and conflict's schema. test_shape
holds the few values conflict mirrors and the classes its fast paths test for.
"""

from __future__ import annotations

import datetime as dt
import dis
import importlib
import importlib.metadata
import inspect
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest


class Reach(NamedTuple):
    name: str  # module.Class.attribute or module.attribute, as conflict imports it
    used: str  # where conflict uses it (file: function)
    # the real objects to look on (instance attributes); None: the class or module named
    on: Callable[[SimpleNamespace], list[Any]] | None = None


class _Names:
    """Names given as attributes: a function's parameters, or the globals it reads."""

    def __init__(self, what: str, names: Iterable[str]) -> None:
        self._what = what
        for name in names:
            setattr(self, name, True)

    def __repr__(self) -> str:
        return self._what


def _parameters(fn: Callable[..., Any]) -> _Names:
    return _Names(f"the parameters of {fn.__qualname__}", inspect.signature(fn).parameters)


def _globals(fn: Callable[..., Any]) -> _Names:
    """The module globals `fn` reads: where _whoosh._restrict replaces a global, the module
    always has the name afterwards; what counts is that Whoosh's code still reads it."""
    read = {i.argval for i in dis.get_instructions(fn) if i.opname == "LOAD_GLOBAL"}
    return _Names(f"the globals {fn.__qualname__} reads", read)


def _shown(target: Any) -> str:
    """What a target is, for a message (its repr may need the very attribute missing)."""
    if isinstance(target, _Names) or inspect.ismodule(target) or isinstance(target, type):
        return repr(target)
    return f"a real {type(target).__module__}.{type(target).__qualname__}"


def _resolve(path: str) -> Any:
    """The module, class or function a dotted path names."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:n]))
        except ImportError:
            continue
        for part in parts[n:]:
            found = getattr(found, part)
        return found
    raise ImportError(path)


# -- the objects instance attributes are looked up on, made on first use -------------------


def _w3(name: str) -> Any:
    return getattr(importlib.import_module("whoosh.codec.whoosh3"), name)


def _term_index(r: SimpleNamespace) -> Any:
    return r.writer.fieldwriter._tindex


def _leaf(r: SimpleNamespace) -> Any:
    return r.filtered.child  # postings in blocks, under the filter of the deleted document


def _lengths_column(r: SimpleNamespace) -> Any:
    # upstream.lengths
    return r.reader._perdoc._cached_reader(_w3("_lenfield")("body"), _w3("LENGTHS_COLUMN"))


def _columns(r: SimpleNamespace) -> list[Any]:
    # upstream.column_values, on each column conflict reads whole
    return [r.reader.column_reader(f, translate=False) for f in ("key", "story", "date", "undated")]


def _queries() -> SimpleNamespace:
    from whoosh import query as wq

    a, b = wq.Term("body", "drone"), wq.Term("body", "grain")
    return SimpleNamespace(
        term=a,
        or_=wq.Or([a, b]),
        andnot=wq.AndNot(a, b),
        not_=wq.Not(b),
        wrapping=wq.ConstantScoreQuery(a),
        phrase=wq.Phrase("body", ["grain", "port"]),
        fuzzy=wq.FuzzyTerm("body", "dron"),
        dates=wq.DateRange("date", dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)),
    )


def _token() -> Any:
    from whoosh.analysis import Token

    return Token(positions=True, chars=True, removestops=False, mode="index")


def _stop_filter() -> Any:
    from conflictcli.engine.whoosh.analysers import JoinStopFilter

    return JoinStopFilter()


def _body_format() -> Any:
    from conflictcli.engine.whoosh.schema import SCHEMA

    return SCHEMA["body"].format


def _apps() -> list[Any]:
    from conflictcli import cli

    return [cli.app, cli.watch_app]


def _commands() -> list[Any]:
    from conflictcli import cli

    return list(cli.app.registered_commands)


def _groups() -> list[Any]:
    from conflictcli import cli

    return list(cli.app.registered_groups)


BODIES = [
    "A drone strike on the grain port of Odesa.",
    "Drones attacked a grain depot overnight.",
    "A third drone report, deleted below.",
]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A real index in conflict's schema, made and read through Whoosh's public API only
    (so that a missing internal fails its own test, not this fixture): three documents,
    one deleted (its segment keeps it, so postings come in a FilterMatcher); a searcher
    and its segment's reader; and an open SegmentWriter (its pool, codec writers and
    term index), cancelled at the end."""
    from whoosh import index as windex

    from conflictcli.engine.whoosh import ranking
    from conflictcli.engine.whoosh.schema import SCHEMA

    folder: Path = tmp_path_factory.mktemp("upstream")
    ix = windex.create_in(str(folder), SCHEMA)
    writer = ix.writer()
    for n, body in enumerate(BODIES):
        writer.add_document(
            id=f"{n:016x}",
            title="Drones",
            body=body,
            source="Kyiv Independent",
            outlet="kyiv independent",
            date=dt.datetime(2024, 3, n + 1),
            undated=0,
            story=n,
            key=n,
        )
    writer.commit()
    writer = ix.writer()
    writer.delete_by_term("id", f"{2:016x}")
    writer.commit(merge=False)
    searcher = ix.searcher(weighting=ranking.WEIGHTING)
    ((sub, _),) = searcher.leaf_searchers()
    reader = sub.reader()
    open_writer = ix.writer()
    try:
        yield SimpleNamespace(
            ix=ix,
            searcher=searcher,
            sub=sub,
            reader=reader,
            filtered=reader.postings("body", b"drone"),  # in every document: a block
            scorer=ranking.WEIGHTING.scorer(sub, "body", b"drone"),
            writer=open_writer,
        )
    finally:
        open_writer.cancel()
        searcher.close()


# -- the table ------------------------------------------------------------------------------

WHOOSH_MODULES = [
    # the stand-ins _whoosh._load gives these modules while they load
    Reach("whoosh.compat.urlretrieve", "_whoosh.py: _load (urllib.request stand-in)"),
    Reach("whoosh.reading.cached_property", "_whoosh.py: _load (cached_property stand-in)"),
    Reach("whoosh.query.terms.variations", "_whoosh.py: _load (whoosh.lang.morph_en stand-in)"),
    # where Whoosh unpickles what it reads from an index: through module globals, which
    # _whoosh._restrict replaces with its guarded loads (a function that stopped reading
    # them would unpickle unguarded)
    Reach("whoosh.compat.loads", "_whoosh.py: _restrict (before other modules import it)"),
    Reach("whoosh.compat.load", "_whoosh.py: _restrict (before other modules import it)"),
    Reach(
        "whoosh.filedb.structfile.load_pickle",
        "_whoosh.py: _restrict",
        lambda r: [_globals(_resolve("whoosh.filedb.structfile.StructFile.read_pickle"))],
    ),
    Reach(
        "whoosh.codec.whoosh3.loads",
        "_whoosh.py: _restrict",
        lambda r: [
            _globals(_w3("W3LeafMatcher")._read_data),
            _globals(_w3("W3TermInfo").from_bytes),
        ],
    ),
    Reach(
        "whoosh.columns.loads",
        "_whoosh.py: _restrict",
        lambda r: [_globals(_resolve("whoosh.columns.PickleColumn.Reader.__getitem__"))],
    ),
    Reach(
        "whoosh.formats.loads",
        "_whoosh.py: _restrict (the source field's positions)",
        lambda r: [_globals(_resolve("whoosh.formats.Positions.decode_positions"))],
    ),
    Reach(
        "whoosh.index.pickle",
        "_whoosh.py: _restrict",
        lambda r: [_globals(_resolve("whoosh.index.TOC.read"))],
    ),
    Reach(
        "whoosh.index.toc_loaders",
        "_whoosh.py: _restrict (cleared: older formats)",
        lambda r: [_globals(_resolve("whoosh.index.TOC.read"))],
    ),
    Reach("whoosh.__version__", "_whoosh.py: fast_paths (against TESTED)"),
    # the classes an index of ours pickles, by module and name
    Reach("whoosh.codec.whoosh3.W3Segment", "_whoosh.py: _ALLOWED"),
    Reach("whoosh.codec.whoosh3.W3Codec", "_whoosh.py: _ALLOWED; segment.py: BulkSegmentWriter"),
    # imported from Whoosh's internal modules
    Reach("whoosh.codec.whoosh3.W3TermInfo", "segment.py: _write_postings"),
    Reach("whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC", "segment.py: _write_postings"),
    Reach("whoosh.codec.whoosh3.W3LeafMatcher", "evaluate.py: _postings, _positions"),
    Reach("whoosh.codec.whoosh3.LENGTHS_COLUMN", "evaluate.py: _lengths"),
    Reach("whoosh.codec.whoosh3._lenfield", "evaluate.py: _lengths (imported at module level)"),
    Reach("whoosh.filedb.filetables.crc_hash", "segment.py: _lean_term_index"),
    Reach("whoosh.filedb.filetables._hash_functions", "segment.py: _lean_term_index (type 1)"),
    Reach("whoosh.filedb.filetables._lengths", "segment.py: _add_terms (_LENGTHS mirrors it)"),
    Reach("whoosh.filedb.structfile.StructFile", "segment.py: encode, encode_parts"),
    Reach("whoosh.system.pack_ushort", "segment.py: TermPool.write, write_inline"),
    Reach("whoosh.util.numeric.length_to_byte", "segment.py: _write_postings, _inlined"),
    Reach("whoosh.util.numeric.byte_to_length", "evaluate.py: _LENGTH_OF"),
    Reach("whoosh.util.make_weighted_tree", "evaluate.py: _Evaluator.compound"),
    Reach("whoosh.util.make_binary_tree", "evaluate.py: _tree_sum (its order of sums)"),
    Reach("whoosh.scoring.bm25", "evaluate.py: _Evaluator.term (inlined)"),
    Reach("whoosh.writing.SegmentWriter", "segment.py: BulkSegmentWriter; index.py: _new"),
    Reach("whoosh.writing.MERGE_SMALL", "segment.py: merge_small"),
    Reach("whoosh.reading.SegmentReader", "segment.py: merge_small"),
    Reach("whoosh.index.TOC", "segment.py: BulkSegmentWriter._commit_toc"),
    Reach("whoosh.index.clean_files", "segment.py: BulkSegmentWriter._commit_toc"),
    Reach("whoosh.query.compound.Or", "evaluate.py: _Evaluator.node"),
    Reach("whoosh.matching.FilterMatcher", "evaluate.py: _postings, _positions"),
    Reach("whoosh.analysis.filters.STOP_WORDS", "analysis.py: _STOP"),
    Reach("whoosh.support.charset.accent_map", "analysis.py: _FOLD, TEXT_ANALYZER"),
]

_SW = "whoosh.writing.SegmentWriter"
WHOOSH_WRITER = [
    Reach(
        f"{_SW}.__init__._lk",
        "segment.py: BulkSegmentWriter.__init__; index.py: IndexWriter._new",
        lambda r: [_parameters(_resolve(_SW).__init__)],
    ),
    Reach(f"{_SW}._check_state", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_SW}._check_fields", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_SW}._doc_boost", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_SW}._field_boost", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_SW}._commit_toc", "segment.py: BulkSegmentWriter._commit_toc (overrides it)"),
    Reach(f"{_SW}._finish", "segment.py: BulkSegmentWriter._finish (overrides it)"),
    Reach(f"{_SW}._flush_segment", "segment.py: BulkSegmentWriter._flush_segment (overrides it)"),
    Reach(f"{_SW}.per_document_reader", "segment.py: BulkSegmentWriter._flush_segment"),
    Reach(f"{_SW}._added", "segment.py: BulkSegmentWriter.add_document", lambda r: [r.writer]),
    Reach(f"{_SW}._tempstorage", "segment.py: BulkSegmentWriter._finish", lambda r: [r.writer]),
    Reach(
        f"{_SW}.pool",
        "segment.py: BulkSegmentWriter.__init__ (a TermPool in its place); "
        "index.py: IndexWriter._stretch_writer",
        lambda r: [r.writer],
    ),
    Reach(f"{_SW}.codec", "segment.py: BulkSegmentWriter.__init__", lambda r: [r.writer]),
    Reach(f"{_SW}.schema", "segment.py: BulkSegmentWriter", lambda r: [r.writer]),
    Reach(f"{_SW}.fieldwriter", "segment.py: BulkSegmentWriter", lambda r: [r.writer]),
    Reach(f"{_SW}.perdocwriter", "segment.py: BulkSegmentWriter", lambda r: [r.writer]),
    Reach(
        f"{_SW}.docnum",
        "segment.py: BulkSegmentWriter.add_document; index.py: IndexWriter._stretch_writer",
        lambda r: [r.writer],
    ),
    Reach(
        f"{_SW}.newsegment",
        "segment.py: BulkSegmentWriter._flush_segment; index.py: IndexWriter._stretch_writer",
        lambda r: [r.writer],
    ),
    Reach(f"{_SW}.storage", "segment.py: _commit_toc, merge_small", lambda r: [r.writer]),
    Reach(f"{_SW}.indexname", "segment.py: BulkSegmentWriter._commit_toc", lambda r: [r.writer]),
    Reach(
        f"{_SW}.generation",
        "segment.py: BulkSegmentWriter._commit_toc; index.py: IndexWriter.finish",
        lambda r: [r.writer],
    ),
    # Whoosh's writer calls these on its pool: TermPool stands in for them
    Reach("whoosh.writing.PostingPool.add", "segment.py: TermPool.add (add_reader's postings)"),
    Reach("whoosh.writing.PostingPool.cleanup", "segment.py: TermPool.cleanup (_close_segment)"),
]

_FW = "whoosh.codec.whoosh3.W3FieldWriter"
_PDW = "whoosh.codec.whoosh3.W3PerDocWriter"
_HW = "whoosh.filedb.filetables.OrderedHashWriter"
_TI = "whoosh.codec.whoosh3.W3TermInfo"
WHOOSH_CODEC = [
    Reach(f"{_FW}._postfile", "segment.py: TermPool.write", lambda r: [r.writer.fieldwriter]),
    Reach(
        f"{_FW}._tindex",
        "segment.py: TermPool.write, write_inline, BulkSegmentWriter.__init__",
        lambda r: [r.writer.fieldwriter],
    ),
    Reach(
        f"{_FW}._fieldid",
        "segment.py: TermPool.write, write_inline",
        lambda r: [r.writer.fieldwriter],
    ),
    Reach(f"{_FW}.start_field", "segment.py: TermPool.write, write_inline"),
    Reach(f"{_FW}.finish_field", "segment.py: TermPool.write, write_inline"),
    Reach(f"{_FW}.close", "segment.py: BulkSegmentWriter._flush_segment"),
    Reach(f"{_PDW}.start_doc", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_PDW}.add_field", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_PDW}.add_column_value", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_PDW}.cancel_doc", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_PDW}.finish_doc", "segment.py: BulkSegmentWriter.add_document"),
    Reach(f"{_PDW}.close", "segment.py: BulkSegmentWriter._flush_segment"),
    Reach("whoosh.codec.whoosh3.W3PerDocReader.doc_field_length", "segment.py: _doclens"),
    Reach("whoosh.codec.whoosh3.W3PerDocReader.close", "segment.py: _flush_segment"),
    Reach("whoosh.codec.whoosh3.W3PerDocReader._cached_reader", "evaluate.py: _lengths"),
    Reach(
        "whoosh.codec.whoosh3.W3PostingsWriter._mini_weights",
        "segment.py: _mini_weights (mirrors it)",
    ),
    Reach("whoosh.codec.whoosh3.W3Segment.segment_id", "segment.py: _flush_segment, merge_small"),
    # the term index: a hash writer, filled by blocks.add_terms
    Reach(f"{_HW}.dbfile", "segment.py: _lean_term_index, _add_terms", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.startoffset", "segment.py: _lean_term_index", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.hashtype", "segment.py: _lean_term_index", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.hashfn", "segment.py: _lean_term_index, _add_terms", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.buckets", "segment.py: _lean_term_index, _add_terms", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.lastkey", "segment.py: _add_terms", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.index", "segment.py: _add_terms", lambda r: [_term_index(r)]),
    Reach(f"{_HW}.add", "segment.py: _add_terms (mirrors it)"),
    Reach(
        "whoosh.util.numlists.GrowableArray.array",
        "segment.py: _add_terms",
        lambda r: [_term_index(r).index],
    ),
    Reach("whoosh.util.numlists.GrowableArray.extend", "segment.py: _add_terms"),
    Reach(
        "whoosh.filedb.structfile.StructFile.file",
        "segment.py: encode, encode_parts",
        lambda r: [_resolve("whoosh.filedb.structfile.StructFile")(io.BytesIO())],
    ),
    Reach("whoosh.filedb.structfile.StructFile.write_int", "segment.py: _write_postings"),
    Reach("whoosh.filedb.structfile.StructFile.write_byte", "segment.py: _lean_term_index"),
    # a term's information, filled in by blocks.write_postings
    *(
        Reach(f"{_TI}.{name}", "segment.py: _write_postings", lambda r: [_w3("W3TermInfo")()])
        for name in ("_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid", "_maxid")
    ),
    Reach(f"{_TI}.set_extent", "segment.py: _write_postings, TermPool.write"),
    Reach(f"{_TI}.extent", "segment.py: TermPool.write"),
    Reach(f"{_TI}.to_bytes", "segment.py: TermPool.write"),
    Reach(f"{_TI}.add_block", "segment.py: _write_postings (sums as it does)"),
    Reach(f"{_TI}.from_bytes", "segment.py: _inlined (written for it to read)"),
    Reach(f"{_TI}._struct", "segment.py: _INFO, _inlined (its layout)"),
]

_LM = "whoosh.codec.whoosh3.W3LeafMatcher"
_FM = "whoosh.matching.FilterMatcher"
_NC = "whoosh.columns.NumericColumn.Reader"
WHOOSH_READING = [
    Reach("whoosh.index.FileIndex._read_toc", "index.py: WhooshIndex.doc_count"),
    Reach("whoosh.index.FileIndex.lock", "index.py: WhooshIndex.writer"),
    Reach(
        "whoosh.index.TOC.segments",
        "index.py: WhooshIndex.doc_count",
        lambda r: [r.ix._read_toc()],
    ),
    Reach("whoosh.index.TOC.write", "segment.py: BulkSegmentWriter._commit_toc"),
    Reach(
        "whoosh.filedb.filestore.FileStorage.folder",
        "segment.py: BulkSegmentWriter.__init__",
        lambda r: [r.ix.storage],
    ),
    # storage.SealedStorage: Whoosh's FileStorage, its files opened and created without
    # following links and each commit sealed (Whoosh calls these methods by name)
    Reach("whoosh.filedb.filestore.FileStorage._fpath", "storage.py: SealedStorage"),
    *(
        Reach(
            f"whoosh.filedb.filestore.FileStorage.{name}",
            f"storage.py: SealedStorage.{name} (overrides it)",
        )
        for name in ("open_file", "create_file", "rename_file", "list", "lock", "temp_storage")
    ),
    Reach("whoosh.index.TOC.read", "storage.py: verify"),
    Reach("whoosh.index.TOC._filename", "storage.py: _TOC, latest, verify (its names)"),
    Reach("whoosh.index.FileIndex.create", "index.py: WhooshIndex.create"),
    Reach("whoosh.reading.SegmentReader._perdoc", "evaluate.py: _lengths", lambda r: [r.reader]),
    Reach("whoosh.reading.SegmentReader.deleted_docs_set", "evaluate.py: _deleted"),
    Reach(
        "whoosh.searching.Searcher.weighting",
        "evaluate.py: _Evaluator.__init__",
        lambda r: [r.searcher],
    ),
    Reach(f"{_FM}.child", "evaluate.py: _postings, _positions", lambda r: [r.filtered]),
    Reach(f"{_FM}._exclude", "evaluate.py: _postings", lambda r: [r.filtered]),
    Reach(f"{_FM}._ids", "evaluate.py: _postings", lambda r: [r.filtered]),
    Reach(f"{_LM}._data", "evaluate.py: _read_ids", lambda r: [_leaf(r)]),
    Reach(f"{_LM}._byteids", "evaluate.py: _read_ids", lambda r: [_leaf(r)]),
    Reach(f"{_LM}._ids", "evaluate.py: _read_ids, _postings, _positions", lambda r: [_leaf(r)]),
    Reach(f"{_LM}._weights", "evaluate.py: _postings", lambda r: [_leaf(r)]),
    Reach(f"{_LM}._values", "evaluate.py: _positions, _positions_of_few", lambda r: [_leaf(r)]),
    Reach(f"{_LM}._read_data", "evaluate.py: _read_ids"),
    Reach(f"{_LM}._read_ids", "evaluate.py: _read_ids (in its place)"),
    Reach(f"{_LM}._read_weights", "evaluate.py: _postings"),
    Reach(f"{_LM}._read_values", "evaluate.py: _positions, _positions_of_few"),
    Reach(f"{_LM}._next_block", "evaluate.py: _postings, _positions, _positions_of_few"),
    Reach(f"{_LM}.block_max_id", "evaluate.py: _positions_of_few"),
    # the lengths column of a field (upstream.lengths), and every numeric column conflict
    # reads whole (upstream.column_values: key, story, date, undated)
    *(
        Reach(
            f"{_NC}.{name}",
            "evaluate.py: _lengths, column_values",
            lambda r: [_lengths_column(r), *_columns(r)],
        )
        for name in ("_dbfile", "_basepos", "_count")
    ),
    *(
        Reach(f"{_NC}.{name}", "evaluate.py: column_values", _columns)
        for name in ("_fixedlen", "_typecode", "_default")
    ),
    *(
        Reach(
            f"whoosh.scoring.BM25FScorer.{name}",
            "evaluate.py: _Evaluator.term, spellings",
            lambda r: [r.scorer],
        )
        for name in ("idf", "avgfl", "B", "K1")
    ),
    Reach("whoosh.scoring.BM25F.idf", "ranking.py: NewsBM25F.idf (overrides it)"),
]

WHOOSH_QUERIES = [
    Reach("whoosh.query.Or.TOO_MANY_CLAUSES", "evaluate.py: _tree_or"),
    Reach("whoosh.query.Or._matcher", "evaluate.py: _tree_or (mirrors its test)"),
    Reach("whoosh.query.Or.scale", "evaluate.py: _Evaluator.node", lambda r: [_queries().or_]),
    Reach(
        "whoosh.query.CompoundQuery.subqueries",
        "names.py: _rewrite; evaluate.py; within.py: needs; index.py: _node",
        lambda r: [_queries().or_, _queries().andnot],
    ),
    Reach(
        "whoosh.query.BinaryQuery.a",
        "names.py: _rewrite; evaluate.py: _Evaluator.node; index.py: _node",
        lambda r: [_queries().andnot],
    ),
    Reach(
        "whoosh.query.BinaryQuery.b",
        "names.py: _rewrite; evaluate.py: _Evaluator.node; index.py: _node",
        lambda r: [_queries().andnot],
    ),
    Reach(
        "whoosh.query.Not.query",
        "names.py: _rewrite; evaluate.py: _Evaluator.node; index.py: _node",
        lambda r: [_queries().not_],
    ),
    Reach(
        "whoosh.query.WrappingQuery.child", "names.py: _rewrite", lambda r: [_queries().wrapping]
    ),
    Reach("whoosh.query.Query.error", "index.py: _raise_parse_errors (getattr: never fails)"),
    Reach("whoosh.query.PatternQuery._btexts", "index.py: WhooshIndex._bound_expansions"),
    Reach("whoosh.query.Prefix._btexts", "index.py: WhooshIndex._bound_expansions"),
    Reach("whoosh.query.Wildcard._btexts", "index.py: WhooshIndex._bound_expansions"),
    Reach("whoosh.query.FuzzyTerm._btexts", "index.py: WhooshIndex._bound_expansions"),
    Reach("whoosh.query.FuzzyTerm.maxdist", "index.py: _leaf", lambda r: [_queries().fuzzy]),
    Reach("whoosh.query.DateRange.startdate", "index.py: _node", lambda r: [_queries().dates]),
    Reach("whoosh.query.DateRange.enddate", "index.py: _node", lambda r: [_queries().dates]),
    *(
        Reach(
            f"whoosh.query.Term.{name}",
            "evaluate.py; names.py; within.py; index.py: _leaf (getattr)",
            lambda r: [_queries().term],
        )
        for name in ("fieldname", "text", "boost")
    ),
    *(
        Reach(
            f"whoosh.query.Phrase.{name}",
            "evaluate.py: _Evaluator.phrase; names.py: _key; index.py: _leaf",
            lambda r: [_queries().phrase],
        )
        for name in ("fieldname", "words", "slop", "boost")
    ),
]

WHOOSH_FIELDS = [
    # index._DayField: Whoosh's query parser hands a self-parsing field its text by name
    Reach("whoosh.fields.DATETIME.self_parsing", "index.py: _DayField"),
    Reach("whoosh.fields.DATETIME.parse_query", "index.py: _DayField.parse_query (overrides it)"),
    Reach("whoosh.fields.DATETIME.parse_range", "index.py: _DayField.parse_range (overrides it)"),
    Reach("whoosh.fields.FieldType.index", "analysis.py: FastText.index (overrides it)"),
    # what BulkSegmentWriter reads of a field, as SegmentWriter.add_document does
    *(
        Reach(
            f"whoosh.fields.FieldType.{name}",
            "segment.py: BulkSegmentWriter.add_document, __init__",
        )
        for name in (
            "vector",
            "separate_spelling",
            "indexed",
            "scorable",
            "stored",
            "column_type",
            "to_column_value",
        )
    ),
    # analysis.PackedPositions: Whoosh asks a format for decode_<name> by name (decoder)
    Reach("whoosh.formats.Format.decoder", "analysis.py: PackedPositions"),
    Reach(
        "whoosh.formats.Format.field_boost",
        "analysis.py: PackedPositions.decode_weight, FastText.index",
        lambda r: [_body_format()],
    ),
    *(
        Reach(
            f"whoosh.formats.Positions.{name}",
            f"analysis.py: PackedPositions.{name} (overrides it)",
        )
        for name in (
            "encode",
            "decode_positions",
            "decode_frequency",
            "decode_weight",
            "decode_position_boosts",
        )
    ),
    Reach(
        "whoosh.analysis.StopFilter.stops",
        "analysis.py: JoinStopFilter.__call__",
        lambda r: [_stop_filter()],
    ),
    Reach(
        "whoosh.analysis.StopFilter.min",
        "analysis.py: JoinStopFilter.__call__",
        lambda r: [_stop_filter()],
    ),
    *(
        Reach(
            f"whoosh.analysis.Token.{name}",
            "analysis.py: JoinStopFilter.__call__, WordTokenizer",
            lambda r: [_token()],
        )
        for name in ("mode", "positions", "removestops", "stopped")
    ),
]

TYPER = [
    Reach("typer.core.TyperGroup", "cli.py: ConflictGroup"),
    Reach("typer.core.TyperGroup.invoke", "cli.py: ConflictGroup.invoke (overrides it)"),
    Reach("typer.main.get_command_name", "cli.py: _only_the_command_run"),
    Reach(
        "typer.main.Typer.registered_commands",
        "cli.py: main, _only_the_command_run",
        lambda r: _apps(),
    ),
    Reach(
        "typer.main.Typer.registered_groups",
        "cli.py: main, _only_the_command_run",
        lambda r: _apps(),
    ),
    Reach("typer.main.Typer.info", "cli.py: _only_the_command_run", lambda r: _apps()),
    Reach("typer.models.CommandInfo.name", "cli.py: _only_the_command_run", lambda r: _commands()),
    Reach(
        "typer.models.CommandInfo.callback", "cli.py: _only_the_command_run", lambda r: _commands()
    ),
    Reach(
        "typer.models.TyperInfo.typer_instance",
        "cli.py: _only_the_command_run",
        lambda r: _groups(),
    ),
    Reach(
        "typer.models.TyperInfo.name",
        "cli.py: _only_the_command_run",
        lambda r: [g.typer_instance.info for g in _groups()],
    ),
]

RICH = [
    Reach("rich.console.Console.on_broken_pipe", "output/console.py: _console (overrides it)"),
]

REACHED = [
    *WHOOSH_MODULES,
    *WHOOSH_WRITER,
    *WHOOSH_CODEC,
    *WHOOSH_READING,
    *WHOOSH_QUERIES,
    *WHOOSH_FIELDS,
    *TYPER,
    *RICH,
]


def test_each_name_is_listed_once() -> None:
    names = [r.name for r in REACHED]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


@pytest.mark.parametrize("reach", REACHED, ids=[r.name for r in REACHED])
def test_the_name_is_there(reach: Reach, request: pytest.FixtureRequest) -> None:
    path, attr = reach.name.rsplit(".", 1)
    try:
        owner = _resolve(path)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"{path} is gone ({type(e).__name__}: {e}); conflict: {reach.used}")
    if reach.on is None:
        targets = [owner]
    else:
        targets = reach.on(request.getfixturevalue("real"))
        assert targets
        if isinstance(owner, type):  # the real objects are what the name says
            for t in targets:
                assert isinstance(t, owner), f"{_shown(t)} is no {path}"
    for target in targets:
        assert hasattr(target, attr), f"{reach.name} is gone from {_shown(target)}: {reach.used}"


# -- what conflict mirrors, and the classes its fast paths test for -----------------------


def _hash_type_1_is_crc32(r: SimpleNamespace) -> bool:
    """blocks.lean_term_index names hash type 1 in a term index's header for CRC-32:
    readers take the function from _hash_functions by that number."""
    from whoosh.filedb import filetables

    return bool(filetables._hash_functions[1] is filetables.crc_hash)


def _term_index_header_is_13_bytes(r: SimpleNamespace) -> bool:
    """blocks.lean_term_index rewrites the hash type byte only where the header (magic,
    type byte, two ints) is all that is written; else it keeps MD5, quietly slower."""
    tindex = _term_index(r)
    return bool(tindex.dbfile.tell() == tindex.startoffset + len(b"HSH3") + 9)


def _term_info_layout(r: SimpleNamespace) -> bool:
    """blocks.inlined packs a term's figures as W3TermInfo.from_bytes unpacks them."""
    from conflictcli.engine.whoosh.fast import blocks

    return bool(_w3("W3TermInfo")._struct.format == blocks._INFO.format)


def _hash_record_layout(r: SimpleNamespace) -> bool:
    """blocks.add_terms writes each key's and value's size as HashWriter.add does."""
    from whoosh.filedb import filetables

    from conflictcli.engine.whoosh.fast import blocks

    return bool(filetables._lengths.format == blocks._LENGTHS.format)


def _blocked_postings_are_a_w3_leaf_matcher(r: SimpleNamespace) -> bool:
    """upstream.postings and positions read blocks only of a W3LeafMatcher (in a
    FilterMatcher where documents are deleted), tested by type: any other class is read a
    posting at a time."""
    from whoosh.matching import FilterMatcher

    return type(r.filtered) is FilterMatcher and type(r.filtered.child) is _w3("W3LeafMatcher")


def _the_scorer_is_bm25f(r: SimpleNamespace) -> bool:
    """evaluate._Evaluator.term scores in one pass only with a BM25FScorer (by type)."""
    from whoosh.scoring import BM25FScorer

    return type(r.scorer) is BM25FScorer


SHAPES = [
    _hash_type_1_is_crc32,
    _term_index_header_is_13_bytes,
    _term_info_layout,
    _hash_record_layout,
    _blocked_postings_are_a_w3_leaf_matcher,
    _the_scorer_is_bm25f,
]


@pytest.mark.parametrize("shape", SHAPES, ids=[f.__name__.lstrip("_") for f in SHAPES])
def test_shape(shape: Callable[[SimpleNamespace], bool], real: SimpleNamespace) -> None:
    assert shape(real), shape.__doc__


# the series conflict is tested on: pyproject.toml bounds both dependencies to them (a
# Whoosh release within the series but not one of _whoosh.TESTED runs without the fast
# paths that reach into its internals)
SERIES = {"whoosh-reloaded": "2.7.", "typer": "0.28."}


@pytest.mark.parametrize("dist", sorted(SERIES))
def test_the_installed_release_is_of_the_tested_series(dist: str) -> None:
    installed = importlib.metadata.version(dist)
    assert installed.startswith(SERIES[dist]), f"{dist} {installed}, tested on {SERIES[dist]}x"
