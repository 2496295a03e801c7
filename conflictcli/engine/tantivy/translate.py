"""The query tree (query/tree.py) as tantivy's Query objects, built part by part: a
query is never given to tantivy as a string (its parser reads `a AND NOT b` otherwise
than ours). Wildcards and fuzzy words with a fixed prefix are expanded here, against
the index's words, so that they stand for the same words as on the Whoosh engine."""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import re
from dataclasses import dataclass, field
from typing import Any

import tantivy

from conflictcli.engine.tantivy.documents import TEXT_FIELDS, seconds
from conflictcli.engine.terms import within
from conflictcli.errors import QueryError
from conflictcli.query import tree as t

Q = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
MAX_EXPANSION = 1_000  # words of the index a wildcard or fuzzy word may stand for
WORD_FIELDS = ("id", "title", "body", "source", "outlet", "place", "country", "lang")


@dataclass
class Context:
    """What translating a tree needs of the index: its schema and a searcher (for the
    words of the index and their frequencies), and what it found on the way."""

    schema: Any
    searcher: Any
    text: str  # the query as typed, for messages
    words: set[tuple[str, str]] = field(default_factory=set)  # (field, term) looked for
    rarity: float | None = None  # within a name's spellings: the rarity each scores with
    in_name: bool = False
    _docs: int = 0

    def idf(self, name: str, term: str) -> float:
        n = self.searcher.doc_freq(name, term)
        if not self._docs:
            self._docs = max(int(self.searcher.num_docs), 1)
        total = self._docs
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def query_of(q: t.Part, cx: Context, positive: bool = True) -> Any:
    """The tantivy query that means what the tree `q` means."""
    if isinstance(q, t.Not):
        inner = query_of(q.part, cx, not positive)
        return Q.boolean_query([(MUST, Q.all_query()), (MUST_NOT, inner)])
    if isinstance(q, (t.All, t.Any, t.Spellings)):
        return _group(q, cx, positive)
    if isinstance(q, t.Every):
        return Q.all_query()
    if isinstance(q, t.Dates):
        return dates(cx.schema, q.first, q.last)
    made = _leaf(q, cx, positive)
    return made if q.boost == 1.0 else Q.boost_query(made, q.boost)


def _group(q: t.All | t.Any | t.Spellings, cx: Context, positive: bool) -> Any:
    if isinstance(q, t.Spellings) and not cx.in_name:
        terms = [p.text for p in q.parts if isinstance(p, t.Term)]
        held = [x for w in terms if (x := cx.idf("body", w)) < cx.idf("body", "\x00")]
        cx.in_name, cx.rarity = True, min(held) if held else None  # the commonest's, for all
        try:
            return _group(q, cx, positive)
        finally:
            cx.in_name, cx.rarity = False, None
    if isinstance(q, t.All):
        clauses = []
        for part in q.parts:
            if isinstance(part, t.Not):  # a and not b: b excluded from a's matches
                clauses.append((MUST_NOT, query_of(part.part, cx, not positive)))
            else:
                clauses.append((MUST, query_of(part, cx, positive)))
        if all(occur is MUST_NOT for occur, _ in clauses):
            clauses.append((MUST, Q.all_query()))
    else:
        clauses = [(SHOULD, query_of(part, cx, positive)) for part in q.parts]
    made = Q.boolean_query(clauses) if clauses else Q.empty_query()
    return made if q.boost == 1.0 else Q.boost_query(made, q.boost)


def _leaf(q: t.Leaf, cx: Context, positive: bool) -> Any:
    name = q.field or "body"
    if name not in WORD_FIELDS:  # date is read as Dates; story, key, undated hold no words
        return Q.empty_query()
    if isinstance(q, t.Term):
        if positive:
            cx.words.add((name, q.text))
        return _term(q.text, name, cx)
    if isinstance(q, t.Phrase):
        if positive:
            cx.words.update((name, w) for w in q.words)
        return _phrase(cx, name, q.words, q.slop)
    if isinstance(q, t.Range):
        return _terms_query(cx, name, _in_range(cx, name, q), constant=True)
    if isinstance(q, t.Fuzzy) and q.prefix == 0:
        if positive:
            cx.words.update((name, w) for w in fuzzy_words(cx, name, q, q.text[:1]))
        return Q.fuzzy_term_query(
            cx.schema, name, q.text, distance=q.maxdist, transposition_cost_one=False
        )
    assert isinstance(q, (t.Pattern, t.Fuzzy))
    words = _expanded(cx, name, q)
    if positive:
        cx.words.update((name, w) for w in words)
    return _terms_query(cx, name, words, constant=True)


MAX_PHRASE_FORMS = 64  # in-order forms of a sloppy phrase spelled out, at most


