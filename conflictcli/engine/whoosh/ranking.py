"""How matches are ranked: the weighting the searcher scores with, and the weights of
the fields. bench/relevance.py measures what each choice here does (the TIME test
collection, and known-item searches on the real corpora); README's *Relevance* gives
the figures behind each choice.

The score is Whoosh's BM25F (each field's term frequency saturated and normalised by
that field's length, k1 = 1.2, b = 0.75, the parts added up), with one change: a word's
rarity (idf) is Lucene's, log(1 + (N - n + 0.5) / (n + 0.5)), over the articles that
hold the word in any text field (Whoosh's own is log(N / (n + 1)) + 1, per field).

- Whoosh's "+ 1" flattens rarity: a word in half the articles weighs 1.7 against 7.9
  for a word in one article of a thousand, where Lucene's gives 0.7 against 6.9. A
  pasted question's common words then outweigh its rare ones.
- Per field, a word is rare in titles however common in articles: a country or a
  section word in a title (SYRIA, ISRAEL) outweighed the question's other words.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from whoosh.scoring import BM25F

TEXT_FIELDS = ("title", "body")  # one rarity per word across these
# The title weighs as the body: a heavier title ranked worse on both yardsticks
FIELD_BOOSTS = {"title": 1.0, "body": 1.0}


class NewsBM25F(BM25F):
    """Whoosh's BM25F with Lucene's idf, over the articles that hold the word in any of
    TEXT_FIELDS (its document frequency there: the larger of the fields', as a word of
    a title is nearly always in the body too)."""

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        fields = TEXT_FIELDS if fieldname in TEXT_FIELDS else (fieldname,)
        n = max(parent.doc_frequency(f, text) for f in fields if f in parent.schema)
        total = parent.doc_count_all()  # as Whoosh: deleted documents count in both
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


WEIGHTING = NewsBM25F()


# -- proximity -----------------------------------------------------------------------
# The query's words found close together in the body add to the score of the best
# PROXIMITY_DEPTH matches (the rest keep theirs). As the bonus is never negative, the
# whole list stays in score order: a boosted match only moves up among the first
# PROXIMITY_DEPTH, whose scores were all at least any later match's. Counts, filters
# and the other orders are untouched. On TIME: MAP 0.629 -> 0.634, nDCG@10 0.696 ->
# 0.702; weights 0.25 to 0.5 and windows of 3 to 10 words all gave +0.003 to +0.006,
# and a weight of 1 lost (0.626). Known-item MRR (--any) 0.645 -> 0.675.
PROXIMITY_DEPTH = 100  # the matches reranked
PROXIMITY_WINDOW = 5  # words apart at most
PROXIMITY_WEIGHT = 0.25


def proximity(positions: list[tuple[float, list[int]]]) -> float:
    """The bonus of one article, from each query word's rarity and its positions in the
    body (the words it does not hold left out): for every pair of words, the nearness
    of their occurrences, acc = sum of 1 / distance over pairs of occurrences at most
    PROXIMITY_WINDOW apart, saturated as acc / (acc + 1) and weighted by the idf of
    the commoner of the two words (the smaller idf)."""
    bonus = 0.0
    window = PROXIMITY_WINDOW
    for i, (idf_a, at_a) in enumerate(positions):
        for idf_b, at_b in positions[i + 1 :]:
            acc = 0.0
            for p in at_a:
                lo = bisect.bisect_left(at_b, p - window)
                hi = bisect.bisect_right(at_b, p + window, lo)
                for q in at_b[lo:hi]:
                    if q != p:
                        acc += 1 / abs(q - p)
            if acc:
                bonus += min(idf_a, idf_b) * acc / (acc + 1)
    return PROXIMITY_WEIGHT * bonus
