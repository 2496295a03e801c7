"""From the matches of a query to a page of hits: the order (by score or by date), one
hit per story, the filters as a test of a document number, and the ids of a page."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import bisect
import datetime as dt
import functools
import heapq
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from whoosh import collectors, sorting
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import Or, Query, Term

from conflictcli.engine.asked import (
    Places,
    outlets_named,
)
from conflictcli.engine.records import Hit
from conflictcli.engine.whoosh.fast.evaluate import Scores, by_score, evaluate
from conflictcli.engine.whoosh.fast.nearness import Mentions
from conflictcli.engine.whoosh.fast.upstream import column_values
from conflictcli.engine.whoosh.schema import NO_KEY
from conflictcli.query import SearchRequest, Sort

if TYPE_CHECKING:  # numpy loads only for a facet: a search or a count needs none of it
    from conflictcli.engine.whoosh.fast.postings import Chosen, Postings

PLACE_FIELD = "place"  # the ids of the places each article names (placing.py)


def naming(s: Any, ids: list[str]) -> set[int]:
    """The documents that name any of these places (deleted ones too: a caller tests
    documents it found)."""
    return Mentions(s, (PLACE_FIELD,)).docs([(i,) for i in ids]) if ids else set()


Window = Callable[[int], bool] | None  # the filters: do they let a document through
DEFAULT_FIELDS = ["title", "body"]


def hit_of(
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
            frozenset(term_text(t) for f, t in matched if f == "body"),
            frozenset(term_text(t) for f, t in matched if f in DEFAULT_FIELDS),
        )
    return Hit(
        id=article_id,
        score=round(score, 4) if score is not None else None,
        partial=partial,
        body_words=words[0],
        words=words[1],
    )


def page_ids(s: Any, docnums: list[int]) -> list[str]:
    """The article ids of these documents, from the key column: read whole in one pass
    for a long page, a value at a time for a short one (the stored fields only for an
    id that is not a key: reading them opens a segment's whole table of records)."""
    if len(docnums) >= BULK_IDS:
        keys: list[int] = []
        for sub, _ in s.leaf_searchers():
            keys.extend(column_values(sub, "key"))
        return [_id_of(s, d, keys[d]) for d in docnums]
    subs = s.leaf_searchers()
    starts = [offset for _, offset in subs]
    columns: dict[int, Any] = {}
    out = []
    for d in docnums:
        i = bisect.bisect_right(starts, d) - 1
        column = columns.get(i)
        if column is None:
            column = columns[i] = subs[i][0].reader().column_reader("key", translate=False)
        out.append(_id_of(s, d, column[d - starts[i]]))
    return out


def _id_of(s: Any, d: int, key: int) -> str:
    return s.stored_fields(d)["id"] if key == NO_KEY else f"{key + (1 << 63):016x}"


BULK_IDS = 500  # a page this long reads the whole key column


def ranked_page(
    s: Any, scores: Scores, limit: int | None, sort: Sort, stories: StoryColumn | None = None
) -> Sequence[tuple[int, float | None]]:
    """The first `limit` (None: all) of the matches in the requested order, as Whoosh's
    collectors order them: by score, a tie going to the lower document number, or by
    date (undated last) with no score. Every match is ranked, so the first page is
    always the start of the whole list. With `stories`, each story's first match only."""
    if stories is None:
        return ranked_all(s, scores, limit, sort)
    if limit is None:
        return stories.firsts(ranked_all(s, scores, None, sort))
    want: int | None = limit
    while True:  # rank more until `limit` stories are in, or every match is
        ranked = ranked_all(s, scores, want, sort)
        firsts = stories.firsts(ranked)
        if want is None or len(firsts) >= limit or len(ranked) < want:
            return firsts[:limit]
        want = want * 4 if want * 4 < len(scores) else None


def ranked_all(
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


class Columns:
    """Each document's value in a numeric column (date, undated, story), and each
    document's day, read once for the searcher's segments and kept until they change
    (a process that searches again and again, the reading room, reads them once a
    commit rather than once a request)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[object, Sequence[int]]] = {}

    def of(self, s: Any, fieldname: str) -> Sequence[int]:
        key = segments_of(s)
        kept = self._kept.get(fieldname)
        if kept is not None and key is not None and kept[0] == key:
            return kept[1]
        values = _column(s, fieldname)
        if key is not None:
            self._kept[fieldname] = (key, values)
        return values

    def days(self, s: Any) -> Sequence[int]:
        """Each document's day as an ordinal (date.toordinal()), 0 when undated."""
        key = segments_of(s)
        kept = self._kept.get(" days")
        if kept is not None and key is not None and kept[0] == key:
            return kept[1]
        dates, undated = self.of(s, "date"), self.of(s, "undated")
        dated, to_moment = (
            s.schema["undated"].to_column_value(0),
            s.schema["date"].from_column_value,
        )
        known: dict[Any, int] = {}
        days = array("l")
        for value, flag in zip(dates, undated, strict=True):
            day = known.get(value) if flag == dated else 0
            if day is None:
                when = value if isinstance(value, dt.datetime) else to_moment(value)
                day = known[value] = when.date().toordinal()
            days.append(day)
        if key is not None:
            self._kept[" days"] = (key, days)
        return days


def _column(s: Any, fieldname: str) -> Sequence[int]:
    """A numeric column of every segment, in document number order."""
    parts = [column_values(sub, fieldname) for sub, _ in s.leaf_searchers()]
    codes = {p.typecode if isinstance(p, array) else None for p in parts}
    if len(codes) == 1 and (code := codes.pop()) is not None:  # compact: 8 bytes a value
        whole = array(code)
        for part in parts:
            whole.extend(part)
        return whole
    return [v for part in parts for v in part]


class StoryColumn:
    """The story of every document (the `story` column), for collapsed results: a
    story is shown once, at its best-ranked match, with the number of its other
    matches."""

    def __init__(self, s: Any, columns: Columns | None = None) -> None:
        self._of = (columns or Columns()).of(s, "story")
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


def window_of(
    s: Any, req: SearchRequest, places: Places | None = None, columns: Columns | None = None
) -> Window:
    """The filters (--since/--until, --source, --place) as a test of a document number.
    Dates are read from the date columns (a range of terms walks one posting list per
    day in it); outlets are exact terms, places the ids of the `place` field, looked up
    apart so that they do not change the scores."""
    tests = [t for t in (date_test(s, req, columns),) if t is not None]
    if req.sources:
        terms = [Term("outlet", outlet) for outlet in _outlets(s, req.sources)]
        outlets = set(evaluate(s, Or(terms)).scores) if terms else set()
        tests.append(outlets.__contains__)
    if places is not None and places.places:
        tests.append(naming(s, places.ids).__contains__)
    for name, codes in (("lang", req.langs), ("country", req.countries)):
        if codes:  # exact terms, as outlets
            tests.append(set(evaluate(s, Or([Term(name, c) for c in codes])).scores).__contains__)
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda d: all(t(d) for t in tests)


def _outlets(s: Any, names: tuple[str, ...]) -> list[str]:
    return outlets_named((term_text(t) for t in s.reader().lexicon("outlet")), names)


def date_test(s: Any, req: SearchRequest, columns: Columns | None = None) -> Window:
    if not (req.since or req.until):
        return None
    date_field, undated_field = s.schema["date"], s.schema["undated"]
    first = date_field.to_column_value(moment(req.since, dt.time.min)) if req.since else 0
    last = date_field.to_column_value(moment(req.until, dt.time.max)) if req.until else float("inf")
    dated = undated_field.to_column_value(0)
    columns = columns or Columns()
    dates, undated = columns.of(s, "date"), columns.of(s, "undated")
    return lambda d: undated[d] == dated and first <= dates[d] <= last


def facet_counts(
    s: Any,
    fieldname: str,
    selected: Collection[int],
    held: Callable[[], Postings | None] | None = None,
    chosen: Chosen | None = None,
) -> dict[str, int]:
    """How many of the selected documents hold each term of the field (a place's id, a
    country's code), the terms none holds left out. Every document selected and none
    deleted: each term's document frequency, one look-up a term (`places` of a whole
    archive is a query, not a scan). `held`: the field's postings as a process kept them
    (None, or giving None: read here); `chosen`: the selected documents as a mask, made
    once for several fields."""
    r = s.reader()
    if not r.has_deletions() and len(selected) == r.doc_count_all():
        counts = {term_text(t): int(r.doc_frequency(fieldname, t)) for t in r.lexicon(fieldname)}
        return {t: n for t, n in counts.items() if n}
    from conflictcli.engine.whoosh.fast.postings import Chosen, Postings

    postings = (held() if held is not None else None) or Postings(term_docs(s, fieldname))
    return postings.counts(chosen or Chosen(selected, r.doc_count_all()))


def term_docs(s: Any, fieldname: str) -> dict[str, frozenset[int]]:
    """Each term of the field and the documents that hold it (every term's postings
    read: what a process that counts again and again keeps, per commit)."""
    mentions = Mentions(s, (fieldname,))
    return {
        t: frozenset(mentions.docs([(t,)])) for t in map(term_text, s.reader().lexicon(fieldname))
    }


def segments_of(s: Any) -> tuple[object, ...] | None:
    """What identifies the searcher's segments (their ids and where each starts): the
    same for the same commit, another after a commit or a merge; None when unknown."""
    try:
        return tuple((sub.reader().segment().segment_id(), off) for sub, off in s.leaf_searchers())
    except AttributeError:
        return None


def day_counts(s: Any, docs: Iterable[int], columns: Columns | None = None) -> dict[dt.date, int]:
    """How many of the documents fall on each day: read from the date columns (no
    catalogue row), the undated left out."""
    days = (columns or Columns()).days(s)
    tally = Counter(map(days.__getitem__, docs))
    tally.pop(0, None)
    return {dt.date.fromordinal(day): n for day, n in tally.items()}


def moment(day: dt.date, clock: dt.time) -> dt.datetime:
    """A filter's bound as the `date` field compares it: a day at `clock` (its first or
    last instant), a moment (--since 2024-11-21 14:35) as it is."""
    return day if isinstance(day, dt.datetime) else dt.datetime.combine(day, clock)


def _sort_facet(sort: Sort) -> Any:
    if sort is Sort.relevance:
        return None
    # undated articles last either way
    return [sorting.FieldFacet("undated"), sorting.FieldFacet("date", reverse=sort is Sort.newest)]


def term_text(term: bytes | str) -> str:
    """A term as text (Whoosh gives bytes or str)."""
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)


TALLIED = {"source": "outlet", "lang": "lang", "place": PLACE_FIELD, "country": "country"}


def tallied(
    s: Any,
    selected: Collection[int],
    kinds: tuple[str, ...],
    held: Callable[[str], Postings | None],
    columns: Columns | None = None,
) -> dict[str, dict[str, int]]:
    """The selected documents counted by each of `kinds`: by day from the date columns,
    by outlet, language, place and country from their fields' terms (each term's
    documents as `held` keeps them for the commit)."""
    out: dict[str, dict[str, int]] = {}
    from conflictcli.engine.whoosh.fast.postings import Chosen

    chosen = Chosen(selected, s.reader().doc_count_all())
    for kind in kinds:
        if kind == "day":
            days = day_counts(s, selected, columns)
            out[kind] = {d.isoformat(): n for d, n in days.items()}
            continue
        name = TALLIED.get(kind)
        if name is None:
            raise ValueError(f"no tally by {kind!r}")
        out[kind] = facet_counts(s, name, selected, functools.partial(held, name), chosen)
    return out


class Selections:
    """The documents the last request selected, for the commit they were found in: a
    page that searches and then counts the same request (the reading room's results and
    facets) runs its query once. Only the last is kept, so nothing outlives the page
    that asked for it by more than one request."""

    def __init__(self) -> None:
        self._last: tuple[object, Collection[int], list[str]] | None = None

    def get(self, s: Any, req: SearchRequest) -> tuple[Collection[int], list[str]] | None:
        last, key = self._last, _selection_key(s, req)
        if last is None or key is None or last[0] != key:
            return None
        return last[1], list(last[2])

    def put(self, s: Any, req: SearchRequest, selected: Collection[int], notes: list[str]) -> None:
        """`selected`: the documents (a set, or the search's scores: kept, not copied)."""
        key = _selection_key(s, req)
        self._last = None if key is None else (key, selected, list(notes))


def _selection_key(s: Any, req: SearchRequest) -> object:
    """The request as far as it selects documents (not its page or order), in these
    segments with this many live documents (a commit that only deletes changes it)."""
    segments = segments_of(s)
    if segments is None:
        return None
    asked = replace(
        req, sort=Sort.relevance, limit=0, offset=0, collapse=False, partial=False, notes=()
    )
    return segments, s.doc_count(), asked


def matched_words(q: Query, reader: Any) -> set[str]:
    """The query's own words, and what its wildcards and fuzzy terms expand to."""
    terms = [*q.all_terms(), *q.existing_terms(reader, expand=True)]
    return {term_text(term) for fieldname, term in terms if fieldname in DEFAULT_FIELDS}
