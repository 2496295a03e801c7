"""The Whoosh engine (engine/base.py's protocol): Articles go in, Hits come out; nothing
outside engine/whoosh/ sees a Whoosh object (tantivy stands beside it, engine/tantivy/)."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import datetime as dt
import itertools
import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.query import FuzzyTerm, Or, PatternQuery, Query, Term

from conflictcli import names
from conflictcli.analysis import spans_of
from conflictcli.engine.asked import (
    Places,
    filter_nodes,
    gazetteer_places,
    places_named,
)
from conflictcli.engine.base import needs_lexicon, understand
from conflictcli.engine.explain import explained, with_filters
from conflictcli.engine.records import EngineResult, Explanation, Tally
from conflictcli.engine.whoosh import ranking
from conflictcli.engine.whoosh.fast.evaluate import KEPT_LENGTHS, Found, Scores, evaluate
from conflictcli.engine.whoosh.fast.nearness import nearness
from conflictcli.engine.whoosh.fast.upstream import committed_segments, expansions
from conflictcli.engine.whoosh.loading import fast_paths
from conflictcli.engine.whoosh.results import (
    DEFAULT_FIELDS,
    PLACE_FIELD,
    Columns,
    Selections,
    StoryColumn,
    Window,
    day_counts,
    facet_counts,
    hit_of,
    matched_words,
    page_ids,
    ranked_page,
    segments_of,
    tallied,
    term_docs,
    term_text,
    window_of,
)
from conflictcli.engine.whoosh.schema import SCHEMA
from conflictcli.engine.whoosh.translate import whoosh_query
from conflictcli.errors import ArchiveBusy, DataError, QueryError
from conflictcli.query import Reading, SearchRequest, Sort
from conflictcli.query import tree as t

if TYPE_CHECKING:
    from conflictcli.engine.whoosh.fast.postings import Postings
    from conflictcli.engine.whoosh.writer import IndexWriter


MAX_EXPANSION = 1_000  # words of the index a wildcard or fuzzy term may stand for


@dataclass
class _Parsed:
    """A request read: the Whoosh query and the tree it was made from."""

    query: Query
    tree: t.Part
    reading: Reading
    notes: list[str]


SIMILAR_TERMS = 15  # the key terms of an article that `similar` searches for
MAX_PREFIX_WORDS = 5000  # words of the index read for the forms of one Cyrillic word


def _words_from(
    reader: Any, fieldname: str, prefix: str, most: int = MAX_PREFIX_WORDS
) -> list[str]:
    """The words of a field that start with `prefix`, as the index holds them."""
    if fieldname not in reader.schema:
        return []
    found = reader.expand_prefix(fieldname, prefix)
    return [term_text(t) for t in itertools.islice(found, most)]


class WhooshEngine:
    def __init__(self, ix: Any) -> None:
        self._ix = ix
        self.names: names.Names | None = None  # where names are looked up (None: read whole)
        self.replaced: str | None = None  # why the index there before was not opened
        self.set_aside: Path | None = None  # where that index was moved, unread
        # a field's terms and their documents, for the segments they were read from
        self._kept: dict[str, tuple[object, Postings]] = {}
        self._last = Selections()  # what the last request selected
        self._lengths: dict[object, list[int] | None] = {}  # per segment (fast.evaluate)
        self._columns = Columns()  # the numeric columns, for the segments they were read from

    @classmethod
    def open(cls, folder: Path, create: bool = False) -> WhooshEngine:
        """The index in `folder`, once its seal shows that this user built it here
        (storage.verify: Whoosh reads nothing before). One from elsewhere, or that
        cannot be read, is refused, or with `create` (an ingest, which then rebuilds
        it from the catalogue) moved aside unread and replaced by a new one."""
        from conflictcli.engine.whoosh import storage

        if folder.is_symlink():
            raise storage.linked(folder)
        if folder.is_dir() and storage.latest(folder) is not None:
            try:
                return cls(storage.open_sealed(folder, SCHEMA))
            except storage.Foreign as e:
                why = e.message
            except DataError:
                raise
            except Exception as e:  # whatever a damaged index holds
                if os.environ.get("CONFLICT_DEBUG"):
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
    def create(cls, folder: Path) -> WhooshEngine:
        """A new, empty index in `folder`, sealed with this user's key. An index there
        before is dropped without being read if this user built it (in this layout or
        another: an upgrade's rebuild), and moved aside (to whoosh-set-aside-TIME beside
        it) if not: whoever sent it may want it."""
        from whoosh.index import FileIndex

        from conflictcli.engine.whoosh import storage

        if folder.is_symlink():
            raise storage.linked(folder)
        aside = None
        if folder.is_dir() and any(folder.iterdir()):
            try:
                storage.verify(folder, SCHEMA)
            except storage.OtherLayout:  # this user's, of another version: built again
                pass
            except Exception:
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
                aside = folder.with_name(f"{folder.name}-set-aside-{stamp}")
                os.rename(folder, aside)
        folder.mkdir(parents=True, exist_ok=True)
        ix = FileIndex.create(storage.SealedStorage(folder), SCHEMA, storage.INDEXNAME)
        made = cls(ix)
        if aside is not None:
            made.set_aside = aside
        return made

    def doc_count(self) -> int:
        """Documents in the index, deleted ones included until a merge drops them: read
        from the table of contents, without opening the segments (opening them maps the
        whole index into memory: 150 MB on 11k articles, for a re-ingest that reads
        nothing)."""
        if not fast_paths():
            return int(self._ix.doc_count_all())
        return sum(int(seg.doc_count_all()) for seg in committed_segments(self._ix))

    def inventory(self) -> dict[str, list[str | None]]:
        """Each id in the index with the date (ISO) of each live document that holds it."""
        date_field = SCHEMA["date"]
        out: dict[str, list[str | None]] = {}
        with self._ix.searcher() as s:
            r = s.reader()
            dates = r.column_reader("date")
            undated = r.column_reader("undated")
            for d in r.all_doc_ids():
                article_id = r.stored_fields(d)["id"]
                day: str | None = None
                if not undated[d]:
                    when = dates[d]  # the column reader gives datetimes
                    if not isinstance(when, dt.datetime):
                        when = date_field.from_column_value(when)
                    day = when.date().isoformat()
                out.setdefault(article_id, []).append(day)
        return out

    def mark(self, text: str, query_text: str) -> list[tuple[int, int]]:
        """Character spans in `text` of the words the query looks for (any of them)."""
        q = self.parse(query_text, any_terms=True).query
        with self._searcher() as s:
            words = matched_words(q, s.reader())
        return spans_of(text, words)

    def words(self, fieldname: str, prefix: str, most: int) -> list[str]:
        """Up to `most` words of a text field that start with `prefix`, in order (its terms)."""
        with self._ix.reader() as r:
            return _words_from(r, fieldname, prefix, most) if fieldname in DEFAULT_FIELDS else []

    def frequencies(self, fieldname: str, words: list[str]) -> dict[str, int]:
        """How many documents hold each word in a text field (its terms' document counts)."""
        with self._ix.reader() as r:
            text = fieldname in DEFAULT_FIELDS
            return {w: int(r.doc_frequency(fieldname, w)) for w in words} if text else {}

    # -- writing -------------------------------------------------------------------
    def generation(self) -> int:
        """The number of the index's latest commit (its table of contents)."""
        return int(self._ix.latest_generation())

    @contextmanager
    def writer(self, checkpoints: bool = False) -> Iterator[IndexWriter]:
        """A batch of changes, committed at the end, or cancelled on any error (what
        checkpoints committed stays: see IndexWriter). The archive is locked for the
        whole batch; Whoosh's writer (its buffers, a new segment, a merge) is made only
        when the batch changes something. (An index built anew starts from
        WhooshEngine.create.)"""
        from conflictcli.engine.whoosh.writer import IndexWriter  # loaded to write only

        lock = self._ix.lock("WRITELOCK")
        if not lock.acquire(blocking=False):
            raise ArchiveBusy()
        try:
            batch = IndexWriter(self._ix, checkpoints)
            try:
                yield batch
            except BaseException:
                with suppress(Exception):  # a full disk can fail the cancelling too
                    batch.finish(commit=False)
                raise
            batch.finish(commit=True)
        except BaseException:
            from conflictcli.engine.whoosh import storage

            with suppress(Exception):  # what the batch wrote and did not commit: gone
                storage.tidy(Path(self._ix.storage.folder), SCHEMA)
            raise
        finally:
            lock.release()

    # -- searching -----------------------------------------------------------------
    def _searcher(self) -> Any:
        """A searcher that ranks as ranking.py says, with the field lengths kept for it."""
        s = self._ix.searcher(weighting=ranking.WEIGHTING)
        setattr(s, KEPT_LENGTHS, self._lengths)
        return s

    def parse(
        self, text: str, any_terms: bool = False, dayfirst: bool = False, exact: bool = False
    ) -> _Parsed:
        """The engine query for what the user typed (engine.base.understand), and its tree."""
        if needs_lexicon(text, exact):
            with self._ix.reader() as r:
                u = understand(
                    text, any_terms, dayfirst, exact, self.names, lambda f, p: _words_from(r, f, p)
                )
        else:
            u = understand(text, any_terms, dayfirst, exact, self.names)
        q = whoosh_query(u.tree)
        self._bound_expansions(q, text)
        return _Parsed(q, u.tree, u.reading, u.notes)

    def tree(self, req: SearchRequest) -> t.Part:
        return self.parse(req.text, dayfirst=req.dayfirst, exact=req.exact).tree

    def _bound_expansions(self, q: Query, text: str) -> None:
        """A wildcard or fuzzy term stands for the words of the index it matches; one that
        matches more than MAX_EXPANSION is refused (QueryError) rather than searched
        (`?*` would be every word: minutes of work, and a count of little meaning)."""
        patterns = [n for n in q.leaves() if isinstance(n, PatternQuery | FuzzyTerm)]
        if not patterns:
            return
        with self._ix.reader() as r:
            for node in patterns:
                words = sum(1 for _ in itertools.islice(expansions(node, r), MAX_EXPANSION + 1))
                if words > MAX_EXPANSION:
                    shown = (
                        f"{term_text(node.text)}~"
                        if isinstance(node, FuzzyTerm)
                        else term_text(node.text)
                    )
                    raise QueryError(
                        f"{shown!r} in the query {text!r} matches more than "
                        f"{MAX_EXPANSION:,} different words in the archive.",
                        "Give more letters before a * or ?, or search for the words themselves.",
                    )

    def _places(self, req: SearchRequest) -> Places:
        """The places --place names, as the spellings an article must write one of."""
        return places_named(req, self.names)

    def _matches(
        self, s: Any, q: Query, req: SearchRequest, places: Places
    ) -> tuple[Found, Scores, Window]:
        """Every document the query and the filters select, with its score (the exact
        count: Whoosh's own total skips blocks and ignores filters when a limit is
        given), and the filters (None when there are none)."""
        found = evaluate(s, q)
        window = window_of(s, req, places, self._columns)
        if window is None:
            return found, found.scores, None
        return found, {d: x for d, x in found.scores.items() if window(d)}, window

    def count(self, req: SearchRequest) -> int:
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        with self._searcher() as s:
            return len(self._matches(s, parsed.query, req, places)[1])

    def days(self, req: SearchRequest) -> tuple[int, dict[dt.date, int], list[str]]:
        with self._searcher() as s:  # from the date columns (results.day_counts)
            selected, notes = self._selected(s, req)
            return len(selected), day_counts(s, selected, self._columns), notes

    def similar(self, text: str, leave_out: set[str], limit: int) -> EngineResult:
        """The articles most like `text`: Whoosh's more-like-this, an Or of the text's
        SIMILAR_TERMS key terms (Bo1 model) weighted by their weight, ranked as a
        search; the articles of `leave_out` (ids) are left out."""

        with self._searcher() as s:
            keys = s.key_terms_from_text("body", text, numterms=SIMILAR_TERMS)
            if not keys:
                return EngineResult(total=0, hits=[])
            found = evaluate(s, Or([Term("body", w, boost=weight) for w, weight in keys]))
            ranked = ranked_page(s, found.scores, limit + len(leave_out), Sort.relevance)
            ids = page_ids(s, [d for d, _ in ranked])
            page = [(i, d, x) for i, (d, x) in zip(ids, ranked, strict=True) if i not in leave_out]
            page = page[:limit]
            terms = found.terms_of(d for _, d, _ in page)
            known: dict[frozenset[tuple[str, bytes]], tuple[frozenset[str], frozenset[str]]] = {}
            hits = [hit_of(i, x, False, terms[d], known) for i, d, x in page]
        return EngineResult(total=len(hits), hits=hits)

    def matching(self, req: SearchRequest) -> tuple[list[str], list[str]]:
        """The ids of every article the request selects (as many as search's total), in
        index order, and how the query was read."""
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        with self._searcher() as s:
            selected = self._matches(s, parsed.query, req, places)[1]
            return page_ids(s, sorted(selected)), parsed.notes + places.notes

    def explain(self, req: SearchRequest) -> Explanation:
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        total = self.count(req)
        places = self._places(req)
        filters = filter_nodes(req, places)
        tree = with_filters(explained(parsed.tree), filters)
        return Explanation(tree, parsed.reading, total, parsed.notes + places.notes)

    def places(self, req: SearchRequest) -> tuple[int, list[tuple[names.Name, int]], list[str]]:
        """How many articles the request selects (every article, for an empty query),
        how many of them name each place of the gazetteer, and how the query was read.
        The places an article names were found at ingest (placing.py, the `place`
        field): the articles that --place finds."""
        with self._searcher() as s:
            selected, notes = self._selected(s, req)
            per = facet_counts(s, PLACE_FIELD, selected, lambda: self._held(s, PLACE_FIELD))
        return len(selected), [(name, per[name.id]) for name in gazetteer_places(per)], notes

    def tally(self, req: SearchRequest, kinds: tuple[str, ...]) -> Tally:
        """The request's articles counted each way (results.tallied), its query run once
        (or not at all, right after a search of the same request)."""
        with self._searcher() as s:
            selected, notes = self._selected(s, req)
            counts = tallied(s, selected, kinds, lambda name: self._held(s, name), self._columns)
            return Tally(len(selected), counts, notes)

    def countries(self, req: SearchRequest) -> tuple[int, dict[str, int], list[str]]:
        """As places(), by the countries of the places (the `country` field)."""
        with self._searcher() as s:
            selected, notes = self._selected(s, req)
            return (
                len(selected),
                facet_counts(s, "country", selected, lambda: self._held(s, "country")),
                notes,
            )

    def _held(self, s: Any, fieldname: str) -> Postings | None:
        """A field's postings, kept for the searcher's segments (a process that counts
        places again and again, the reading room, reads them once a commit); None where
        the whole archive is selected (document frequencies answer that)."""
        key = segments_of(s)
        if key is None:
            return None
        kept = self._kept.get(fieldname)
        if kept is None or kept[0] != key:
            from conflictcli.engine.whoosh.fast.postings import Postings

            kept = (key, Postings(term_docs(s, fieldname)))
            self._kept[fieldname] = kept
        return kept[1]

    def _selected(self, s: Any, req: SearchRequest) -> tuple[Collection[int], list[str]]:
        """The documents a request selects (every one, for an empty query), and notes."""
        if (known := self._last.get(s, req)) is not None:
            return known
        places = self._places(req)
        notes = list(places.notes)
        if req.text.strip():
            parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
            notes[:0] = parsed.notes
            selected = self._matches(s, parsed.query, req, places)[1]
            self._last.put(s, req, selected, notes)
            return selected, notes
        window = window_of(s, req, places, self._columns)
        live = s.reader().all_doc_ids()
        return (set(live) if window is None else {d for d in live if window(d)}), notes

    def search(self, req: SearchRequest) -> EngineResult:
        """Run a request: the total and the page of hits, each with the words it was found
        by; its snippet and marks are cut from its text by mark()."""
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        want = None if req.limit == 0 else req.offset + req.limit
        with self._searcher() as s:
            found, selected, window = self._matches(s, parsed.query, req, places)
            self._last.put(s, req, selected, parsed.notes + places.notes)
            total = len(selected)
            if req.sort is Sort.relevance:  # the query's words close together rank higher
                selected = nearness(s, parsed.query, selected)
            stories = StoryColumn(s, self._columns) if req.collapse else None
            lines = total if stories is None else stories.count(selected)
            entries = [
                (d, score, False) for d, score in ranked_page(s, selected, want, req.sort, stories)
            ]
            some = None
            if req.partial and want is not None and lines < want and not req.any_terms:
                some, more = self._partial(
                    s, req, parsed.query, selected, window, want - lines, stories
                )
                entries += [(d, score, True) for d, score in more]
            page = entries[req.offset : want]
            ids = page_ids(s, [d for d, _, _ in page])
            # the words each article was found by, for its snippet and marks
            terms = found.terms_of(d for d, _, partial in page if not partial)
            if some is not None:
                terms.update(some.terms_of(d for d, _, partial in page if partial))
            known: dict[frozenset[tuple[str, bytes]], tuple[frozenset[str], frozenset[str]]] = {}
            hits = [
                hit_of(i, score, partial, terms[d], known)
                for i, (d, score, partial) in zip(ids, page, strict=True)
            ]
            if stories is not None:
                for hit, (d, _, _) in zip(hits, page, strict=True):
                    hit.similar = stories.others(d)
            if req.partial and req.any_terms:
                self._mark_partial(s, req, parsed.query, hits, [d for d, _, _ in page])
        return EngineResult(total=total, hits=hits, notes=parsed.notes + places.notes)

    def _mark_partial(
        self, s: Any, req: SearchRequest, some_q: Query, hits: list[Any], docs: list[int]
    ) -> None:
        """With --any, mark partial the hits that do not hold every term (that the query
        without --any does not select)."""
        full_q = self.parse(req.text, dayfirst=req.dayfirst, exact=req.exact).query
        if full_q == some_q:
            return
        full = evaluate(s, full_q).scores
        for hit, d in zip(hits, docs, strict=True):
            hit.partial = d not in full

    def _partial(
        self,
        s: Any,
        req: SearchRequest,
        full_q: Query,
        full: Scores,
        window: Window,
        room: int,
        stories: StoryColumn | None,
    ) -> tuple[Found | None, Sequence[tuple[int, float | None]]]:
        """Articles holding only some of the terms, to fill the page after the full ones
        (collapsed: of stories that no full match is in)."""
        some_q = self.parse(req.text, any_terms=True, dayfirst=req.dayfirst, exact=req.exact).query
        if some_q == full_q:
            return None, []
        some = evaluate(s, some_q)
        more = {
            d: x for d, x in some.scores.items() if d not in full and (window is None or window(d))
        }
        if stories is not None:
            more = stories.count_more(more)
        if req.sort is Sort.relevance:
            more = nearness(s, some_q, more)
        return some, ranked_page(s, more, room, req.sort, stories)
