"""The analysers and formats of the Whoosh schema: a query's text read as the index
reads an article's (analysis.py), and positions stored as packed gaps, never as
pickles."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import operator
import sys
from array import array
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.fields import TEXT
from whoosh.formats import Positions

from conflictcli.analysis import (
    FOLD,
    MIN_LENGTH,
    TOKEN,
    WORD,
    Scanned,
    join_apostrophes,
    stem_word,
    term_positions,
    tokens,
)

accent_map = FOLD
_LITTLE = sys.byteorder == "little"


class PorterFilter(Filter):
    """Whoosh filter: each token's text replaced by its Porter stem (PyStemmer)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for t in tokens:
            if not t.stopped:
                t.text = stem_word(t.text)
            yield t


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer: RegexTokenizer(WORD)'s tokens, and after the second part of each
    letter-digit name (tokens) the name joined, marked for JoinStopFilter, which
    places it (t.join: "left" and "right" for the parts, "joined" for the name)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        value = join_apostrophes(value)  # Куп'янськ one word (as long: the same offsets)
        if not tokenize:
            yield from RegexTokenizer(WORD)(
                value, positions, chars, keeporiginal, removestops, start_pos, start_char,
                tokenize, mode, **kwargs,
            )  # fmt: skip
            return
        matches = list(TOKEN.finditer(value))
        words, joins = tokens([m.group(0) for m in matches])
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (m, word) in enumerate(zip(matches, words, strict=True)):
            pieces = [
                ("left" if pos + 1 in joins else "right" if pos in joins else "", word, m.start())
            ]
            if pos in joins:
                pieces.append(("joined", joins[pos], matches[pos - 1].start()))
            for kind, text, first in pieces:
                t.text, t.join, t.boost, t.stopped = text, kind, 1.0, False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = start_pos + pos
                if chars:
                    t.startchar, t.endchar = start_char + first, start_char + m.start() + len(word)
                yield t


class JoinStopFilter(StopFilter):
    """StopFilter(minsize=MIN_LENGTH) for WordTokenizer's tokens. Indexing, a joined name
    takes the position of its last part that is kept (none kept: it is left out), so the
    positions of all other words stay as they were. In a query the name stands alone
    in place of its parts (Su-34 looks for su34, not for su and 34)."""

    def __init__(self) -> None:
        super().__init__(minsize=MIN_LENGTH)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        stoplist, minsize = self.stops, self.min
        pos = None  # the position of the last word kept (renumbered, as StopFilter does)
        part = None  # the position of the last kept part of the name being read
        for t in tokens:
            kind = getattr(t, "join", "")
            query = t.mode == "query"
            if kind == "joined" and not query:
                if part is not None:
                    if t.positions:
                        t.pos = part
                    t.stopped = False
                    yield t
                continue
            if kind in ("left", "right") and query:
                continue  # the joined name stands for them
            if kind == "left":
                part = None
            if len(t.text) >= minsize and t.text not in stoplist:
                if t.positions:
                    pos = t.pos if pos is None else pos + 1
                    t.pos = pos
                    if kind in ("left", "right"):
                        part = pos
                elif kind in ("left", "right"):
                    part = 0
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


TEXT_ANALYZER = (
    WordTokenizer()
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | JoinStopFilter()
    | PorterFilter()
)
NAME_ANALYZER = RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)


def postings(
    text: str, boost: float = 1.0, scanned: Scanned | None = None
) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What Whoosh makes of `text` through TEXT_ANALYZER and a PackedPositions format:
    (term, frequency, weight, encoded positions), in a few passes that run in C.
    `scanned`: scan(text), when it is at hand."""
    for term, places in term_positions(text, scanned).items():
        n = len(places)
        yield term.encode("utf-8"), n, n * boost, _pack(places) if n > 1 else _pack_one(places[0])


_ONE_BYTE = [bytes((0, p)) for p in range(256)]  # _pack_one() of the first positions
_TYPECODES = "BHI"  # unsigned 8, 16 and 32 bits, named by the value's first byte
_CODE_BYTES = (b"\x00", b"\x01", b"\x02")


def _pack_one(position: int) -> bytes:
    """_pack([position]), without building an array (most words occur once)."""
    if position <= 0xFF:
        return _ONE_BYTE[position]
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
        if valuestring[0] == 0:  # gaps of one byte each (most words): read as they are
            return list(accumulate(valuestring[1:]))
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
