"""The tantivy engine: the Engine protocol (engine/base.py) over a tantivy index.

The query tree is translated part by part (translate.py); filters select without
scoring; counts are tantivy's own counts of the whole query with its filters, and the
places and countries of a request are its term dictionary counted under the request
(one pass in tantivy, no walk of the matches in Python)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from conflictcli import names
from conflictcli.analysis import spans_of
from conflictcli.engine.asked import (
    filter_nodes,
    gazetteer_places,
    outlets_named,
    places_named,
)
from conflictcli.engine.base import needs_lexicon, understand
from conflictcli.engine.explain import explained, with_filters
from conflictcli.engine.numbers import id_of
from conflictcli.engine.records import EngineResult, Explanation, Hit, Tally
from conflictcli.engine.tantivy import storage
from conflictcli.engine.tantivy.documents import EPOCH, schema
from conflictcli.engine.tantivy.translate import MUST, MUST_NOT, Context, Q, query_of, text_terms
from conflictcli.engine.tantivy.writer import TantivyWriter
from conflictcli.errors import ArchiveBusy, DataError, Foreign, OtherLayout
from conflictcli.keys import linked, open_lock
from conflictcli.query import Reading, SearchRequest
from conflictcli.query import tree as t

SIMILAR_TERMS = 15  # the key terms of an article that `similar` searches for
MAX_PREFIX_WORDS = 5000  # words of the index read for the forms of one Cyrillic word
DAY = 86_400  # seconds


@dataclass
class _Parsed:
    query: Any  # the tree's query, without the filters
    tree: t.Part
    reading: Reading
    notes: list[str]
    words: set[tuple[str, str]]  # (field, term) the query looks for


class TantivyEngine:
    def __init__(self, index: Any, folder: Path) -> None:
        self._ix = index
        self._folder = folder
        self._schema = index.schema
        self.names: names.Names | None = None
        self.replaced: str | None = None
        self.set_aside: Path | None = None

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, create: bool = False) -> TantivyEngine:
        """The index in `folder` once its seal holds (storage.verify: tantivy reads
        nothing before); one from elsewhere, or that cannot be read, is refused, or with
        `create` moved aside unread and replaced by a new one."""
        if folder.is_symlink():
            raise linked(folder)
        if (folder / "meta.json").exists():
            try:
                storage.verify(folder)
                return cls(_index(folder, reuse=True), folder)
            except Foreign as e:
                why = e.message
            except DataError:
                raise
            except BaseException as e:  # whatever a damaged index holds (a Rust panic too)
                if isinstance(e, KeyboardInterrupt | SystemExit) or os.environ.get(
                    "CONFLICT_DEBUG"
                ):
                    raise
                why = f"The search index in {folder} cannot be read ({type(e).__name__}: {e})"
            if not create:
                raise DataError(
                    why.rstrip(".") + ": it is not opened.",
                    f"Run 'conflict reindex --index {folder.parent}' to build it again from "
                    "the catalogue (the index there is moved aside, unread).",
                )
            fresh = cls.create(folder)
            fresh.replaced = why
            return fresh
        if not create:
            raise DataError(
                f"The search index in {folder} is missing.",
                "Run 'conflict ingest <folder>' again to rebuild it.",
            )
        return cls.create(folder)

    @classmethod
    def create(cls, folder: Path) -> TantivyEngine:
        """A new, empty index in `folder`, sealed with this user's key. One there before is
        dropped unread if this user built it, moved aside (tantivy-set-aside-TIME) if not."""
        if folder.is_symlink():
            raise linked(folder)
        aside = None
        if folder.is_dir() and any(folder.iterdir()):
            try:
                storage.verify(folder)
                shutil.rmtree(folder)
            except OtherLayout:
                shutil.rmtree(folder)
            except Exception:
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
                aside = folder.with_name(f"{folder.name}-set-aside-{stamp}")
                os.rename(folder, aside)
        folder.mkdir(parents=True, exist_ok=True)
        index = _index(folder, reuse=False)
        storage.seal(folder)
        made = cls(index, folder)
        made.set_aside = aside
        return made

    # -- the archive's questions ----------------------------------------------------
    def _searcher(self) -> Any:
        self._ix.reload()
        return self._ix.searcher()

    def generation(self) -> int:
        return storage.opstamp(self._folder)

    def doc_count(self) -> int:
        return int(self._searcher().num_docs)

    @contextmanager
    def writer(self, checkpoints: bool = False) -> Iterator[TantivyWriter]:
        """A batch of changes, committed at the end or cancelled on any error (what
        checkpoints committed stays). Our lock stands in front of tantivy's, which
        does not wait."""
        import fcntl

        fd = open_lock(self._folder / storage.WRITE_LOCK)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ArchiveBusy() from None
            batch = TantivyWriter(self._ix, self._folder)
            try:
                yield batch
            except BaseException:
                with suppress(Exception):
                    batch.finish(commit=False)
                raise
            batch.finish(commit=True)
        finally:
            os.close(fd)

    def inventory(self) -> dict[str, list[str | None]]:
        s = self._searcher()
        addrs = _all(s, Q.all_query())
        out: dict[str, list[str | None]] = {}
        ids = _ids(s, addrs)
        dates = s.fast_field_values("date", addrs) if addrs else []
        for article_id, when in zip(ids, dates, strict=True):
            day = None if when is None else (EPOCH + dt.timedelta(seconds=when)).date().isoformat()
            out.setdefault(article_id, []).append(day)
        return out

    # -- reading a query -------------------------------------------------------------
    def parse(
        self, text: str, any_terms: bool = False, dayfirst: bool = False, exact: bool = False
    ) -> _Parsed:
        """The query for what the user typed (engine.base.understand), and its tree."""
        return self._parse(self._searcher(), text, any_terms, dayfirst, exact)

    def _parse(self, s: Any, text: str, any_terms: bool, dayfirst: bool, exact: bool) -> _Parsed:
        def words_from(fieldname: str, prefix: str) -> list[str]:
            if fieldname not in ("title", "body"):
                return []
            return [w for w, _ in s.terms_with_prefix(fieldname, prefix, limit=MAX_PREFIX_WORDS)]

        lexicon = words_from if needs_lexicon(text, exact) else None
        u = understand(text, any_terms, dayfirst, exact, self.names, lexicon)
        cx = Context(self._schema, s, text)
        return _Parsed(query_of(u.tree, cx), u.tree, u.reading, u.notes, cx.words)

    def tree(self, req: SearchRequest) -> t.Part:
        return self.parse(req.text, False, req.dayfirst, req.exact).tree

    def mark(self, text: str, query_text: str) -> list[tuple[int, int]]:
        parsed = self.parse(query_text, any_terms=True)
        return spans_of(text, text_terms(parsed.words)[1])

    def words(self, fieldname: str, prefix: str, most: int) -> list[str]:
        """Up to `most` words of a text field that start with `prefix`: its term dictionary,
        the most frequent first."""
        if fieldname not in ("title", "body"):
            return []
        return [w for w, _ in self._searcher().terms_with_prefix(fieldname, prefix, limit=most)]

    def frequencies(self, fieldname: str, words: list[str]) -> dict[str, int]:
        """How many documents hold each word in a text field (tantivy's doc_freq)."""
        if fieldname not in ("title", "body"):
            return {}
        s = self._searcher()
        return {w: int(s.doc_freq(fieldname, w)) for w in words}

    def _filters(self, s: Any, req: SearchRequest, place_ids: list[str]) -> list[Any]:
        """The filters of a request as queries that select without scoring."""
        from conflictcli.engine.tantivy.translate import dates

        made = []
        if req.since or req.until:
            made.append(dates(self._schema, req.since, req.until))
        if req.sources:
            known = (w for w, _ in s.terms_with_prefix("outlet", ""))
            made.append(_set(self._schema, "outlet", outlets_named(known, req.sources)))
        for name, values in (("place", place_ids), ("lang", req.langs), ("country", req.countries)):
            if values:
                made.append(_set(self._schema, name, list(values)))
        return [Q.const_score_query(f, 0.0) for f in made]

    def _request(
        self, s: Any, req: SearchRequest, any_terms: bool | None = None
    ) -> tuple[Any, _Parsed | None, list[str]]:
        """The whole query of a request (its words and its filters), what it was read
        from (None: no words, every article), and the notes."""
        asked = places_named(req, self.names)
        place_ids, notes = asked.ids, list(asked.notes)
        parsed = None
        clauses = []
        if req.text.strip():
            terms = req.any_terms if any_terms is None else any_terms
            parsed = self._parse(s, req.text, terms, req.dayfirst, req.exact)
            clauses.append((MUST, parsed.query))
            notes = parsed.notes + notes
        clauses += [(MUST, f) for f in self._filters(s, req, place_ids)]
        if not clauses:
            return Q.all_query(), parsed, notes
        if len(clauses) == 1 and parsed is not None:
            return parsed.query, parsed, notes
        return Q.boolean_query(clauses), parsed, notes

    # -- answers ---------------------------------------------------------------------
    def count(self, req: SearchRequest) -> int:
        s = self._searcher()
        return _count(s, self._request(s, req)[0])

    def matching(self, req: SearchRequest) -> tuple[list[str], list[str]]:
        s = self._searcher()
        query, _, notes = self._request(s, req)
        addrs = sorted(_all(s, query), key=lambda a: (a.segment_ord, a.doc))
        return _ids(s, addrs), notes

    def places(self, req: SearchRequest) -> tuple[int, list[tuple[names.Name, int]], list[str]]:
        s = self._searcher()
        query, _, notes = self._request(s, req)
        counts = dict(s.terms_with_prefix("place", "", filter_query=query))
        named = gazetteer_places(counts)
        return _count(s, query), [(n, int(counts[n.id])) for n in named], notes

    def countries(self, req: SearchRequest) -> tuple[int, dict[str, int], list[str]]:
        s = self._searcher()
        query, _, notes = self._request(s, req)
        counts = dict(s.terms_with_prefix("country", "", filter_query=query))
        return _count(s, query), {c: int(n) for c, n in counts.items()}, notes

    def tally(self, req: SearchRequest, kinds: tuple[str, ...]) -> Tally | None:
        return None  # each kind counted on its own (counting.py)

    def days(self, req: SearchRequest) -> tuple[int, dict[dt.date, int], list[str]]:
        """Counted by tantivy from the date column (a histogram of whole days)."""
        s = self._searcher()
        query, _, notes = self._request(s, req)
        spec = {"d": {"histogram": {"field": "date", "interval": DAY, "min_doc_count": 1}}}
        buckets = s.aggregate(query, spec)["d"]["buckets"]
        per = {
            (EPOCH + dt.timedelta(seconds=int(b["key"]))).date(): int(b["doc_count"])
            for b in buckets
        }
        return _count(s, query), per, notes

    def explain(self, req: SearchRequest) -> Explanation:
        s = self._searcher()
        query, parsed, notes = self._request(s, req)
        assert parsed is not None
        filters = filter_nodes(req, places_named(req, self.names))
        tree = with_filters(explained(parsed.tree), filters)
        return Explanation(tree, parsed.reading, _count(s, query), notes)

    def similar(self, text: str, leave_out: set[str], limit: int) -> EngineResult:
        from conflictcli.engine.tantivy.ranking import key_terms

        s = self._searcher()
        keys = key_terms(s, text, SIMILAR_TERMS)
        if not keys:
            return EngineResult(total=0, hits=[])
        query = Q.boolean_query(
            [
                (tantivy.Occur.Should, Q.boost_query(Q.term_query(self._schema, "body", w), x))
                for w, x in keys
            ]
        )
        found = s.search(query, limit + len(leave_out), count=False).hits
        ids = _ids(s, [a for _, a in found])
        words = frozenset(w for w, _ in keys)
        hits = [
            Hit(i, round(x, 4), body_words=words, words=words)
            for i, (x, _) in zip(ids, found, strict=True)
            if i not in leave_out
        ][:limit]
        return EngineResult(total=len(hits), hits=hits)

    def search(self, req: SearchRequest) -> EngineResult:
        from conflictcli.engine.folding import Ranked
        from conflictcli.engine.tantivy.ranking import fill, mark_partial, page

        s = self._searcher()
        query, parsed, notes = self._request(s, req)
        assert parsed is not None
        body_words, words = text_terms(parsed.words)
        ranked: Ranked = page(s, query, req)
        if req.partial and not req.any_terms and ranked.short(req):
            some, some_parsed, _ = self._request(s, req, any_terms=True)
            if some_parsed is not None and some_parsed.tree != parsed.tree:
                more = Q.boolean_query([(MUST, some), (MUST_NOT, parsed.query)])
                fill(ranked, s, more, req)
                body_words, words = text_terms(parsed.words | some_parsed.words)
        if req.partial and req.any_terms:
            full, full_parsed, _ = self._request(s, req, any_terms=False)
            if full_parsed is not None and full_parsed.tree != parsed.tree:
                mark_partial(ranked, s, full)
        ids = _ids(s, [a for a, _, _ in ranked.entries])
        hits = [
            Hit(i, x, partial, body_words=body_words, words=words)
            for i, (_, x, partial) in zip(ids, ranked.entries, strict=True)
        ]
        for hit, others in zip(hits, ranked.others, strict=False):
            hit.similar = others
        return EngineResult(total=ranked.total, hits=hits, notes=notes)


def _index(folder: Path, reuse: bool) -> Any:
    """tantivy's index in `folder`, reloaded only when asked (_searcher): its own reload
    on commit watches meta.json from a thread, which takes tantivy's lock again (a new
    file) even while the folder is being removed."""
    index = tantivy.Index(schema(), path=str(folder), reuse=reuse)
    index.config_reader(reload_policy="manual")
    return index


def _set(schema_: Any, name: str, values: list[str]) -> Any:
    return Q.term_set_query(schema_, name, values) if values else Q.empty_query()


def _count(s: Any, query: Any) -> int:
    return int(s.search(query, 1, count=True).count)


def _all(s: Any, query: Any) -> list[Any]:
    """Every document the query selects (in no particular order)."""
    n = _count(s, query)
    if n == 0:
        return []
    return [a for _, a in s.search(query, n, count=False, order_by_field="key").hits]


def _ids(s: Any, addrs: list[Any]) -> list[str]:
    """The article ids of these documents: from the key column, or stored for an id
    that is not 16 hex digits."""
    if not addrs:
        return []
    out = []
    for a, key in zip(addrs, s.fast_field_values("key", addrs), strict=True):
        made = id_of(key) if key is not None else None
        out.append(made if made is not None else s.doc(a)["id"][0])
    return out
