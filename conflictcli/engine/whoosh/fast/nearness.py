"""Two readings of positions: how close the query's words stand in each match (the
proximity bonus of ranking.py), and which articles write a place's spellings (the
places facet), each word's postings read once."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import heapq
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from conflictcli.engine.whoosh import ranking
from conflictcli.engine.whoosh.analysers import PackedPositions
from conflictcli.engine.whoosh.fast import upstream
from conflictcli.engine.whoosh.fast.evaluate import Scores, by_score, phrase_docs
from conflictcli.engine.whoosh.translate import Spellings


@dataclass
class Mentions:
    """The documents that hold any of some words or phrases (in the given fields), with
    no scores: what a facet counts. Each word's postings are read once per searcher,
    however many lists of forms name it."""

    def __init__(self, searcher: Any, fields: tuple[str, ...]) -> None:
        self._segments = list(searcher.leaf_searchers())
        self._fields = fields
        self._ids: dict[tuple[int, str, bytes], frozenset[int]] = {}

    def docs(self, forms: list[tuple[str, ...]]) -> set[int]:
        found: set[int] = set()
        for n, (sub, offset) in enumerate(self._segments):
            reader = sub.reader()
            here: set[int] = set()
            for fieldname in self._fields:
                field = reader.schema[fieldname]
                for form in forms:
                    try:
                        words = [field.to_bytes(w) for w in form]
                    except ValueError:
                        continue
                    held = [self._held(n, reader, fieldname, w) for w in words]
                    if len(held) == 1:
                        here.update(held[0])
                        continue
                    both = set(held[0]).intersection(*held[1:])
                    both.difference_update(here)  # already found: no need to look
                    if both:
                        here.update(phrase_docs(reader, fieldname, field.format, words, both))
            found.update(d + offset for d in here)
        return found

    def _held(self, n: int, reader: Any, fieldname: str, word: bytes) -> frozenset[int]:
        key = (n, fieldname, word)
        ids = self._ids.get(key)
        if ids is None:
            has = (fieldname, word) in reader
            ids = (
                frozenset(upstream.postings(reader.postings(fieldname, word))[0])
                if has
                else frozenset()
            )
            self._ids[key] = ids
        return ids


def nearness(searcher: Any, q: Any, scores: Scores) -> Scores:
    """`scores` with ranking.proximity's bonus added to the best ranking.PROXIMITY_DEPTH
    (a new table; the rest as they were): the query's words, each name with all its
    spellings as one word, read from the body's positions of those articles only."""
    groups = _word_groups(q)
    if len(groups) < 2 or not scores:
        return scores
    top = heapq.nlargest(ranking.PROXIMITY_DEPTH, scores.items(), key=by_score)
    wanted = sorted(d for d, _ in top)
    idf: dict[bytes, float] = {}
    positions: dict[int, list[tuple[float, list[int]]]] = {d: [] for d in wanted}
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        here = {d - offset for d in wanted if offset <= d < end}
        reader = sub.reader()
        if not here or "body" not in reader.schema:
            continue
        field = reader.schema["body"]
        if not isinstance(field.format, PackedPositions):
            continue
        for group in groups:
            at: dict[int, list[int]] = {}
            weights = []
            for word in group:
                if word not in idf:
                    idf[word] = ranking.WEIGHTING.idf(searcher, "body", word)
                weights.append(idf[word])
                if ("body", word) in reader:
                    m = reader.postings("body", word)
                    for d, ps in upstream.positions_of_few(
                        m, here, field.format.decode_positions
                    ).items():
                        at[d] = sorted(at[d] + ps) if d in at else ps
            for d, ps in at.items():
                positions[d + offset].append((min(weights), ps))
    out = dict(scores)
    for d, held in positions.items():
        if len(held) > 1:
            out[d] = scores[d] + ranking.proximity(held)
    return out


def _word_groups(q: Any) -> list[tuple[bytes, ...]]:
    """The words the query looks for in the body, outside any NOT: each a tuple of its
    spellings (one for a plain word), in the order of the query."""
    groups: list[tuple[bytes, ...]] = []

    def walk(node: Any) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, Spellings):
            words = tuple(
                _bytes(t.text)
                for t in node.subqueries
                if type(t) is wq.Term and t.fieldname == "body"
            )
            if words and words not in groups:
                groups.append(words)
            return
        if type(node) is wq.Term:
            if node.fieldname == "body" and (word := (_bytes(node.text),)) not in groups:
                groups.append(word)
            return
        if isinstance(node, wq.CompoundQuery):
            for kid in node.subqueries:
                walk(kid)

    walk(q)
    return groups


def _bytes(text: bytes | str) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")
