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

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import functools
import operator
import re
import sys
from array import array
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from itertools import accumulate
from typing import Any, NamedTuple

import Stemmer
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
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


_RUSSIAN = Stemmer.Stemmer("russian")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
# Ukrainian case endings the Russian stemmer leaves (обстрілів, ракетами is Russian too),
# longest first
_UKRAINIAN_ENDINGS = ("ами", "ями", "ові", "еві", "єві", "ого", "ому", "ими", "іми", "ів",
                      "їв", "ій", "ої", "ою", "ею", "єю", "ам", "ям", "ах", "ях", "ом", "ем",
                      "а", "я", "у", "ю", "і", "ї", "е", "є", "о", "и", "ь")  # fmt: skip
MIN_CYRILLIC_KEY = 3  # a shorter common stem joins words that are not one word's forms


def cyrillic_key(word: str) -> str | None:
    """What the inflected forms of a Cyrillic word (lower case, as indexed) share: its
    Russian Snowball stem, and for a Ukrainian word (і, ї, є or ґ in it) that stem
    without a Ukrainian case ending (обстрілів, обстріли -> обстріл). Both only cut
    endings (and read ё as е), so every form starts with one of cyrillic_prefixes(key).
    None for a word that is not Cyrillic or whose key is too short to tell words
    apart."""
    if not word or not all("\u0400" <= c <= "\u04ff" for c in word):
        return None
    key = _RUSSIAN.stemWord(word)
    if not _UKRAINIAN_LETTERS.isdisjoint(word):
        for ending in _UKRAINIAN_ENDINGS:
            if key.endswith(ending) and len(key) - len(ending) >= MIN_CYRILLIC_KEY:
                key = key[: -len(ending)]
                break
    return key if len(key) >= MIN_CYRILLIC_KEY else None


def cyrillic_prefixes(key: str) -> list[str]:
    """What every word of a cyrillic_key starts with: the key, where the stemmer read no
    ё as е; else the key up to its first е, then е or ё (ёлка and елка are one word to
    Snowball, so their key is елк)."""
    first = key.find("е")
    if first < 0:
        return [key]
    return [key[:first] + "е", key[:first] + "ё"]


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


_STOP = frozenset(STOP_WORDS)
_LITTLE = sys.byteorder == "little"
# WORD's tokens, found a third faster: after the greedy \w+ an empty \.? can never
# extend a match, so only a dot followed by word characters does (the same spans on
# every article of ../shared/corpora; tests/test_analysis.py checks it on any text).
_WORD = re.compile(r"\w+(?:\.\w+)*")
# The same tokens, each with the hyphen or space after it when a digit follows: a
# letter-digit name may be written there (Su-34, Leopard 2). _tokens() takes it off.
_TOKEN = re.compile(r"\w+(?:\.\w+)*(?:[- ](?=\d))?")


@functools.cache
def _spaced() -> frozenset[str]:
    """The designations the gazetteer lists with a space before their number (Leopard 2,
    PzH 2000), joined as the index keeps them: only these are joined across a space,
    which elsewhere parts a word from a number ("in 2022")."""
    from conflictcli.names import entries  # the package's data file, read once

    out = set()
    for e in entries():
        if e["kind"] == "designation":
            for v in e["variants"]:
                for left, right in re.findall(r"(?<!\w)([^\W\d_]+) (\d\w*)", v):
                    out.add(_folded([(left + right).lower()])[0])
    return frozenset(out)


