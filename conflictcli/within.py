"""Same-sentence and same-paragraph matching (search --within): the sentences or the
paragraphs of a text, what a query needs of one (each required part, any spelling of
it), and the first one that holds it all.

Sentences end at . ! or ? (with any closing quote or bracket) before white space and a
capital letter, a digit or an opening quote, except after an abbreviation (Mr., Gen.,
U.S., Jan.) or an initial (J. Smith). A regular expression and a list of abbreviations
do what a trained splitter would on news prose; a sentence never crosses a paragraph."""

from __future__ import annotations

import re

from conflictcli.analysis import query_terms
from conflictcli.query import tree as t

UNITS = ("sentence", "paragraph")
FIELDS = ("title", "body")
Span = tuple[int, int]

_PARAGRAPH = re.compile(r"\n\s*\n")
_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[^\W_a-zа-яіїєґ])")
# titles before a name, and months before a day: what follows starts with a capital or a
# digit and is no new sentence (etc., Inc. and Jr. end sentences more often than not).
# Not dates.MONTHS: May and the full names end sentences too ("in May. Then").
_ABBREVIATIONS = frozenset(
    (
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cpt",
        "maj",
        "adm",
        "cmdr",
        "st",
        "sen",
        "rep",
        "gov",
        "govt",
        "rev",
        "vs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    )
)
_DOTTED = re.compile(r"(?:\w\.)+\w?", re.UNICODE)  # U.S, U.N., e.g


def units(text: str, unit: str) -> list[Span]:
    """The spans of the paragraphs of `text`, or of the sentences of each paragraph."""
    paragraphs: list[Span] = []
    start = 0
    for m in _PARAGRAPH.finditer(text):
        paragraphs.append((start, m.start()))
        start = m.end()
    paragraphs.append((start, len(text)))
    paragraphs = [(a, b) for a, b in paragraphs if text[a:b].strip()]
    if unit == "paragraph":
        return paragraphs
    out: list[Span] = []
    for a, b in paragraphs:
        start = a
        for m in _END.finditer(text, a, b):
            if _abbreviation(text, start, m.start()):
                continue
            end = m.end() - (len(m.group()) - len(m.group().rstrip()))
            out.append((start, end))
            start = m.end()
        if text[start:b].strip():
            out.append((start, b))
    return out


def _abbreviation(text: str, start: int, dot: int) -> bool:
    """Whether the word before the full stop at `dot` is an abbreviation or an initial."""
    if text[dot] != ".":
        return False
    word = text[start:dot].rsplit(None, 1)[-1] if text[start:dot].strip() else ""
    word = word.lstrip("\"'“‘([").lower()
    return (
        word in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())
        or bool(_DOTTED.fullmatch(word))
    )


Needs = list[frozenset[str]]  # each set: the index terms of one required part, any of them


def needs(q: t.Part) -> Needs:
    """What a unit of text must hold for the query to match within it: for each required
    part, one of its words (as indexed) in the title or body fields. Excluded parts and
    filters (dates, sources, patterns) ask nothing of a unit."""
    if isinstance(q, t.Term):
        return [frozenset([q.text])] if q.field in FIELDS else []
    if isinstance(q, t.Phrase):
        return [frozenset([w]) for w in q.words] if q.field in FIELDS else []
    if isinstance(q, t.All):
        return [n for child in q.parts for n in needs(child)]
    if isinstance(q, (t.Any, t.Spellings)):  # any part will do: any of its words
        words = [n for child in q.parts for n in needs(child)]
        return [frozenset().union(*words)] if words and all(words) else []
    return []


def merged(needs_: Needs) -> Needs:
    """The same needs, one set per part (a word asked in title and in body is one)."""
    out: Needs = []
    for n in needs_:
        if n and n not in out:
            out.append(n)
    return out


def first_unit(text: str, unit: str, wanted: Needs) -> Span | None:
    """The first sentence or paragraph of `text` that holds every need."""
    for a, b in units(text, unit):
        held = set(query_terms(text[a:b]))
        if all(not held.isdisjoint(n) for n in wanted):
            return a, b
    return None