def _phrase(cx: Context, name: str, words: tuple[str, ...], slop: int) -> Any:
    """The words in this order, each 1 to `slop` positions after the one before, as
    Whoosh's Phrase: tantivy's own slop lets the words come in any order, so each
    in-order spacing is a phrase of its own (beyond MAX_PHRASE_FORMS, tantivy's slop)."""
    if slop <= 1:
        return Q.phrase_query(cx.schema, name, list(words))
    if slop ** (len(words) - 1) > MAX_PHRASE_FORMS:
        return Q.phrase_query(cx.schema, name, list(words), slop=slop - 1)
    spacings: list[list[int]] = [[0]]
    for _ in words[1:]:
        spacings = [[*f, f[-1] + gap] for f in spacings for gap in range(1, slop + 1)]
    phrases = [
        Q.phrase_query(cx.schema, name, [(at, w) for at, w in zip(f, words, strict=True)])
        for f in spacings
    ]
    return Q.boolean_query([(SHOULD, ph) for ph in phrases])


def _term(text: str, name: str, cx: Context) -> Any:
    """A word, scored as the Whoosh engine scores it: one rarity (idf) over the title and
    the body (the larger document frequency of the two), not the title's own; a
    spelling of a name with the rarity of the name's commonest spelling (cx.rarity),
    so that a rare spelling does not outweigh the name written the usual way."""
    made = Q.term_query(cx.schema, name, text, index_option="freq")
    if name not in TEXT_FIELDS:
        return made
    own = cx.idf(name, text)
    shared = min(own, cx.idf("body", text)) if cx.rarity is None else cx.rarity
    if own > 0 and shared != own:
        return Q.boost_query(made, shared / own)
    return made


def _terms_query(cx: Context, name: str, words: list[str], constant: bool) -> Any:
    if not words:
        return Q.empty_query()
    made = Q.term_set_query(cx.schema, name, words)
    return Q.const_score_query(made, 1.0) if constant else made


def _expanded(cx: Context, name: str, q: t.Pattern | t.Fuzzy) -> list[str]:
    if isinstance(q, t.Pattern):
        start = re.split(r"[*?]", q.text, maxsplit=1)[0]
        match = re.compile(fnmatch.translate(q.text)).match
        words = [w for w, _ in _prefixed(cx, name, start) if match(w)]
    else:
        words = fuzzy_words(cx, name, q, q.text[: q.prefix])
    if len(words) > MAX_EXPANSION:
        shown = f"{q.text}~" if isinstance(q, t.Fuzzy) else q.text
        raise QueryError(
            f"{shown!r} in the query {cx.text!r} matches more than "
            f"{MAX_EXPANSION:,} different words in the archive.",
            "Give more letters before a * or ?, or search for the words themselves.",
        )
    return words


def _prefixed(cx: Context, name: str, start: str) -> list[tuple[str, int]]:
    return list(cx.searcher.terms_with_prefix(name, start))


def fuzzy_words(cx: Context, name: str, q: t.Fuzzy, start: str) -> list[str]:
    """The index's words that start with `start` and are at most q.maxdist edits from
    q.text (Levenshtein, as Whoosh's FuzzyTerm)."""
    return [w for w, _ in _prefixed(cx, name, start) if within(q.text, w, q.maxdist)]


def _in_range(cx: Context, name: str, q: t.Range) -> list[str]:
    """The index's words of `name` in the range (compared as text, as Whoosh's TermRange)."""
    out = []
    for w, _ in _prefixed(cx, name, ""):
        if q.start is not None and (w < q.start or (q.start_excluded and w == q.start)):
            continue
        if q.end is not None and (w > q.end or (q.end_excluded and w == q.end)):
            continue
        out.append(w)
    return out


def dates(schema: Any, first: dt.date | None, last: dt.date | None) -> Any:
    """The articles dated from `first` to `last` (whole days; a moment as it is)."""
    if first is None and last is None:
        return Q.term_query(schema, "undated", 0)
    low = seconds(_moment(first, dt.time.min)) if first else None
    high = seconds(_moment(last, dt.time.max)) if last else None
    return Q.range_query(schema, "date", tantivy.FieldType.Integer, low, high)


def _moment(day: dt.date, clock: dt.time) -> dt.datetime:
    return day if isinstance(day, dt.datetime) else dt.datetime.combine(day, clock)


def text_terms(words: set[tuple[str, str]]) -> tuple[frozenset[str], frozenset[str]]:
    """Of the (field, term) pairs looked for: the body's terms, and the title's and body's."""
    return (
        frozenset(w for f, w in words if f == "body"),
        frozenset(w for f, w in words if f in TEXT_FIELDS),
    )