def _tokens(raw: list[str]) -> tuple[list[str], dict[int, str]]:
    """Tokens as _TOKEN finds them -> the words (separators off) and the letter-digit
    names among them: the index of a name's second part -> the two parts joined. A name
    is letters, then a hyphen (or a space, for the names of _spaced()), then a word that
    starts with a digit: Su-34 -> su34, Х-101 -> х101, F-16s -> f16s."""
    if "-\n" not in (flat := "\n".join(raw)) and " \n" not in flat:
        return raw, {}  # no token ends with a separator (test in C: most texts)
    words = raw[:]
    ends = [i for i, w in enumerate(raw) if w[-1] in "- "]
    for i in ends:
        words[i] = raw[i][:-1]
    joins = {}
    for i in ends:
        left, right = words[i], words[i + 1]  # a digit follows: so does a token
        name = left + right
        if left.isalpha() and (raw[i][-1] == "-" or _lower(name) in _spaced()):
            joins[i + 1] = name
    return words, joins


def _lower(word: str) -> str:
    return _folded([word.lower()])[0]


def _folded(words: list[str]) -> list[str]:
    return [w if w.isascii() else w.translate(_FOLD) for w in words]


Scanned = tuple[list[str], dict[int, str]]


def scan(text: str) -> Scanned:
    """The words of `text` as the index reads them (its tokens, lower case, accents
    folded, stop words kept), and its letter-digit names (_tokens): what postings()
    indexes, and stories.py shingles (the words)."""
    if text.isascii():  # lower case changes no length and no word boundary in ASCII
        return _tokens(_TOKEN.findall(text.lower()))
    words, joins = _tokens(_TOKEN.findall(text))  # token by token, as Whoosh
    return _folded([w.lower() for w in words]), {i: _lower(n) for i, n in joins.items()}


def _words(text: str) -> list[str]:
    """The tokens of `text`, lower-cased and accent-folded."""
    return scan(text)[0]


def _kept(words: list[str]) -> list[int]:
    # StopFilter: at least MIN_LENGTH (2) characters, not a stop word
    return [n for n, w in enumerate(words) if w[1:] and w not in _STOP]


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer: RegexTokenizer(WORD)'s tokens, and after the second part of each
    letter-digit name (_tokens) the name joined, marked for JoinStopFilter, which
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
        if not tokenize:
            yield from RegexTokenizer(WORD)(
                value, positions, chars, keeporiginal, removestops, start_pos, start_char,
                tokenize, mode, **kwargs,
            )  # fmt: skip
            return
        matches = list(_TOKEN.finditer(value))
        words, joins = _tokens([m.group(0) for m in matches])
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


def spans_of(text: str, stems: AbstractSet[str]) -> list[tuple[int, int]]:
    """The character spans of the words of `text` whose index term is one of `stems`:
    for snippets and marks. Only words that can match are read:
    Porter's stemmer never changes a word's first letter (its second, yes: "ays" ->
    "ai"), so a word must start with the first letter of a stem, or with a letter
    outside ASCII that may fold to one. A letter-digit name (su34) is looked for as
    the index joined it too: Su-34, and Leopard 2 where the gazetteer lists it so."""
    if not stems:
        return []
    found = list(_starting_with(frozenset(s[:1] for s in stems)).finditer(text))
    try:  # most words were met before
        spans = [m.span() for m in found if _TERM_OF[m.group()] in stems]
    except KeyError:
        terms = _terms_as_written([m.group() for m in found])
        spans = [m.span() for m, term in zip(found, terms, strict=True) if term in stems]
    if _has_digit(frozenset(stems)):
        names = [
            m
            for m in _NAME_SPAN.finditer(text)
            if m.group(2) == "-" or _lower(m.group(1) + m.group(3)) in _spaced()
        ]
        terms = stem([_lower(m.group(1) + m.group(3)) for m in names])
        joined = [m.span() for m, term in zip(names, terms, strict=True) if term in stems]
        if joined:
            inside = [(a, b) for a, b in spans if not any(x <= a and b <= y for x, y in joined)]
            spans = sorted(inside + joined)
    return spans


@functools.lru_cache(maxsize=64)
def _has_digit(stems: frozenset[str]) -> bool:
    return any(c.isdigit() for s in stems for c in s)


_TERM_OF: dict[str, str] = {}  # a word as written -> its index term ("": none)
_TERMS_KEPT = 200_000  # words _TERM_OF remembers before it starts again


