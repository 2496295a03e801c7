"""Snippets: the best fragments of an article's body around the words a query found,
and the spans of those words in it, cut from the text (any engine gives the words)."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from conflictcli.analysis import spans_of
from conflictcli.engine.records import Hit

SNIPPET_CHARS = 220
_SPACE = re.compile(r"\s+")


def mark(hit: Hit, title: str, body: str) -> None:
    """The hit's snippet (or the lead of its body) and the spans of its words in the
    snippet and the title, cut from its text."""
    snippet, spans = _snippet(body, hit.body_words)
    if not snippet:
        snippet, spans = _lead(body), []
    hit.snippet, hit.highlights = snippet, spans
    hit.title_highlights = spans_of(title, hit.words)


def _lead(body: str) -> str:
    flat = " ".join(body.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


SURROUND = 60  # characters of context around the matched words of a fragment
CHARLIMIT = 2**15  # matches past this many characters do not make fragments (Whoosh's)

Span = tuple[int, int]
Fragment = tuple[int, int, list[Span]]  # start, end, the matched spans in it


def _snippet(body: str, words: AbstractSet[str]) -> tuple[str, list[Span]]:
    """The best two fragments of `body` around the matched `words` (index terms), and
    the spans of those words in it. Whoosh's pinpoint highlighter (PinpointFragmenter
    with autotrim, top_fragments with BasicFragmentScorer, in the order of the text),
    on plain spans instead of Token and Fragment objects: the same snippets, proven
    against Whoosh's own by tests/test_snippets.py, for a third of the time."""
    spans = [span for span in spans_of(body, words) if span[1] <= CHARLIMIT]
    if not spans:
        return "", []
    fragments = _fragments(body, spans)
    # top_fragments: the two with most matches (a tie goes to the later one, as
    # Whoosh compares fragments by start), then in the order of the text
    best = sorted(fragments, key=lambda f: (len(f[2]), f[0]), reverse=True)[:2]
    best.sort(key=lambda f: f[0])
    return _format(body, best)


def _fragments(text: str, spans: list[Span]) -> list[Fragment]:
    """PinpointFragmenter.fragment_matches(maxchars=SNIPPET_CHARS, surround=SURROUND,
    autotrim=True): runs of matches close enough to share a fragment, with context."""
    out: list[Fragment] = []
    n = len(spans)
    i = 0
    while i < n:
        j = i
        left, right = spans[i]
        length = right - left
        while j < n - 1 and length < SNIPPET_CHARS:
            start, end = spans[j + 1]
            if end - right <= SURROUND and end - left <= SNIPPET_CHARS:
                j += 1
                right = end
                length += end - start
            else:
                break
        first, last = max(0, left - SURROUND), min(len(text), right + SURROUND)
        space = text.find(" ", first, last)  # autotrim: whole words at both ends
        if space > 0:
            first = space + 1
        space = text.rfind(" ", first, last)
        if space > 0:
            last = space
        out.append((min(first, spans[i][0]), max(last, spans[j][1]), spans[i : j + 1]))
        i = j + 1
    return out


def _format(text: str, fragments: list[Fragment]) -> tuple[str, list[Span]]:
    """The fragments as plain text joined by " … ", whitespace runs made one space,
    and the character spans of the matched words in it."""
    out: list[str] = []
    marks: list[Span] = []
    size = 0

    def put(piece: str) -> None:
        nonlocal size
        piece = _SPACE.sub(" ", piece)
        out.append(piece)
        size += len(piece)

    for n, (first, last, spans) in enumerate(fragments):
        if n:
            put(" … ")
        at = first
        for start, end in sorted(spans, key=lambda sp: (sp[0], -sp[1])):
            if start < at:
                continue
            put(text[at:start])
            begin = size
            put(text[start:end])
            marks.append((begin, size))
            at = end
        put(text[at:last])
    if fragments and fragments[0][0] > 0:
        out.insert(0, "… ")
        marks = [(a + 2, b + 2) for a, b in marks]
    if fragments and fragments[-1][1] < len(text.rstrip()):
        out.append(" …")
    joined = "".join(out).rstrip()
    lead = len(joined) - len(joined.lstrip())
    return joined[lead:], [(a - lead, b - lead) for a, b in marks]
