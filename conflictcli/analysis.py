"""How text becomes index terms: words, lower case, accents folded, stop words out,
Porter stems; and how their positions are stored.

Two paths give the same terms. Queries and snippets go through a Whoosh analyzer chain
(TEXT_ANALYZER), one Python call per token. Ingest goes through `postings()`, which does
the same in a few passes that run in C: one regular expression over the text, one
`str.translate` per word, and PyStemmer's Porter stemmer over the whole list of words
(Whoosh's own Python stemmer also differs from Porter's algorithm on words such as
"trimmed" and "cycle"; index layout 2 uses PyStemmer everywhere).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator
from itertools import accumulate
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
from whoosh.formats import Positions
from whoosh.support.charset import accent_map

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
_LITTLE = sys.byteorder == "little"


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


def postings(text: str, boost: float = 1.0) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What Whoosh makes of `text` through TEXT_ANALYZER and a PackedPositions format:
    (term, frequency, weight, encoded positions), in a few passes that run in C."""
    stems, _, first = terms(text)
    seen: dict[str, list[int]] = {}
    for pos, term in enumerate(stems, first):
        seen.setdefault(term, []).append(pos)
    for term, places in seen.items():
        yield term.encode("utf-8"), len(places), len(places) * boost, _pack(places)


_WIDTHS = (("B", 0xFF), ("H", 0xFFFF), ("I", 0xFFFFFFFF))


def _pack(positions: list[int]) -> bytes:
    """The gaps between positions as an array of the smallest unsigned type that holds
    them, little-endian, after one byte naming the type: 2 bytes for a word that occurs
    once (Whoosh's Positions pickles a list: 13 bytes)."""
    gaps = [b - a for a, b in zip([0, *positions], positions, strict=False)]
    top = max(gaps)
    code = next(n for n, (_, limit) in enumerate(_WIDTHS) if top <= limit)
    packed = array(_WIDTHS[code][0], gaps)
    if not _LITTLE:
        packed.byteswap()
    return bytes((code,)) + packed.tobytes()


def _unpack(value: bytes) -> array:
    packed = array(_WIDTHS[value[0]][0])
    packed.frombytes(value[1:])
    if not _LITTLE:
        packed.byteswap()
    return packed


class PackedPositions(Positions):
    """Whoosh's Positions format (phrase and near queries), stored as packed gaps
    instead of a pickle per posting: the index of layout 2 was 2.1x the raw text, most
    of it pickle framing; nothing in a value is ever unpickled."""

    def encode(self, poslist: list[int]) -> bytes:
        return _pack(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(_unpack(valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(_unpack(valuestring))

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]


class FastText(TEXT):
    """A TEXT field with positions (PackedPositions) whose postings come from
    `postings()` at ingest. Queries, phrases and snippets use its analyzer,
    TEXT_ANALYZER, which gives the same terms."""

    def __init__(self) -> None:
        super().__init__(analyzer=TEXT_ANALYZER)
        self.format: PackedPositions = PackedPositions()

    def index(
        self, value: str | list[Any], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, list):  # postings made ahead, in a worker process (ingest)
            return iter(value)
        return postings(value, self.format.field_boost)