def _terms_as_written(words: list[str]) -> list[str]:
    """The index term of each word as the text writes it ("" for a stop word or a
    single letter, which are not indexed), remembered: the words of one result set's
    snippets repeat (a name, the query's words), and stemming each anew was most of
    the time of a long page."""
    memo = _TERM_OF
    new = [w for w in set(words) if w not in memo]
    if new:
        if len(memo) + len(new) > _TERMS_KEPT:
            memo.clear()
        low = _folded([w.lower() for w in new])
        kept = [n for n, w in enumerate(low) if w[1:] and w not in _STOP]
        for n, term in zip(kept, stem([low[n] for n in kept]), strict=True):
            memo[new[n]] = term
        memo.update((w, "") for w in new if w not in memo)
    return [memo[w] for w in words]


# a letter-digit name as _tokens() joins it: letters starting a token, a hyphen or a
# space, a token starting with a digit
_NAME_SPAN = re.compile(r"(?<!\w)(?<!\w\.)([^\W\d_]+)([- ])(\d\w*(?:\.\w+)*)")


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


def query_terms(text: str) -> tuple[str, ...]:
    """The index terms a query looks for in `text`, as TEXT_ANALYZER reads a query (stop
    words out, stems, a letter-digit name in place of its parts), made the fast way."""
    return query_terms_of([text])[0]


def query_terms_of(texts: list[str]) -> list[tuple[str, ...]]:
    """query_terms() of each text, stemmed in one call."""
    seqs = []
    for text in texts:
        words, joins = scan(text)
        seqs.append(
            [
                joins.get(n, w)
                for n, w in enumerate(words)
                if n in joins or (n + 1 not in joins and w[1:] and w not in _STOP)
            ]
        )
    stems = iter(stem([w for seq in seqs for w in seq]))
    return [tuple(next(stems) for _ in seq) for seq in seqs]


def words(text: str) -> list[str]:
    """The words of `text` as the index reads them (scan())."""
    return _words(text)


def postings(
    text: str, boost: float = 1.0, scanned: Scanned | None = None
) -> Iterator[tuple[bytes, int, float, bytes]]:
    """What Whoosh makes of `text` through TEXT_ANALYZER and a PackedPositions format:
    (term, frequency, weight, encoded positions), in a few passes that run in C.
    `scanned`: scan(text), when it is at hand."""
    for term, places in _term_positions(text, scanned).items():
        n = len(places)
        yield term.encode("utf-8"), n, n * boost, _pack(places) if n > 1 else _pack_one(places[0])


def _term_positions(text: str, scanned: Scanned | None) -> dict[str, list[int]]:
    """Each term of `text` with its positions, as TEXT_ANALYZER gives them."""
    words, joins = scanned if scanned is not None else scan(text)
    keep = _kept(words)
    if not keep:
        return {}
    seen: dict[str, list[int]] = {}
    for pos, term in enumerate(stem([words[n] for n in keep]), keep[0]):
        if term in seen:
            seen[term].append(pos)
        else:
            seen[term] = [pos]
    if joins:  # each name at the position of its last part kept (none kept: left out)
        rank = {n: k for k, n in enumerate(keep)}
        for i, term in zip(joins, stem(list(joins.values())), strict=True):
            k = rank.get(i, rank.get(i - 1))
            if k is not None:
                places = seen.setdefault(term, [])
                places.append(keep[0] + k)
                places.sort()
    return seen


