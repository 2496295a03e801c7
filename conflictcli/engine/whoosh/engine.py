"""The search engine: a Whoosh index of the archive's articles.

This is the one engine boundary. Articles (plain records) go in, Hits (plain records)
come out; nothing outside this module sees a Whoosh object, so a second engine could
stand beside this one without changing the commands or the rendering.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import datetime as dt
import heapq
import itertools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import collectors, sorting
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import FuzzyTerm, Or, PatternQuery, Query, Term

from conflictcli import names
from conflictcli.analysis import spans_of
from conflictcli.articles import outlet_key
from conflictcli.engine.base import needs_lexicon, understand
from conflictcli.engine.explain import explained, with_filters
from conflictcli.engine.records import EngineResult, Explanation, Hit, Node
from conflictcli.engine.whoosh import ranking
from conflictcli.engine.whoosh.fast.evaluate import (
    Found,
    Mentions,
    Scores,
    by_score,
    column_values,
    evaluate,
    nearness,
)
from conflictcli.engine.whoosh.loading import fast_paths
from conflictcli.engine.whoosh.schema import SCHEMA
from conflictcli.engine.whoosh.translate import whoosh_query
from conflictcli.engine.whoosh.writer import NO_KEY, IndexWriter
from conflictcli.errors import ArchiveBusy, DataError, QueryError
from conflictcli.query import Reading, SearchRequest, Sort
from conflictcli.query import tree as t

if TYPE_CHECKING:
    pass


Window = Callable[[int], bool] | None  # the filters: do they let a document through
DEFAULT_FIELDS = ["title", "body"]
MAX_EXPANSION = 1_000  # words of the index a wildcard or fuzzy term may stand for


def _hit(
    article_id: str,
    score: float | None,
    partial: bool,
    matched: set[tuple[str, bytes]],
    known: dict[frozenset[tuple[str, bytes]], tuple[frozenset[str], frozenset[str]]],
) -> Hit:
    """A hit, found by the (field, term) pairs `matched`. The words of a page's hits
    are read once per distinct set (`known`): most hits share a few."""
    key = frozenset(matched)
    words = known.get(key)
    if words is None:
        words = known[key] = (
            frozenset(_text(t) for f, t in matched if f == "body"),
            frozenset(_text(t) for f, t in matched if f in DEFAULT_FIELDS),
        )
    return Hit(
        id=article_id,
        score=round(score, 4) if score is not None else None,
        partial=partial,
        body_words=words[0],
        words=words[1],
    )


@dataclass
class _Places:
    """What --place names: the places, and every spelling read as one of them."""

    places: list[str] = field(default_factory=list)  # their canonical names
    forms: list[names.Key] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    query: Query
    tree: t.Part
    reading: Reading
    notes: list[str]


_SPACE = re.compile(r"\s+")
MAX_PREFIX_WORDS = 5000  # words of the index read for the forms of one Cyrillic word


def _words_from(reader: Any, fieldname: str, prefix: str) -> list[str]:
    """The words of a field that start with `prefix`, as the index holds them."""
    if fieldname not in reader.schema:
        return []
    found = reader.expand_prefix(fieldname, prefix)
    return [_text(t) for t in itertools.islice(found, MAX_PREFIX_WORDS)]


class WhooshEngine:
    def __init__(self, ix: Any) -> None:
        self._ix = ix
        self.names: names.Names | None = None  # where names are looked up (None: read whole)
        self.replaced: str | None = None  # why the index there before was not opened
        self.set_aside: Path | None = None  # where that index was moved, unread

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
                return cls(_open_sealed(folder))
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
        before is dropped without being read if this user built it, and moved aside
        (to whoosh-set-aside-TIME beside it) if not: whoever sent it may want it."""
        from whoosh.index import FileIndex

        from conflictcli.engine.whoosh import storage

        if folder.is_symlink():
            raise storage.linked(folder)
        aside = None
        if folder.is_dir() and any(folder.iterdir()):
            try:
                storage.verify(folder, SCHEMA)
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
        return sum(int(seg.doc_count_all()) for seg in self._ix._read_toc().segments)

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
            words = _matched_words(q, s.reader())
        return spans_of(text, words)

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
        """A searcher that ranks as ranking.py says."""
        return self._ix.searcher(weighting=ranking.WEIGHTING)

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
                words = sum(1 for _ in itertools.islice(node._btexts(r), MAX_EXPANSION + 1))
                if words > MAX_EXPANSION:
                    shown = (
                        f"{_text(node.text)}~" if isinstance(node, FuzzyTerm) else _text(node.text)
                    )
                    raise QueryError(
                        f"{shown!r} in the query {text!r} matches more than "
                        f"{MAX_EXPANSION:,} different words in the archive.",
                        "Give more letters before a * or ?, or search for the words themselves.",
                    )

    def _places(self, req: SearchRequest) -> _Places:
        """The places --place names, as the spellings an article must write one of."""
        if not req.places:
            return _Places()
        found = _Places()
        for typed in req.places:
            match = names.place(typed, self.names)
            found.places.append(match.name.name)
            found.forms += [
                f for f in names.own_forms(match.name, self.names) if f not in found.forms
            ]
            if match.others or match.ambiguous:
                found.notes.append(f"--place {typed!r} is read as {match.name.name}.")
        return found

    def _matches(
        self, s: Any, q: Query, req: SearchRequest, places: _Places
    ) -> tuple[Found, Scores, Window]:
        """Every document the query and the filters select, with its score (the exact
        count: Whoosh's own total skips blocks and ignores filters when a limit is
        given), and the filters (None when there are none)."""
        found = evaluate(s, q)
        window = _window(s, req, places)
        if window is None:
            return found, found.scores, None
        return found, {d: x for d, x in found.scores.items() if window(d)}, window

    def count(self, req: SearchRequest) -> int:
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        with self._searcher() as s:
            return len(self._matches(s, parsed.query, req, places)[1])

    def similar(self, text: str, leave_out: set[str], limit: int) -> EngineResult:
        """The articles most like `text`: Whoosh's more-like-this, an Or of the text's
        SIMILAR_TERMS key terms (Bo1 model) weighted by their weight, ranked as a
        search; the articles of `leave_out` (ids) are left out."""
        from whoosh.query import Or

        with self._searcher() as s:
            keys = s.key_terms_from_text("body", text, numterms=SIMILAR_TERMS)
            if not keys:
                return EngineResult(total=0, hits=[])
            found = evaluate(s, Or([Term("body", w, boost=weight) for w, weight in keys]))
            ranked = _ranked(s, found.scores, limit + len(leave_out), Sort.relevance)
            ids = _ids(s, [d for d, _ in ranked])
            page = [(i, d, x) for i, (d, x) in zip(ids, ranked, strict=True) if i not in leave_out]
            page = page[:limit]
            terms = found.terms_of(d for _, d, _ in page)
            known: dict[frozenset[tuple[str, bytes]], tuple[frozenset[str], frozenset[str]]] = {}
            hits = [_hit(i, x, False, terms[d], known) for i, d, x in page]
        return EngineResult(total=len(hits), hits=hits)

    def matching(self, req: SearchRequest) -> tuple[list[str], list[str]]:
        """The ids of every article the request selects (as many as search's total), in
        index order, and how the query was read."""
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        with self._searcher() as s:
            selected = self._matches(s, parsed.query, req, places)[1]
            return _ids(s, sorted(selected)), parsed.notes + places.notes

    def explain(self, req: SearchRequest) -> Explanation:
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        total = self.count(req)
        places = self._places(req)
        filters = []
        if req.since or req.until:
            first = req.since.isoformat() if req.since else None
            last = req.until.isoformat() if req.until else None
            filters.append(Node("dates", fields=["date"], first=first, last=last))
        if req.sources:  # whole outlet names, any case; a domain finds its subdomains
            filters.append(Node("sources", ", ".join(req.sources), ["source"]))
        if req.places:  # any spelling of any of them, in title or body
            filters.append(Node("places", ", ".join(places.places), list(DEFAULT_FIELDS)))
        tree = with_filters(explained(parsed.tree), filters)
        return Explanation(tree, parsed.reading, total, parsed.notes + places.notes)

    def places(self, req: SearchRequest) -> tuple[int, list[tuple[names.Name, int]], list[str]]:
        """How many articles the request selects (every article, for an empty query),
        how many of them name each place of the gazetteer, and how the query was read.
        A place is named by any spelling read as it (names.own_forms): the articles
        that --place finds."""
        places = self._places(req)
        notes = list(places.notes)
        with self._searcher() as s:
            if req.text.strip():
                parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
                notes[:0] = parsed.notes
                selected = set(self._matches(s, parsed.query, req, places)[1])
            else:
                window = _window(s, req, places)
                live = s.reader().all_doc_ids()
                selected = set(live) if window is None else {d for d in live if window(d)}
            mentions = Mentions(s, names.FIELDS)
            counts = [
                (name, len(selected.intersection(mentions.docs(forms))))
                for name, forms in names.place_forms()
            ]
        return len(selected), counts, notes

    def search(self, req: SearchRequest) -> EngineResult:
        """Run a request: the total and the page of hits, each with the words it was found
        by; its snippet and marks are cut from its text by mark()."""
        parsed = self.parse(req.text, req.any_terms, req.dayfirst, req.exact)
        places = self._places(req)
        want = None if req.limit == 0 else req.offset + req.limit
        with self._searcher() as s:
            found, selected, window = self._matches(s, parsed.query, req, places)
            total = len(selected)
            if req.sort is Sort.relevance:  # the query's words close together rank higher
                selected = nearness(s, parsed.query, selected)
            stories = _Stories(s) if req.collapse else None
            lines = total if stories is None else stories.count(selected)
            entries = [
                (d, score, False) for d, score in _ranked(s, selected, want, req.sort, stories)
            ]
            some = None
            if want is not None and lines < want and not req.any_terms:
                some, more = self._partial(
                    s, req, parsed.query, selected, window, want - lines, stories
                )
                entries += [(d, score, True) for d, score in more]
            page = entries[req.offset : want]
            ids = _ids(s, [d for d, _, _ in page])
            # the words each article was found by, for its snippet and marks
            terms = found.terms_of(d for d, _, partial in page if not partial)
            if some is not None:
                terms.update(some.terms_of(d for d, _, partial in page if partial))
            known: dict[frozenset[tuple[str, bytes]], tuple[frozenset[str], frozenset[str]]] = {}
            hits = [
                _hit(i, score, partial, terms[d], known)
                for i, (d, score, partial) in zip(ids, page, strict=True)
            ]
            if stories is not None:
                for hit, (d, _, _) in zip(hits, page, strict=True):
                    hit.similar = stories.others(d)
        return EngineResult(total=total, hits=hits, notes=parsed.notes + places.notes)

    def _partial(
        self,
        s: Any,
        req: SearchRequest,
        full_q: Query,
        full: Scores,
        window: Window,
        room: int,
        stories: _Stories | None,
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
        return some, _ranked(s, more, room, req.sort, stories)


def _open_sealed(folder: Path) -> Any:
    """Whoosh's index in `folder`, pinned to its latest commit once that commit's seal
    holds (a commit made after is seen by the next command, not half-way)."""
    from whoosh.index import FileIndex

    from conflictcli.engine.whoosh import storage

    for attempt in range(3):
        try:
            gen = storage.verify(folder, SCHEMA)
            store = storage.SealedStorage(folder)
            store.pinned = gen
            return FileIndex(store, SCHEMA, storage.INDEXNAME)
        except FileNotFoundError:  # a writer's commit replaced it meanwhile: once more
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _ids(s: Any, docnums: list[int]) -> list[str]:
    """The article ids of these documents: from the key column in one pass for a long
    page, from the stored fields for a short one (or an id that is not a key)."""
    if len(docnums) < BULK_IDS:
        return [s.stored_fields(d)["id"] for d in docnums]
    keys: list[int] = []
    for sub, _ in s.leaf_searchers():
        keys.extend(column_values(sub, "key"))
    return [
        s.stored_fields(d)["id"] if (k := keys[d]) == NO_KEY else f"{k + (1 << 63):016x}"
        for d in docnums
    ]


BULK_IDS = 500  # a page this long reads the whole key column
SIMILAR_TERMS = 15  # the key terms of an article that `similar` searches for


def _ranked(
    s: Any, scores: Scores, limit: int | None, sort: Sort, stories: _Stories | None = None
) -> Sequence[tuple[int, float | None]]:
    """The first `limit` (None: all) of the matches in the requested order, as Whoosh's
    collectors order them: by score, a tie going to the lower document number, or by
    date (undated last) with no score. Every match is ranked, so the first page is
    always the start of the whole list. With `stories`, each story's first match only."""
    if stories is None:
        return _ranked_all(s, scores, limit, sort)
    if limit is None:
        return stories.firsts(_ranked_all(s, scores, None, sort))
    want: int | None = limit
    while True:  # rank more until `limit` stories are in, or every match is
        ranked = _ranked_all(s, scores, want, sort)
        firsts = stories.firsts(ranked)
        if want is None or len(firsts) >= limit or len(ranked) < want:
            return firsts[:limit]
        want = want * 4 if want * 4 < len(scores) else None


def _ranked_all(
    s: Any, scores: Scores, limit: int | None, sort: Sort
) -> Sequence[tuple[int, float | None]]:
    if sort is Sort.relevance:
        items = scores.items()
        if limit is None:
            return sorted(items, key=by_score, reverse=True)
        return heapq.nlargest(limit, items, key=by_score)
    if not scores:
        return []
    c = collectors.SortingCollector(_sort_facet(sort), limit=limit)
    s.search_with_collector(_Listed(s, scores), c)
    return [(h.docnum, None) for h in c.results()]


class _Stories:
    """The story of every document (the `story` column), for collapsed results: a
    story is shown once, at its best-ranked match, with the number of its other
    matches."""

    def __init__(self, s: Any) -> None:
        self._of: list[int] = []
        for sub, _offset in s.leaf_searchers():  # in document number order
            self._of.extend(column_values(sub, "story"))
        self._matches: dict[int, int] = {}  # story -> how many of the matches it holds

    def count(self, docs: Scores) -> int:
        """How many stories the documents fall in (remembering how many each holds)."""
        of = self._of
        for d in docs:
            story = of[d]
            self._matches[story] = self._matches.get(story, 0) + 1
        return len(self._matches)

    def count_more(self, docs: Scores) -> Scores:
        """Of further documents (partial matches), those whose stories are not counted
        yet; their stories are counted from them."""
        of, before = self._of, set(self._matches)
        left = {d: x for d, x in docs.items() if of[d] not in before}
        self.count(left)
        return left

    def firsts(self, ranked: Sequence[tuple[int, float | None]]) -> list[tuple[int, float | None]]:
        seen: set[int] = set()
        out = []
        for d, score in ranked:
            story = self._of[d]
            if story not in seen:
                seen.add(story)
                out.append((d, score))
        return out

    def others(self, d: int) -> int:
        return self._matches.get(self._of[d], 1) - 1


class _Listed(Query):
    """Documents already found, given to one of Whoosh's collectors to sort."""

    def __init__(self, s: Any, docs: Scores) -> None:
        self._ids: dict[int, list[int]] = {}
        ordered = sorted(docs)
        for sub, offset in s.leaf_searchers():
            end = offset + sub.doc_count_all()
            self._ids[id(sub)] = [d - offset for d in ordered if offset <= d < end]

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ids = self._ids.get(id(searcher))
        return ListMatcher(ids) if ids else NullMatcher()


def _window(s: Any, req: SearchRequest, places: _Places | None = None) -> Window:
    """The filters (--since/--until, --source, --place) as a test of a document number.
    Dates are read from the date columns (a range of terms walks one posting list per
    day in it); outlets are exact terms and places their spellings, looked up apart so
    that they do not change the scores."""
    tests = [t for t in (_dates(s, req),) if t is not None]
    if req.sources:
        terms = [Term("outlet", outlet) for outlet in _outlets(s, req.sources)]
        outlets = set(evaluate(s, Or(terms)).scores) if terms else set()
        tests.append(outlets.__contains__)
    if places is not None and places.places:  # a place may have no spelling of its own
        named = (
            evaluate(s, whoosh_query(names.mentions(places.forms))).scores if places.forms else {}
        )
        tests.append(set(named).__contains__)
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda d: all(t(d) for t in tests)


def _outlets(s: Any, names: tuple[str, ...]) -> list[str]:
    """The outlets in the index that --source names: the same name in any case, and for
    a domain its subdomains too (kremlin.ru: en.kremlin.ru, as urls name outlets)."""
    wanted = {outlet_key(n) for n in names}
    domains = tuple("." + w for w in wanted if "." in w and " " not in w)
    known = (_text(t) for t in s.reader().lexicon("outlet"))
    return [o for o in known if o in wanted or (domains and o.endswith(domains))]


def _dates(s: Any, req: SearchRequest) -> Window:
    if not (req.since or req.until):
        return None
    date_field, undated_field = s.schema["date"], s.schema["undated"]
    first = (
        date_field.to_column_value(dt.datetime.combine(req.since, dt.time.min)) if req.since else 0
    )
    last = (
        date_field.to_column_value(dt.datetime.combine(req.until, dt.time.max))
        if req.until
        else float("inf")
    )
    dated = undated_field.to_column_value(0)
    dates: list[int] = []
    undated: list[int] = []
    for sub, _offset in s.leaf_searchers():  # in document number order
        dates.extend(column_values(sub, "date"))
        undated.extend(column_values(sub, "undated"))
    return lambda d: undated[d] == dated and first <= dates[d] <= last


def _sort_facet(sort: Sort) -> Any:
    if sort is Sort.relevance:
        return None
    # undated articles last either way
    return [sorting.FieldFacet("undated"), sorting.FieldFacet("date", reverse=sort is Sort.newest)]


def _matched_words(q: Query, reader: Any) -> set[str]:
    # the query's own words, and what its wildcards and fuzzy terms expand to
    terms = [*q.all_terms(), *q.existing_terms(reader, expand=True)]
    return {_text(term) for fieldname, term in terms if fieldname in DEFAULT_FIELDS}


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
