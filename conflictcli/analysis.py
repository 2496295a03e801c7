"""How text becomes index terms: words, lower case, accents folded, stop words out,
Porter stems.

Two paths give the same terms. Queries and snippets go through a Whoosh analyzer chain
(TEXT_ANALYZER), one Python call per token. Ingest goes through `postings()`, which does
the same in a few passes that run in C: one regular expression over the text, one
`str.translate` per word, and PyStemmer's Porter stemmer over the whole list of words
(Whoosh's own Python stemmer also differs from Porter's algorithm on words such as
"trimmed" and "cycle"; index layout 2 uses PyStemmer everywhere).
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Iterator
from typing import Any

import Stemmer
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

INDEX_LAYOUT = 2  # 1: Whoosh's Python Porter stemmer; 2: PyStemmer's Porter
WORD = r"\w+(\.?\w+)*"  # Whoosh's RegexTokenizer default
MIN_LENGTH = 2  # Whoosh's StopFilter default: shorter words are not indexed

_STEMMER = Stemmer.Stemmer("porter")
_STEMMER.maxCacheSize = 100_000
_FOLD = {**accent_map}  # str.translate table; it maps no lower-case ASCII letter elsewhere


def stem(words: list[str]) -> list[str]:
    return list(_STEMMER.stemWords(words))


class PorterFilter(Filter):
    """Whoosh filter: each token's text replaced by its Porter stem (PyStemmer)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        stem_word = _STEMMER.stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem_word(t.text)
            yield t


TEXT_ANALYZER = (
    RegexTokenizer(WORD)
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | StopFilter(minsize=MIN_LENGTH)
    | PorterFilter()
)
NAME_ANALYZER = RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)

_TOKEN = TEXT_ANALYZER.items[0].expression  # the same compiled expression
_STOP = frozenset(STOP_WORDS)
_PACK = struct.Struct("!I").pack  # whoosh.system.pack_uint


def terms(text: str) -> tuple[list[str], list[tuple[int, int]], int]:
    """The index terms of `text` in order, their character spans, and the position of
    the first: Whoosh's StopFilter gives the first term kept its own position and the
    others the next ones, so stop words inside the text take no position."""
    found = list(_TOKEN.finditer(text))
    words = [m.group().lower() for m in found]
    words = [w if w.isascii() else w.translate(_FOLD) for w in words]
    keep = [n for n, w in enumerate(words) if len(w) >= MIN_LENGTH and w not in _STOP]
    if not keep:
        return [], [], 0
    return stem([words[n] for n in keep]), [found[n].span() for n in keep], keep[0]


def postings(
    text: str, chars: bool, boost: float = 1.0
) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What Whoosh's Positions (or Characters) format makes of `text` through
    TEXT_ANALYZER, byte for byte: (term, frequency, weight, encoded positions)."""
    stems, spans, first = terms(text)
    seen: dict[str, list[Any]] = {}
    for pos, (term, span) in enumerate(zip(stems, spans, strict=True), first):
        seen.setdefault(term, []).append((pos, *span) if chars else pos)
    for term, places in seen.items():
        yield term.encode("utf-8"), len(places), len(places) * boost, _encode(places, chars)


def _encode(places: list[Any], chars: bool) -> bytes:
    deltas: list[Any] = []
    if chars:  # whoosh.formats.Characters.encode
        posbase = charbase = 0
        for pos, start, end in places:
            deltas.append((pos - posbase, start - charbase, end - start))
            posbase, charbase = pos, end
    else:  # whoosh.formats.Positions.encode
        base = 0
        for pos in places:
            deltas.append(pos - base)
            base = pos
    return _PACK(len(deltas)) + pickle.dumps(deltas, 2)


class FastText(TEXT):
    """A TEXT field whose postings come from `postings()` at ingest. Queries,
    phrases and snippets use its analyzer, TEXT_ANALYZER, which gives the same terms."""

    def __init__(self, chars: bool = False) -> None:
        super().__init__(analyzer=TEXT_ANALYZER, chars=chars)
        self._chars = chars

    def index(
        self, value: str | list[Any], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, list):  # postings made ahead, in a worker process (ingest)
            return iter(value)
        return postings(value, self._chars, self.format.field_boost)