class Batch:
    """The postings of a batch of documents (numbered 0, 1, ... in the batch), grouped
    by field and term, made by a worker process: the writer takes in each term of the
    batch at once (segment.TermPool.add_from) instead of each posting of each document,
    and it crosses between processes as a few flat arrays instead of a tuple per
    posting. A posting's weight is its frequency (no field or document boosts).

    The documents' words are kept as they come (add) and turned into postings all at
    once (freeze), in numpy: the same terms, frequencies and positions as postings()
    gives each document, without a Python step per word or per posting (a third of
    the time of the per-document way, measured on 2,000 articles)."""

    def __init__(self) -> None:
        self.docs = 0
        # per field: each document's number and words (scan()), until frozen
        self._open: dict[str, list[tuple[int, Scanned]]] = {}
        self.lengths: dict[str, array] = {}  # per field, each document's length
        self.fields: dict[str, Columns] = {}

    def add(self, fields: dict[str, tuple[str, Scanned | None]]) -> int:
        """One document: each field's text, and scan() of it when it is at hand (the
        same postings as postings() of each); returns its number in the batch."""
        doc = self.docs
        self.docs += 1
        for name, (text, scanned) in fields.items():
            self._open.setdefault(name, []).append(
                (doc, scanned if scanned is not None else scan(text))
            )
        return doc

    def freeze(self) -> Batch:
        """Flat columns in place of the words (what is sent back from a worker)."""
        for name, given in self._open.items():
            self.fields[name], self.lengths[name] = _columns(given, self.docs)
        self._open = {}
        return self


class InBatch(NamedTuple):
    """Document `doc` of `batch`: an article's postings made ahead (IndexWriter.add)."""

    batch: Batch
    doc: int


class Columns:
    """A field's postings in a Batch: each term, how many postings it has, then the
    postings of every term end to end: document, weight, encoded value (its size
    apart)."""

    __slots__ = ("counts", "docs", "sizes", "terms", "values", "weights")

    def __init__(
        self,
        terms: list[bytes],
        counts: array,
        docs: array,
        weights: array,
        values: bytes,
        sizes: array,
    ) -> None:
        self.terms, self.counts, self.docs = terms, counts, docs
        self.weights, self.values, self.sizes = weights, values, sizes


