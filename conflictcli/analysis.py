"""How text becomes index terms: words, lower case, accents folded, stop words out,
Porter stems, positions. Every engine and every reading of text (snippets, names,
stories, --within) reads words this way, so they agree on what a word is.

The work runs in a few passes in C: one regular expression over the text,
`str.translate` for words outside ASCII, and PyStemmer's Porter stemmer over the whole
list of words. The folding table and the stop words are data (data/fold.json, made by
tools/fold_table.py from the table the index has always used, and U+02BC dropped: an
apostrophe inside a Cyrillic word, join_apostrophes()).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Set as AbstractSet
from pathlib import Path

import Stemmer

from conflictcli.ukrainian import UKRAINIAN_LETTERS
from conflictcli.ukrainian import stem as ukrainian_stem

WORD = r"\w+(\.?\w+)*"  # Whoosh's RegexTokenizer default
MIN_LENGTH = 2  # Whoosh's StopFilter default: shorter words are not indexed

STEMMER = Stemmer.Stemmer("porter")
STEMMER.maxCacheSize = 100_000
_TABLE = json.loads((Path(__file__).parent / "data" / "fold.json").read_text("utf-8"))
# str.translate table; it maps no lower-case ASCII letter elsewhere
FOLD: dict[int, str] = {int(k): v for k, v in _TABLE["fold"].items()}
STOP_WORDS = frozenset(_TABLE["stop"])


_RUSSIAN = Stemmer.Stemmer("russian")
MIN_CYRILLIC_KEY = 3  # a shorter common stem joins words that are not one word's forms


def cyrillic_key(word: str) -> str | None:
    """What the inflected forms of a Cyrillic word (lower case, as indexed) share: for
    a Ukrainian word (і, ї, є or ґ in it) its light Ukrainian stem (ukrainian.py:
    обстрілів, обстріли -> обстріл), for any other its Russian Snowball stem. Both only
    cut endings (Snowball reads ё as е), so every form starts with one of
    cyrillic_prefixes(key). None for a word that is not Cyrillic or whose key is too
    short to tell words apart."""
    if not word or not all("\u0400" <= c <= "\u04ff" for c in word):
        return None
    russian = UKRAINIAN_LETTERS.isdisjoint(word)
    key = _RUSSIAN.stemWord(word) if russian else ukrainian_stem(word)
    return key if len(key) >= MIN_CYRILLIC_KEY else None


def cyrillic_prefixes(key: str) -> list[str]:
    """What every word of a cyrillic_key starts with: the key, where the stemmer read no
    ё as е; else the key up to its first е, then е or ё (ёлка and елка are one word to
    Snowball, so their key is елк)."""
    first = key.find("е")
    if first < 0:
        return [key]
    return [key[:first] + "е", key[:first] + "ё"]


# An apostrophe inside a Cyrillic word (Ukrainian, Belarusian: Куп'янськ, Мар'їнка) is a
# letter of it, in whichever character a text writes it ('’‘ʼ, a prime, a backtick, an
# acute): join_apostrophes() writes it U+02BC, which the regular expressions read as a
# letter (one token, every offset where it was) and folding drops (fold.json), so
# Куп'янськ, Куп’янськ, Купʼянськ and Купянськ are one word. Between Latin letters an
# apostrophe parts words as it always has (Russia's, don't).
APOSTROPHES = "'\u2019\u2018\u02bc\u02b9`\u00b4"
_CYRILLIC_LETTER = "\u0400-\u0481\u048a-\u04ff"


def join_apostrophes(text: str) -> str:
    """`text` with each apostrophe between two Cyrillic letters written U+02BC, and each
    Arabic vowel mark too (a mark is no word character: قَصَفَ would part into letters):
    as long as `text`, character for character."""
    return text if text.isascii() else _JOINED.sub("\u02bc", text)


# -- Arabic -------------------------------------------------------------------------
# Arabic is read as Arabic: its vowel marks (harakat, shadda, sukun, the dagger alef and
# Quranic marks: every nonspacing mark of the Arabic block) and the tatweel are dropped,
# the alef forms written ا and alef maqsura ي (FOLD, below), then Snowball's Arabic
# stemmer cuts prefixes and suffixes (القصف, قصفت, قَصَفَ -> قصف), and a taa marbuta or
# haa left at the end of a stem of four letters or more goes (المدينة, المدينه -> مدين),
# so a word written with ه for ة, as posts often do, is the same word.
_ARABIC_STEMMER = Stemmer.Stemmer("arabic")
_ARABIC_MARKS = {c: "\u02bc" for c in range(0x0610, 0x06F0) if unicodedata.category(chr(c)) == "Mn"}
_MARKS = "".join(map(chr, _ARABIC_MARKS))
# both in one pass, a character class first (the engine jumps from one to the next)
_JOINED = re.compile(
    f"[{APOSTROPHES}{_MARKS}](?:(?<=[{_CYRILLIC_LETTER}][{APOSTROPHES}])"
    f"(?=[{_CYRILLIC_LETTER}])|(?<=[{_MARKS}]))"
)
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3]")
ARABIC_FOLD = {
    **{ord(c): "\u0627" for c in "\u0622\u0623\u0625\u0671"},  # آ أ إ ٱ -> ا
    0x0649: "\u064a",  # ى -> ي
    0x0640: "",  # the tatweel (ـ) out
}
FOLD.update(ARABIC_FOLD)


def _arabic_stem(word: str) -> str:
    got = _ARABIC_STEMMER.stemWord(word).replace("\u0629", "\u0647")
    return got[:-1] if len(got) >= 4 and got[-1] == "\u0647" else got


def stem_word(word: str) -> str:
    """A word's index term: Porter's stem, or for an Arabic word its Arabic stem."""
    if not word.isascii() and _ARABIC_LETTER.match(word):
        return _arabic_stem(word)
    return STEMMER.stemWord(word)


def stem(words: list[str]) -> list[str]:
    out = STEMMER.stemWords(words)
    joined = "".join(words)
    if joined.isascii() or not _ARABIC_LETTER.search(joined):
        return list(out)
    return [
        _arabic_stem(w) if not w.isascii() and _ARABIC_LETTER.match(w) else s
        for w, s in zip(words, out, strict=True)
    ]


_STOP = STOP_WORDS
# WORD's tokens, found a third faster: after the greedy \w+ an empty \.? can never
# extend a match, so only a dot followed by word characters does (the same spans on
# every article of ../shared/corpora; tests/test_analysis.py checks it on any text).
_WORD = re.compile(r"\w+(?:\.\w+)*")
# The same tokens, each with the hyphen or space after it when a digit follows: a
# letter-digit name may be written there (Su-34, Leopard 2). tokens() takes it off.
TOKEN = re.compile(r"\w+(?:\.\w+)*(?:[- ](?=\d))?")


@functools.cache
def _spaced() -> frozenset[str]:
    """The designations the gazetteer lists with a space before their number (Leopard 2,
    PzH 2000), joined as the index keeps them: only these are joined across a space,
    which elsewhere parts a word from a number ("in 2022")."""
    from conflictcli.gazetteer import entries  # the package's data file, read once

    out = set()
    for e in entries():
        if e["kind"] == "designation":
            for v in e["variants"]:
                for left, right in re.findall(r"(?<!\w)([^\W\d_]+) (\d\w*)", v):
                    out.add(_folded([(left + right).lower()])[0])
    return frozenset(out)


def tokens(raw: list[str]) -> tuple[list[str], dict[int, str]]:
    """Tokens as TOKEN finds them -> the words (separators off) and the letter-digit
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
    return [w if w.isascii() else w.translate(FOLD) for w in words]


