"""How text becomes index terms: words, lower case, accents folded, stop words out,
Porter stems; and how their positions are stored.

Two paths give the same terms. Queries go through a Whoosh analyzer chain
(TEXT_ANALYZER), one Python call per token. Ingest (`postings()`) and snippets
(`spans_of()`) do the same in a few passes that run in C: one regular expression over
the text, `str.translate` for words outside ASCII, and PyStemmer's Porter stemmer over
the whole list of words
(Whoosh's own Python stemmer also differs from Porter's algorithm on words such as
"trimmed" and "cycle"; index layout 2 uses PyStemmer everywhere).
"""

from __future__ import annotations

import conflictcli._whoosh  # noqa: F401  (before Whoosh: see there)

# isort: split

import functools
import operator
import re
import sys
from array import array
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
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

_STOP = frozenset(STOP_WORDS)
_LITTLE = sys.byteorder == "little"
# WORD's tokens, found a third faster: after the greedy \w+ an empty \.? can never
# extend a match, so only a dot followed by word characters does (the same spans on
# every article of ../shared/corpora; tests/test_analysis.py checks it on any text)
_WORD = re.compile(r"\w+(?:\.\w+)*")


def _folded(words: list[str]) -> list[str]:
    return [w if w.isascii() else w.translate(_FOLD) for w in words]


def _words(text: str) -> list[str]:
    """The tokens of `text`, lower-cased and accent-folded."""
    if text.isascii():  # lower case changes no length and no word boundary in ASCII
        return _WORD.findall(text.lower())
    return _folded([w.lower() for w in _WORD.findall(text)])  # token by token, as Whoosh


def _kept(words: list[str]) -> list[int]:
    # StopFilter: at least MIN_LENGTH (2) characters, not a stop word
    return [n for n, w in enumerate(words) if w[1:] and w not in _STOP]


def spans_of(text: str, stems: AbstractSet[str]) -> list[tuple[int, int]]:
    """The character spans of the words of `text` whose index term is one of `stems`:
    for snippets and marks. Only words that can match are read:
    Porter's stemmer never changes a word's first letter (its second, yes: "ays" ->
    "ai"), so a word must start with the first letter of a stem, or with a letter
    outside ASCII that may fold to one."""
    if not stems:
        return []
    starts = frozenset(s[:1] for s in stems)
    found = list(_starting_with(starts).finditer(text))
    words = _folded([m.group().lower() for m in found])
    maybe = [n for n, w in enumerate(words) if w[:1] in starts and w[1:] and w not in _STOP]
    got = stem([words[n] for n in maybe])
    return [found[n].span() for n, term in zip(maybe, got, strict=True) if term in stems]


@functools.lru_cache(maxsize=64)
def _starting_with(starts: frozenset[str]) -> re.Pattern[str]:
    """_WORD's tokens that start with one of `starts` (either case) or with a word
    character outside ASCII. The first character is one class, so the regular
    expression engine jumps from candidate to candidate; the look-behinds then check
    that it starts a token: no word character before it, and no word character and a
    dot (`U.S` is one token). The same tokens as _WORD's scan from the left."""
    cases = {c for s in starts for c in (s, s.upper()) if len(c) == 1 and c.isascii()}
    allowed = sorted(map(ord, cases))
    ranges, low = [], 0
    for code in [*allowed, 0x80]:  # the ASCII characters that may not start a token
        if code > low:
            ranges.append(f"\\x{low:02x}-\\x{code - 1:02x}")
        low = code + 1
    return re.compile(rf"[^\W{''.join(ranges)}](?<!\w\w)(?<!\w\.\w)\w*(?:\.\w+)*")


def words(text: str) -> list[str]:
    """The words of `text` as the index reads them (its tokens, lower case, accents
    folded, stop words kept): what postings() stems, and stories.py shingles."""
    return _words(text)


def postings(
    text: str, boost: float = 1.0, words: list[str] | None = None
) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What Whoosh makes of `text` through TEXT_ANALYZER and a PackedPositions format:
    (term, frequency, weight, encoded positions), in a few passes that run in C.
    `words`: the text's words (words()), when they are at hand."""
    if words is None:
        words = _words(text)
    keep = _kept(words)
    if not keep:
        return
    seen: dict[str, list[int]] = {}
    for pos, term in enumerate(stem([words[n] for n in keep]), keep[0]):
        if term in seen:
            seen[term].append(pos)
        else:
            seen[term] = [pos]
    for term, places in seen.items():
        n = len(places)
        yield term.encode("utf-8"), n, n * boost, _pack(places) if n > 1 else _pack_one(places[0])


_TYPECODES = "BHI"  # unsigned 8, 16 and 32 bits, named by the value's first byte
_CODE_BYTES = (b"\x00", b"\x01", b"\x02")


def _pack_one(position: int) -> bytes:
    """_pack([position]), without building an array (most words occur once)."""
    if position <= 0xFF:
        return bytes((0, position))
    if position <= 0xFFFF:
        return b"\x01" + position.to_bytes(2, "little")
    return b"\x02" + position.to_bytes(4, "little")


def _pack(positions: list[int]) -> bytes:
    """The gaps between positions as an array of the smallest unsigned type that holds
    them, little-endian, after one byte naming the type: 2 bytes for a word that occurs
    once (Whoosh's Positions pickles a list: 13 bytes)."""
    gaps = [positions[0], *map(operator.sub, positions[1:], positions)]
    top = max(gaps)
    code = 0 if top <= 0xFF else 1 if top <= 0xFFFF else 2
    packed = array(_TYPECODES[code], gaps)
    if not _LITTLE:
        packed.byteswap()
    return _CODE_BYTES[code] + packed.tobytes()


def _unpack(value: bytes) -> array:
    packed = array(_TYPECODES[value[0]])
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