def _columns(given: list[tuple[int, Scanned]], count: int) -> tuple[Columns, array]:
    """The postings of the documents `given` (each one's number and words), as
    _term_positions() and _pack() make them for each, grouped by term, and each
    document's length (`count` documents in all). Every step runs over all the words
    at once: each distinct word is looked at once (stop word? its stem?), then numpy
    numbers the positions, sorts the words by term, document and position, counts
    them, and packs the gaps between positions."""
    import numpy as np

    nums = np.fromiter((d for d, _ in given), dtype=np.int64, count=len(given))
    sizes_ = np.fromiter((len(w) for _, (w, _) in given), dtype=np.int64, count=len(given))
    every = [w for _, (words, _) in given for w in words]
    distinct = list(dict.fromkeys(every))
    word_id = {w: n for n, w in enumerate(distinct)}
    kept_words = _kept(distinct)
    stems = stem([distinct[n] for n in kept_words])
    joined = [(k, i, name) for k, (_, (_, joins)) in enumerate(given) for i, name in joins.items()]
    joined_stems = stem([name for _, _, name in joined]) if joined else []
    terms = list(dict.fromkeys([*stems, *joined_stems]))
    term_id = {t: n for n, t in enumerate(terms)}
    term_of_word = np.full(len(distinct), -1, dtype=np.int64)
    term_of_word[np.array(kept_words, dtype=np.int64)] = np.fromiter(
        map(term_id.__getitem__, stems), dtype=np.int64, count=len(stems)
    )
    tokens = term_of_word[
        np.fromiter(map(word_id.__getitem__, every), dtype=np.int64, count=len(every))
    ]
    starts = starts_of(sizes_)
    doc_of = np.repeat(np.arange(len(given), dtype=np.int64), sizes_)
    kept = np.flatnonzero(tokens >= 0)  # the words indexed, by their place in `every`
    kdoc = doc_of[kept]
    kcount = np.bincount(kdoc, minlength=len(given))
    kstart = starts_of(kcount)
    # StopFilter's positions: the first word kept keeps its own, the rest follow on
    first = np.zeros(len(given), dtype=np.int64)
    has = kcount > 0
    first[has] = kept[kstart[:-1][has]] - starts[:-1][has]
    rterm, rdoc = tokens[kept], kdoc
    rpos = np.arange(len(kept), dtype=np.int64) - kstart[kdoc] + first[kdoc]
    if joined and len(kept):  # each name at the place of its last part kept (none: left out)
        at = np.array([starts[k] + i for k, i, _ in joined], dtype=np.int64)
        jdoc = np.array([k for k, _, _ in joined], dtype=np.int64)
        jterm = np.fromiter(map(term_id.__getitem__, joined_stems), dtype=np.int64)
        place = np.full(len(joined), -1, dtype=np.int64)
        for part in (at - 1, at):  # the second part wins when both are kept
            where = np.searchsorted(kept, part)
            hit = (where < len(kept)) & (kept[np.minimum(where, len(kept) - 1)] == part)
            place[hit] = where[hit]
        ok = place >= 0
        jdoc, place = jdoc[ok], place[ok]
        rterm = np.concatenate([rterm, jterm[ok]])
        rdoc = np.concatenate([rdoc, jdoc])
        rpos = np.concatenate([rpos, place - kstart[jdoc] + first[jdoc]])
    n = len(rterm)
    if n:  # by term, document, position (each of them once)
        top = int(rpos.max()) + 1
        order = np.argsort((rterm * len(given) + rdoc) * top + rpos)
        rterm, rdoc, rpos = rterm[order], rdoc[order], rpos[order]
    lengths = np.zeros(count, dtype=np.uint32)
    lengths[nums] = np.bincount(rdoc, minlength=len(given))
    new = np.ones(n, dtype=bool)  # a posting starts: another term or document
    new[1:] = (rterm[1:] != rterm[:-1]) | (rdoc[1:] != rdoc[:-1])
    gstart = np.flatnonzero(new)
    freq = np.diff(np.append(gstart, n))
    posting = np.cumsum(new) - 1  # of each position
    gap = rpos.copy()
    gap[1:] -= rpos[:-1]
    gap[gstart] = rpos[gstart]
    top_gap = np.maximum.reduceat(gap, gstart) if n else gap
    width = np.where(top_gap <= 0xFF, 1, np.where(top_gap <= 0xFFFF, 2, 4))
    sizes = 1 + freq * width  # _pack's: a byte naming the type, then the gaps
    vstart = starts_of(sizes)
    values = np.zeros(int(vstart[-1]), dtype=np.uint8)
    values[vstart[:-1]] = np.where(width == 1, 0, np.where(width == 2, 1, 2))
    w = width[posting]
    offset = vstart[:-1][posting] + 1 + (np.arange(n) - gstart[posting]) * w
    for k in range(4):  # little-endian, byte by byte
        m = w > k
        values[offset[m] + k] = (gap[m] >> (8 * k)) & 0xFF
    gterm = rterm[gstart]
    tstart = np.flatnonzero(np.append(True, gterm[1:] != gterm[:-1])) if len(gterm) else gstart
    cols = Columns(
        [terms[t].encode("utf-8") for t in gterm[tstart].tolist()],
        as_array("I", np.diff(np.append(tstart, len(gterm)))),
        as_array("I", nums[rdoc[gstart]]),
        as_array("d", freq),
        values.tobytes(),
        as_array("I", sizes),
    )
    return cols, as_array("I", lengths)


def starts_of(counts: Any) -> Any:
    """Where each run of `counts` starts when they are end to end, and the end (numpy)."""
    import numpy as np

    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def as_array(typecode: str, values: Any) -> array:
    """A numpy array as an array.array of `typecode` ("I": 32-bit unsigned, "d")."""
    import numpy as np

    out = array(typecode)
    out.frombytes(np.asarray(values, dtype=np.uint32 if typecode == "I" else np.float64).tobytes())
    return out


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