Scanned = tuple[list[str], dict[int, str]]


def scan(text: str) -> Scanned:
    """The words of `text` as the index reads them (its tokens, lower case, accents
    folded, stop words kept), and its letter-digit names (tokens): what postings()
    indexes, and stories.py shingles (the words)."""
    if text.isascii():  # lower case changes no length and no word boundary in ASCII
        return tokens(TOKEN.findall(text.lower()))
    words, joins = tokens(TOKEN.findall(join_apostrophes(text)))  # token by token, as Whoosh
    return _folded([w.lower() for w in words]), {i: _lower(n) for i, n in joins.items()}


def _words(text: str) -> list[str]:
    """The tokens of `text`, lower-cased and accent-folded."""
    return scan(text)[0]


def kept(words: list[str]) -> list[int]:
    # StopFilter: at least MIN_LENGTH (2) characters, not a stop word
    return [n for n, w in enumerate(words) if w[1:] and w not in _STOP]


def spans_of(text: str, stems: AbstractSet[str]) -> list[tuple[int, int]]:
    """The character spans of the words of `text` whose index term is one of `stems`:
    for snippets and marks. Only words that can match are read:
    Porter's stemmer never changes a word's first letter (its second, yes: "ays" ->
    "ai"), so a word must start with the first letter of a stem, or with a letter
    outside ASCII that may fold to one. A letter-digit name (su34) is looked for as
    the index joined it too: Su-34, and Leopard 2 where the gazetteer lists it so."""
    if not stems:
        return []
    text = join_apostrophes(text)  # as long as before: the spans are the same
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


# a letter-digit name as tokens() joins it: letters starting a token, a hyphen or a
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


def folded(word: str) -> str:
    """A word in lower case, accents folded: how names and patterns are compared."""
    return _folded([word.lower()])[0]


def folded_words(text: str) -> list[str]:
    """The words of `text`, each folded (no stop words dropped, no stems): how an
    article's source is indexed."""
    return _folded([m.group().lower() for m in _WORD.finditer(text)])


def one_term(text: str) -> str:
    """A value read whole as the text fields read one word (a pattern such as ukrain*,
    a fuzzy word): folded, and stemmed unless it is a stop word or a single letter."""
    word = folded(join_apostrophes(text))
    return stem_word(word) if word[1:] and word not in _STOP else word


def words(text: str) -> list[str]:
    """The words of `text` as the index reads them (scan())."""
    return _words(text)


def term_positions(text: str, scanned: Scanned | None) -> dict[str, list[int]]:
    """Each term of `text` with its positions, as TEXT_ANALYZER gives them."""
    words, joins = scanned if scanned is not None else scan(text)
    keep = kept(words)
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
