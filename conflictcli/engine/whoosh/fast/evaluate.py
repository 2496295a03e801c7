"""Every document a query matches, with the score Whoosh gives it, a term at a time.

Whoosh walks a tree of matchers a document at a time, in Python: for each match every
node of the tree is asked for its id, its score and the next id (10–20 µs a node). To
count exactly and rank exactly, `conflict search` cannot let it skip (see index._collect),
so a query matching 40,000 of 100,000 articles cost a second. Here the same query is
evaluated the other way round: each term's postings are read a block at a time (arrays
of ids and weights), scored with BM25F in one pass, and the nodes of the query combine
whole score tables (intersection, union, exclusion).

Scores are Whoosh's own: the same BM25F formula with the same statistics, the same
field lengths, boosts applied as its wrapping matchers apply them, and sums taken in
the order its matcher trees add them (the same trees, built by Whoosh's own functions
from the same size estimates). tests/test_evaluate.py holds every total, order and score
to Whoosh's collector on real articles.

What this module does not know (phrases, wildcards, fuzzy terms, ranges, the
coordination bonus of --any) it hands to Whoosh's matcher for that part of the tree
alone and reads its matches and scores, so any query gives Whoosh's answer.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.query.compound import Or
from whoosh.scoring import BM25FScorer
from whoosh.util import make_weighted_tree

from conflictcli.engine.whoosh.analysers import PackedPositions
from conflictcli.engine.whoosh.fast import upstream
from conflictcli.engine.whoosh.loading import fast_paths
from conflictcli.engine.whoosh.translate import Spellings

Scores = dict[int, float]  # document number in its segment -> score


@dataclass
class _Node:
    """One node of the query, evaluated on one segment."""

    kind: str  # term | all | any | andnot | not | whoosh
    docs: Scores
    kids: list[_Node] = field(default_factory=list)
    term: tuple[str, bytes] | None = None  # kind term
    query: Any = None  # kind whoosh: the part Whoosh matched
    excluded: set[int] | None = None  # kind not, before it is made whole


@dataclass
class _Segment:
    """One segment of the index, as the evaluation walks it."""

    searcher: Any  # Whoosh's searcher of this segment
    offset: int  # its first document's number in the whole index
    root: _Node


@dataclass
class Found:
    """Every match of a query: global document number -> score."""

    scores: Scores
    _segments: list[_Segment]

    def terms_of(self, docnums: Iterable[int]) -> dict[int, set[tuple[str, bytes]]]:
        """The (field, term) pairs each matching document was found by: the terms of
        the query's positive parts (not under a NOT) that the document holds, where
        every part above them matched it too. (Whoosh's TermsCollector asks every term's
        matcher whether it rests on the document, which also names a word of a part
        that did not match, such as title:deal for "grain deal" in a title without the
        phrase, and misses one whose matcher moved past.)"""
        out: dict[int, set[tuple[str, bytes]]] = {}
        wanted = sorted(set(docnums))
        for seg in reversed(self._segments):
            here = [d - seg.offset for d in wanted if d >= seg.offset]
            wanted = wanted[: len(wanted) - len(here)]
            found: dict[int, set[tuple[str, bytes]]] = {d: set() for d in here}
            _terms_in(seg, seg.root, here, found, {})
            out.update((d + seg.offset, terms) for d, terms in found.items())
        return out


KEPT_LENGTHS = "conflict_lengths"  # a searcher's attribute: the lengths its index's owner keeps
KEEP_LENGTHS = 64  # (segment, field) pairs


def _lengths_of(reader: Any, fieldname: str, kept: dict[Any, Any] | None) -> list[int] | None:
    """A segment's field lengths, kept across queries where the searcher brings a place
    to keep them (the engine's, for its one index): a segment never changes once
    written (a deletion leaves its lengths as they were), so its id and size name them."""
    try:
        key = (reader.segment().segment_id(), reader.doc_count_all(), fieldname, fast_paths())
    except AttributeError:  # not a segment's reader
        kept = None
    if kept is None:
        return upstream.lengths(reader, fieldname)
    if key not in kept:
        if len(kept) >= KEEP_LENGTHS:
            kept.pop(next(iter(kept)))
        kept[key] = upstream.lengths(reader, fieldname)
    return kept[key]


def evaluate(searcher: Any, q: Any) -> Found:
    """Every document `q` matches in `searcher`'s index, scored as Whoosh would score it
    with the searcher's weighting (BM25F)."""
    scores: Scores = {}
    segments = []
    scorers: dict[tuple[str, bytes], Any] = {}  # the same in every segment (see _scorer)
    for sub, offset in searcher.leaf_searchers():
        root = _whole(_Evaluator(sub, searcher, scorers).node(q), sub)
        segments.append(_Segment(sub, offset, root))
        if offset:
            scores.update({d + offset: s for d, s in root.docs.items()})
        else:
            scores.update(root.docs)
    return Found(scores, segments)


class _Evaluator:
    def __init__(self, sub: Any, top: Any, scorers: dict[tuple[str, bytes], Any]) -> None:
        self.sub = sub
        self.reader = sub.reader()
        self.weighting = top.weighting
        self._scorers = scorers
        # what `conflict search` has always given the matchers: its TermsCollector asks
        # for the current match, and some matchers (ranges, Or) are built otherwise
        self.context = sub.context(needs_current=True)
        self._lengths: dict[str, list[int] | None] = {}  # field -> lengths, read once
        self._kept = getattr(top, KEPT_LENGTHS, None)

    def _scorer(self, fieldname: str, text: bytes) -> Any:
        """The weighting's scorer of a term. Its figures (the term's rarity and the
        field's average length) are the whole index's, the same in every segment: made
        once a search, not once a segment (each asks every segment for the term's
        document frequency: a search of 10 segments read 10 times 10 of them a term).
        Only those figures are read from it here; Whoosh's own matchers make their own."""
        key = (fieldname, text)
        scorer = self._scorers.get(key)
        if scorer is None:
            scorer = self._scorers[key] = self.weighting.scorer(self.sub, fieldname, text)
        return scorer

    def node(self, q: Any) -> _Node:
        kind = type(q)
        if kind is wq.Term:
            return self.term(q)
        if kind is wq.And:
            return self.compound(q, _intersect)
        if kind is Spellings:
            return self.spellings(q)
        if kind is Or and not q.scale:
            return self.compound(q, _unite)
        if kind is wq.AndNot:
            a, b = self.node(q.a), self.node(q.b)
            b = _whole(b, self.sub)
            docs = {d: s for d, s in _whole(a, self.sub).docs.items() if d not in b.docs}
            return _Node("andnot", docs, [a, b])
        if kind is wq.Not:
            child = _whole(self.node(q.query), self.sub)
            return _Node("not", {}, [child], excluded=set(child.docs))
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return _Node("any", {})
        if kind is wq.Phrase and q.slop == 1:
            return self.phrase(q)
        return self.whoosh(q)

    def phrase(self, q: Any) -> _Node:
        """A phrase: the documents that hold its words one after another, scored as
        Whoosh's matcher scores it (SpanNear2 over an intersection of the words: their
        scores added in the tree make_binary_tree builds, times the phrase's boost). The
        positions of the candidates are compared as whole arrays, where Whoosh steps
        through spans one document at a time (a place's spellings: 27 s -> 1 s)."""
        fieldname, reader = q.fieldname, self.reader
        if fieldname not in reader.schema:
            return self.whoosh(q)
        field = reader.schema[fieldname]
        if not isinstance(field.format, PackedPositions):
            return self.whoosh(q)
        try:
            words = [field.to_bytes(w) for w in q.words]
        except ValueError:
            return _Node("phrase", {})
        if any((fieldname, w) not in reader for w in words):
            return _Node("phrase", {})  # Whoosh's shortcut: a word the index lacks
        kids = [self.term(wq.Term(fieldname, w)) for w in words]
        if any(k.kind != "term" or k.term is None for k in kids):
            return self.whoosh(q)
        both = set(kids[0].docs)
        for k in kids[1:]:
            both.intersection_update(k.docs)
        found = phrase_docs(reader, fieldname, field.format, words, both)
        boost = q.boost
        docs = {d: _tree_sum([k.docs[d] for k in kids]) * boost for d in found}
        return _Node("phrase", docs, kids)

    def term(self, q: Any) -> _Node:
        fieldname, reader = q.fieldname, self.reader
        if fieldname not in reader.schema:
            return _Node("term", {})
        try:
            text = reader.schema[fieldname].to_bytes(q.text)
        except ValueError:
            return _Node("term", {})
        if (fieldname, text) not in reader:
            return _Node("term", {}, term=(fieldname, text))
        scorer = self._scorer(fieldname, text)
        if type(scorer) is BM25FScorer and fieldname not in self._lengths:
            self._lengths[fieldname] = _lengths_of(reader, fieldname, self._kept)
        lengths = self._lengths.get(fieldname)
        if type(scorer) is not BM25FScorer or lengths is None:
            return self.whoosh(q, term=(fieldname, text))
        ids, weights = upstream.postings(reader.postings(fieldname, text))
        # bm25() of whoosh.scoring, inlined: the same operations in the same order
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        k1_1, one_b = k1 + 1, 1 - b
        docs = {
            d: idf * ((w * k1_1) / (w + k1 * (one_b + b * lengths[d] / avgfl)))
            for d, w in zip(ids, weights, strict=True)
        }
        if q.boost != 1.0:  # Whoosh's WrappingMatcher
            boost = q.boost
            docs = {d: s * boost for d, s in docs.items()}
        return _Node("term", docs, term=(fieldname, text))

    def spellings(self, q: Any) -> _Node:
        """Every spelling of one name in one field, scored as one word (as Lucene's
        SynonymQuery does): a document's frequency is the sum of its spellings', and
        the rarity (idf) that of the most frequent spelling. Scored as an Or, a rare
        spelling would weigh more than the usual one, and an article that writes the
        name two ways would count it twice. A phrase among the spellings adds its own
        score. Each spelling's postings are read once."""
        reader, kids = self.reader, []
        tf: dict[int, float] = {}
        scorers = []
        fieldname, boost = "", 1.0
        for t in (c for c in q.subqueries if type(c) is wq.Term):
            fieldname, boost = t.fieldname, t.boost
            try:
                text = reader.schema[fieldname].to_bytes(t.text)
            except (KeyError, ValueError):
                continue
            if (fieldname, text) not in reader:
                kids.append(_Node("term", {}, term=(fieldname, text)))
                continue
            scorer = self._scorer(fieldname, text)
            if type(scorer) is not BM25FScorer:
                return self.compound(q, _unite)  # another weighting: an Or, as Whoosh scores it
            scorers.append(scorer)
            ids, weights = upstream.postings(reader.postings(fieldname, text))
            for d, w in zip(ids, weights, strict=True):
                tf[d] = tf.get(d, 0.0) + w
            kids.append(_Node("term", dict.fromkeys(ids, 0.0), term=(fieldname, text)))
        docs: Scores = {}
        if scorers:
            if fieldname not in self._lengths:
                self._lengths[fieldname] = _lengths_of(reader, fieldname, self._kept)
            lengths = self._lengths[fieldname]
            if lengths is None:
                return self.compound(q, _unite)
            first = scorers[0]
            idf, avgfl, b, k1 = min(s.idf for s in scorers), first.avgfl, first.B, first.K1
            k1_1, one_b = k1 + 1, 1 - b
            docs = {
                d: boost * idf * ((w * k1_1) / (w + k1 * (one_b + b * lengths[d] / avgfl)))
                for d, w in tf.items()
            }
        for other in (c for c in q.subqueries if type(c) is not wq.Term):
            kid = _whole(self.node(other), self.sub)
            kids.append(kid)
            for d, x in kid.docs.items():
                docs[d] = docs.get(d, 0.0) + x
        return _Node("any", docs, kids)

    def compound(self, q: Any, combine: Any) -> _Node:
        subs = q.subqueries
        if not subs:
            return _Node("any", {})
        if len(subs) == 1:  # Whoosh uses the one part's matcher as it is, boost and all
            return self.node(subs[0])
        kids = [self.node(s) for s in subs]
        reader = self.reader
        if combine is _unite and not _tree_or(q):
            return _preloaded_or(kids, q.boost, self.sub)
        sign = -1 if combine is _intersect else 1
        weighted = [(sign * s.estimate_size(reader), i) for i, s in enumerate(subs)]
        # Whoosh's own tree builder, on parts instead of matchers
        tree = make_weighted_tree(_Pair, [(w, _Part(i)) for w, i in weighted])
        node = _fold(tree, kids, combine, self.sub)
        if q.boost != 1.0:
            boost = q.boost
            node = _Node(node.kind, {d: s * boost for d, s in node.docs.items()}, node.kids)
        node.kids = kids
        return node

    def whoosh(self, q: Any, term: tuple[str, bytes] | None = None) -> _Node:
        """The part of the query this module does not evaluate: Whoosh's matcher."""
        m = q.matcher(self.sub, self.context)
        docs: Scores = {}
        while m.is_active():
            docs[m.id()] = m.score()
            m.next()
        return _Node("term" if term else "whoosh", docs, term=term, query=q)


def _tree_or(q: Any) -> bool:
    """Whether Whoosh matches this Or with a tree of union matchers (DefaultOr) rather
    than by adding up scores in an array (PreloadedOr): Or._matcher's own test, where
    the current match is always needed."""
    return len(q.subqueries) < q.TOO_MANY_CLAUSES


def _preloaded_or(kids: list[_Node], boost: float, sub: Any) -> _Node:
    docs: Scores = {}
    for kid in kids:  # ArrayUnionMatcher: a[d] += score * boost, one part after another
        for d, s in _whole(kid, sub).docs.items():
            docs[d] = docs.get(d, 0.0) + s * boost
    return _Node("any", docs, kids)


class _Part:
    """A place in Whoosh's tree of matchers. Of two parts of equal weight, Whoosh's
    sort asks whether one matcher is less than the other, and a matcher says yes to
    any matcher of its class: so does a part (the sum can differ in the last bit of a
    float where the classes differ)."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __lt__(self, other: object) -> bool:
        return True


class _Pair(_Part):
    def __init__(self, a: _Part, b: _Part) -> None:
        self.a, self.b = a, b


def _fold(tree: _Part, kids: list[_Node], combine: Any, sub: Any) -> _Node:
    if isinstance(tree, _Pair):
        return combine(_fold(tree.a, kids, combine, sub), _fold(tree.b, kids, combine, sub), sub)
    return kids[tree.index]


def _intersect(a: _Node, b: _Node, sub: Any) -> _Node:
    # IntersectionMatcher: a.score() + b.score(). A Not part matches every document
    # outside it with a score of 1.0 (InverseMatcher), so it is applied as an exclusion
    # rather than made whole.
    if a.kind == "not" and b.kind != "not":
        a, b = b, a
    if b.kind == "not" and a.kind != "not":
        excluded, deleted = b.excluded or set(), _deleted(sub)
        docs = {d: s + 1.0 for d, s in a.docs.items() if d not in excluded and d not in deleted}
        return _Node("all", docs)
    a, b = _whole(a, sub), _whole(b, sub)
    # the smaller table is walked; a float sum is the same in either order
    small, large = (a.docs, b.docs) if len(a.docs) <= len(b.docs) else (b.docs, a.docs)
    return _Node("all", {d: s + large[d] for d, s in small.items() if d in large})


def _unite(a: _Node, b: _Node, sub: Any) -> _Node:
    # UnionMatcher: a.score() + b.score() where both match, else the one that does
    a, b = _whole(a, sub), _whole(b, sub)
    docs = dict(a.docs)
    for d, s in b.docs.items():
        docs[d] = docs[d] + s if d in docs else s
    return _Node("any", docs)


def _whole(node: _Node, sub: Any) -> _Node:
    """A Not part made into what it matches: every live document outside it, 1.0 each."""
    if node.kind != "not" or node.docs:
        return node
    excluded, deleted = node.excluded or set(), _deleted(sub)
    docs = {d: 1.0 for d in range(sub.doc_count_all()) if d not in excluded and d not in deleted}
    return _Node("not", docs, node.kids, excluded=node.excluded)


def _deleted(sub: Any) -> set[int]:
    reader = sub.reader()
    return set(reader.deleted_docs_set) if reader.has_deletions() else set()


def by_score(item: tuple[int, float]) -> tuple[float, int]:
    """The order of matches by relevance: by score, a tie to the lower document number
    (as Whoosh's collectors order them; index._ranked and nearness both use it)."""
    return item[1], -item[0]


def _tree_sum(scores: list[float]) -> float:
    """The sum of the scores in the order of make_binary_tree's matchers."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


def _terms_in(
    seg: _Segment,
    node: _Node,
    docs: list[int],
    out: dict[int, set[tuple[str, bytes]]],
    cursors: dict[tuple[Any, ...], Any],
) -> None:
    """Add to out[d] the terms of `node` that document d (of `docs`, in ascending order)
    was found by: the query tree is walked once for the whole page, each node keeping
    the documents it matched."""
    if node.kind == "not":
        return
    matched = node.docs
    docs = [d for d in docs if d in matched]
    if not docs:
        return
    if node.kind == "term" and node.term:
        for d in docs:
            out[d].add(node.term)
    elif node.kind == "phrase":  # a document that holds the phrase holds each word
        words = [k.term for k in node.kids if k.term]
        for d in docs:
            out[d].update(words)
    elif node.kind == "whoosh":
        for d in docs:
            out[d].update(_whoosh_terms(seg, node, d, cursors))
    elif node.kind == "andnot":
        _terms_in(seg, node.kids[0], docs, out, cursors)
    else:
        for kid in node.kids:
            _terms_in(seg, kid, docs, out, cursors)


def _whoosh_terms(
    seg: _Segment, node: _Node, d: int, cursors: dict[tuple[Any, ...], Any]
) -> Iterator[tuple[str, bytes]]:
    """The words of a part Whoosh matched that the document holds: the part's terms
    (its wildcards expanded) outside any NOT, each looked up in its postings. Documents
    come in ascending order, so one postings reader per part and term moves forward."""
    reader = seg.searcher.reader()
    terms = cursors.get(("terms", id(seg), id(node)))
    if terms is None:
        terms = cursors["terms", id(seg), id(node)] = _positive_terms(node.query, reader)
    for term in terms:
        key = ("postings", id(seg), id(node), term)  # each part reads the page in order
        m = cursors.get(key)
        if m is None:
            m = cursors[key] = reader.postings(*term)
        if m.is_active() and m.id() < d:
            m.skip_to(d)
        if m.is_active() and m.id() == d:
            yield term


def _positive_terms(q: Any, reader: Any) -> set[tuple[str, bytes]]:
    if isinstance(q, wq.Not):
        return set()
    if isinstance(q, wq.AndNot):
        return _positive_terms(q.a, reader)
    if q.is_leaf():
        return set(q.existing_terms(reader, phrases=True, expand=True))
    return set().union(*(_positive_terms(kid, reader) for kid in q.children()))


def phrase_docs(
    reader: Any, fieldname: str, format_: PackedPositions, words: list[bytes], docs: set[int]
) -> list[int]:
    """Of `docs` (each holds every word), those where the words stand one after another:
    a start p with word i at p + i for every i."""
    if not docs:
        return []
    decode = format_.decode_positions
    positions = [upstream.positions(reader.postings(fieldname, w), docs, decode) for w in words]
    found = []
    for d in sorted(docs):
        starts = set(positions[0][d])
        for i, at in enumerate(positions[1:], 1):
            starts.intersection_update([p - i for p in at[d]])
            if not starts:
                break
        if starts:
            found.append(d)
    return found
