"""An article's title or body as the terms our analysis makes of it, in order, for an
engine that is given our terms rather than its own analysis (tantivy, PostgreSQL):
lower case, accents folded, stop words out, stemmed by language (analysis.py), and the
letter-digit names joined from two parts (Su-34 -> su34) with the term each stands
beside."""

from __future__ import annotations

from typing import NamedTuple

from conflictcli.analysis import Scanned, kept, stem


class Text(NamedTuple):
    """A text field's terms, space-separated, and the names joined from two parts with
    the position each stands at (none: the terms go in as a string)."""

    terms: str
    joined: tuple[tuple[str, int], ...] = ()


def text_of(scanned: Scanned) -> Text:
    """A text's terms as the index takes them (analysis.term_positions, in order)."""
    words, joins = scanned
    keep = kept(words)
    if not keep:
        return Text("")
    terms = stem([words[n] for n in keep])
    if not joins:
        return Text(" ".join(terms))
    rank = {n: k for k, n in enumerate(keep)}
    placed = []
    for i, term in zip(joins, stem(list(joins.values())), strict=True):
        k = rank.get(i, rank.get(i - 1))  # at its last part kept; none kept: left out
        if k is not None:
            placed.append((term, k))
    return Text(" ".join(terms), tuple(placed))


def within(a: str, b: str, most: int) -> bool:
    """Whether the Levenshtein distance of a and b is at most `most`."""
    if abs(len(a) - len(b)) > most:
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > most:
            return False
    return row[-1] <= most
