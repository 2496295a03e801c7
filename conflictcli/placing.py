"""Which places of the gazetteer an article names, decided once, at ingest, from its text
as written (case, the words beside a name), for every engine alike: the engine indexes
what places_of() gives, and `places`, `--place` and `count --by place` read that.

Every spelling of a place counts as the place (the one a search reads it as, when two
share it: names.own_forms), except a spelling that is also an ordinary word or a person's
name in Russian, Ukrainian or English (the gazetteer's `words`: счастье, ровно, Золотом,
Макаров, Makarov). Such a spelling names the place only when it is capitalised and the
text says place:
- a preposition of place before it, in the case it asks for (в Счастье, под Снежным,
  из Макарова, через Золотое; in, near, outside);
- a word of place beside it (город Счастье, жителі Макарова, Счастье района, Rivne region);
- another place of the same oblast near it (Макарова на Київщині);
- or, for an ordinary word (not a name), a capital in the middle of a sentence, outside
  quotes, not part of a longer name (Золотой мяч, Покрова Пресвятой) nor an adjective
  before the noun it describes (о Золотом мяче).
Otherwise it is the word (счастье, снежный покров, тренер Макаров), not the place. A
spelling that is also the name of another well-known place (Дзержинск: Toretsk's old
name, and a city near Nizhny Novgorod) names the place only beside another place of the
same oblast.

The work is one regular expression over the text and a dictionary look-up per word;
the context is read only around the few spellings that need it."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from conflictcli.place_words import (
    ABBREVIATIONS,
    ALL_CASES,
    ARABIC_FOLD,
    BETWEEN,
    LITTLE,
    NAME_CASES,
    NAMED_AFTER,
    NOT_FOR_NAMES,
    NOT_PLACE,
    OF_PLACE,
    OF_REGION,
    ONE_BETWEEN,
    PATRONYMIC,
    PLACE_AFTER,
    PLACE_BEFORE,
    PLACE_PREPOSITIONS,
    REGIONS,
    RIVER,
    RIVERS,
    SUBSCRIBE,
    arabic_bare,
    uncased,
)

# apostrophes as one, ё as е: how spellings and texts are compared
_FOLD = (("’", "'"), ("ʼ", "'"), ("‘", "'"), ("`", "'"), ("ʹ", "'"), ("ё", "е"), ("Ё", "Е"))
# words, as plainly as the fastest scan finds them: Куп'янськ is куп + янськ, in a text
# as in a spelling, and Kyiv's is kyiv + s
_WORD = re.compile(r"\w+")
NEAR = 12  # words between two places of one oblast that make each other places
_SENTENCE_END = frozenset(".!?…\n")
_QUOTES = frozenset("«\"“„‘'")
_ARABIC = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class Spelling:
    """A spelling of a place as the text is read for it."""

    place: str  # the id of the place it is read as
    within: frozenset[str]  # the oblasts (region ids) the place lies in
    common: str | None = None  # also an ordinary "word", a person's "name", a "place"
    adjective: bool = False  # the ordinary word is an adjective (Золотом)
    cases: frozenset[str] = ALL_CASES  # the cases this form of the place's name is in
    namesake: str | None = None  # the oblast named after the place (Donetsk: Donetsk Oblast)


NO_PLACE = Spelling("", frozenset())  # a name that holds a place's name, and is none

# first word -> (the next words, the spelling), the longest first
Table = dict[str, list[tuple[tuple[str, ...], Spelling]]]


def fold(text: str) -> str:
    """A text as spellings are compared: NFC, one apostrophe, ё as е, Arabic folded."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for one, other in _FOLD:
            if one in text:
                text = text.replace(one, other)
        if _ARABIC.search(text):
            text = text.translate(ARABIC_FOLD)
    return text


@functools.cache
def table() -> Table:
    """Every spelling of every place and region, read as the place a search reads it as
    (a spelling two entries share goes to the more prominent, owner())."""
    from conflictcli.gazetteer import entries
    from conflictcli.names import PLACE_KINDS

    rows = entries()
    namesakes = _namesakes(rows)
    owners: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for e in rows:
        for variant in e["variants"]:
            for tokens in _spelled(variant):
                held = owners.setdefault(tokens, [])
                if e not in held:
                    held.append(e)
    out: Table = {}
    for e in rows:
        if e["kind"] not in PLACE_KINDS:
            continue
        within = frozenset(e.get("within") or [])
        words = e.get("words") or {}
        for variant in e["variants"]:
            for tokens in _spelled(variant):
                if owner(tokens, owners[tokens]) is e:
                    spelling = _spelling(e["id"], within, words.get(variant))
                    if variant.isascii() and e["id"] in namesakes:
                        spelling = replace(spelling, namesake=namesakes[e["id"]])
                    _put(out, tokens, spelling)
    # the names of several words of what is no place, which hold a place's name
    # (Kyiv Post, Shakhtar Donetsk): read whole, they name no place
    for tokens, held in owners.items():
        some = len(tokens) > 1 and any(t in out for t in tokens)
        if some and owner(tokens, held)["kind"] not in PLACE_KINDS:
            _put(out, tokens, NO_PLACE)
    for entries_ in out.values():
        entries_.sort(key=lambda x: -len(x[0]))
    return out


def owner(tokens: tuple[str, ...], held: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the entries that spell these words, the one a search reads them as (the rule
    of names.Gazetteer, on the words as written: the entry whose canonical name holds
    them, else one whose own name they are over one that yields them, else the first
    of names.KINDS), so that a place is counted where a search finds it."""
    if len(held) == 1:
        return held[0]
    from conflictcli.names import KINDS

    def prominence(e: dict[str, Any]) -> tuple[int, int, int, str]:
        holds = set(tokens) <= set(_WORD.findall(fold(e["name"]).lower()))
        yields = any(tokens in _spelled(v) for v in e.get("yields", []))
        rank = KINDS.index(e["kind"]) if e["kind"] in KINDS else len(KINDS)
        return (0 if holds else 1, 1 if yields else 0, rank, e["id"])

    return min(held, key=prominence)


def _namesakes(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each place whose oblast is named after it (Donetsk: Donetsk Oblast, Rostov-on-Don:
    Rostov Oblast), with the oblast: in English the place's name alone may stand for
    either."""
    spelled = {e["id"]: {v.casefold() for v in e["variants"]} for e in rows}
    names = {e["id"]: e["name"].rpartition(" ")[0].casefold() for e in rows}
    return {
        e["id"]: region
        for e in rows
        if e["kind"] == "place"
        for region in e.get("within") or []
        if names.get(region) in spelled[e["id"]]
    }


@functools.cache
def groups() -> list[frozenset[str]]:
    """The oblasts that a region of several is made of (Donbas: Donetsk and Luhansk
    oblasts): their namesakes named together are the oblasts."""
    from conflictcli.gazetteer import entries

    return [frozenset(w) for e in entries() if len(w := e.get("within") or []) > 1]


def _spelling(place: str, within: frozenset[str], word: dict[str, Any] | None) -> Spelling:
    if not word:
        return Spelling(place, within)
    cases = frozenset(word.get("cases") or ALL_CASES)
    return Spelling(place, within, str(word["as"]), bool(word.get("adjective")), cases)


def _spelled(variant: str) -> list[tuple[str, ...]]:
    """The words of a spelling, folded (a Cyrillic one without its apostrophe too:
    Купянськ)."""
    folded = fold(variant).lower()
    out = [tuple(_WORD.findall(folded))]
    if "'" in folded and not folded.isascii():  # not H'Uman: human is a word
        out.append(tuple(_WORD.findall(folded.replace("'", ""))))
    return [t for t in out if t]


def _put(out: Table, tokens: tuple[str, ...], spelling: Spelling) -> None:
    held = out.setdefault(tokens[0], [])
    for n, (rest, before) in enumerate(held):
        if rest == tokens[1:]:
            if before.common and not spelling.common:
                held[n] = (rest, spelling)  # a spelling that is also a word needs evidence
            return
    held.append((tokens[1:], spelling))


def places_of(title: str, body: str) -> list[str]:
    """The ids of the places (and regions) an article names, in order."""
    found: set[str] = set()
    for text in (title, body):
        if text:
            found |= named(text)
    return sorted(found)


@dataclass(frozen=True)
class _Match:
    first: int  # the index of its first word
    last: int  # and of its last
    spelling: Spelling


def named(text: str, spellings: Table | None = None) -> set[str]:
    """The places one text names (a title, a body)."""
    return {m.spelling.place for m in _read(text, spellings)[1]}


@dataclass(frozen=True)
class Mention:
    """Where a text names a place, for a reader to check: its spelling as written, the
    words around it, and why it counts (a spelling that is no word: "plain")."""

    place: str
    spelled: str
    start: int  # character offsets in the text as folded (fold(): as long as the text)
    end: int
    why: str


def mentions(text: str, spellings: Table | None = None) -> list[Mention]:
    """Every mention of a place in `text` that counts, in order (for bench scripts and
    tests: named() is the fast way to the places alone)."""
    context, counted = _read(text, spellings, why=True)
    if context is None:
        return []
    spans = context.spans
    out = []
    for m, why in counted:
        start, end = spans[m.first][0], spans[m.last][1]
        out.append(Mention(m.spelling.place, context.text[start:end], start, end, why))
    return out


def _read(
    text: str, spellings: Table | None, why: bool = False
) -> tuple[_Context | None, list[Any]]:
    """The matches that count in `text` (with why, when asked: each once per place
    unless `why`), and the context that was read, if any."""
    known = spellings if spellings is not None else table()
    text = fold(text)
    lowered = text.lower()  # the same words, where lower case changes no length
    if len(lowered) == len(text):
        low = _WORD.findall(lowered)
    else:
        low = [w.lower() for w in _WORD.findall(text)]
    if _ARABIC.search(text):
        low = [w.replace("ـ", "") for w in low]
        low = [w if w in known or not _ARABIC.match(w) else arabic_bare(w, known) or w for w in low]
    first = known.keys() & set(low)
    if not first:
        return None, []
    matches: list[_Match] = []
    end = -1
    for i in sorted(i for w in first for i in _at(low, w)):
        if i <= end:
            continue
        for rest, spelling in known[low[i]]:
            if tuple(low[i + 1 : i + 1 + len(rest)]) == rest:
                end = i + len(rest)
                matches.append(_Match(i, end, spelling))
                break
    matches = [m for m in matches if m.spelling.place and not _other(low, m)]
    if any(m.last > m.first for m in matches):  # west bank, not the West Bank
        words = _WORD.findall(text)
        matches = [m for m in matches if not all(w.islower() for w in words[m.first : m.last + 1])]
    if any(m.spelling.namesake for m in matches):
        matches = _oblasts(low, matches)
    plain = [m for m in matches if m.spelling.common is None]
    places = {m.spelling.place for m in plain}
    doubtful = [m for m in matches if m.spelling.common and (why or m.spelling.place not in places)]
    if not doubtful and not why:
        return None, plain
    context = _Context(text, low, matches)
    if not why:
        return context, plain + [m for m in doubtful if context.why(m)]
    counted = [(m, "plain") if m.spelling.common is None else (m, context.why(m)) for m in matches]
    return context, [(m, w) for m, w in counted if w]


def _oblasts(low: list[str], matches: list[_Match]) -> list[_Match]:
    """Places named like their oblasts, read as the oblasts where English says so: the
    regions of Donetsk and Luhansk, the Donetsk and Luhansk republics (a run of such
    names, side by side or joined by "and", after "regions of" or before a word of
    region; Donetsk and Luhansk, the oblasts that make Donbas, named together)."""
    out = list(matches)
    runs: list[list[int]] = []
    for n, m in enumerate(matches):
        if not m.spelling.namesake:
            continue
        if runs and _joined(low, matches[runs[-1][-1]].last, m.first):
            runs[-1].append(n)
        else:
            runs.append([n])
    for run in runs:
        first, last = matches[run[0]].first, matches[run[-1]].last
        skip = BETWEEN if len(run) > 1 else ONE_BETWEEN  # not: Kyiv and other areas
        after = [i for i in range(last + 1, min(last + 4, len(low))) if low[i] not in skip][:1]
        before = low[first - 2 : first]
        oblasts = {matches[n].spelling.namesake for n in run}
        together = len(oblasts) > 1 and any(oblasts <= g for g in groups())
        if (
            together
            or _region_after(low, after[0] if after else None, len(run))
            or before == ["republic", "in"]
            or (len(before) == 2 and before[1] == "of" and before[0] in REGIONS)
        ):
            for n in run:
                s = matches[n].spelling
                region = replace(s, place=s.namesake or s.place, namesake=None)
                out[n] = _Match(matches[n].first, matches[n].last, region)
    return out


def _region_after(low: list[str], i: int | None, names: int) -> bool:
    """A word of region at i, after a run of `names` places named like their oblasts;
    after one alone, "regional" only before what a region has (Kharkiv regional
    governor, not: in Kharkiv, regional officials said)."""
    if i is None or low[i] not in REGIONS:
        return False
    return (
        low[i] != "regional" or names > 1 or (low[i + 1 : i + 2] != [] and low[i + 1] in OF_REGION)
    )


def _joined(low: list[str], last: int, first: int) -> bool:
    return first == last + 1 or (first == last + 2 and low[last + 1] in ("and", "or"))


def _at(words: list[str], word: str) -> list[int]:
    """Where `word` is in `words` (list.index: a search in C)."""
    out, i = [], -1
    try:
        while True:
            i = words.index(word, i + 1)
            out.append(i)
    except ValueError:
        return out


def _other(low: list[str], m: _Match) -> bool:
    """A place's name that names something else here: a river (the Dnipro River, река
    Днепр), what is named after the place (the Minsk agreements, the Chernobyl
    disaster, the Jerusalem Post, Al Mayadeen TV, the Damascus Gate), a channel one is
    asked to subscribe to (Подписаться на Москву - новостную), a person (Abu Saada, bin
    Jassim)."""
    i, j = m.first, m.last
    return (
        (j + 1 < len(low) and low[j + 1] in NAMED_AFTER)
        or (i > 0 and low[i - 1] in RIVER)
        or (i > 0 and low[i - 1] == "the" and low[i] in RIVERS)
        or (i > 1 and low[i - 1] in ("на", "to") and low[i - 2] in SUBSCRIBE)
        or (i > 0 and low[i - 1] in PATRONYMIC)
    )


class _Context:
    """A text's words with the gaps between them, read around a doubtful spelling."""

    def __init__(self, text: str, low: list[str], matches: list[_Match]):
        self.text, self.low, self.matches = text, low, matches
        self.spans = spans = [m.span() for m in _WORD.finditer(text)]
        self.words = [text[a:b] for a, b in spans]
        # the characters between each word and the one before it ("\n" before the first)
        self.gaps = ["\n", *(text[a[1] : b[0]] for a, b in itertools.pairwise(spans))]
        self.starts = {m.first for m in matches}
        self.ends = {m.last for m in matches}

    def why(self, m: _Match) -> str:
        """Why a spelling that is also a word names the place here ("": it does not)."""
        word = self.words[m.first]
        if (word[:1] != word[:1].upper() or self._quoted(m.first)) and not uncased(word):
            return ""
        s = m.spelling
        if s.common == "place":  # another place's name too: only its oblast tells
            return "same oblast" if self._neighbour(m) else ""
        if s.adjective and self._describes_a_noun(m):
            return ""  # в Золотое кольцо, Золотой мяч: an adjective before its noun
        if self._preposition(m.first, s):
            return "preposition"
        if self._place_word(m):
            return "place word"
        if self._neighbour(m):
            return "same oblast"
        if s.common == "word" and not uncased(word) and self._capital_inside_sentence(m):
            return "capital"
        return ""

    def _quoted(self, i: int) -> bool:
        gap = self.gaps[i].strip()
        return bool(gap) and gap[-1] in _QUOTES

    def _before(self, i: int) -> str | None:
        """The word before word i, when only spaces part them."""
        if i == 0 or self.gaps[i].strip():
            return None
        return self.low[i - 1]

    def _preposition(self, i: int, s: Spelling) -> bool:
        word = self._before(i)
        if word is None or word not in PLACE_PREPOSITIONS:
            return False
        cases = PLACE_PREPOSITIONS[word]
        if s.common == "name":
            if word in NOT_FOR_NAMES:
                return False
            cases = NAME_CASES.get(word, cases)
        return bool(s.cases & cases)

    def _place_word(self, m: _Match) -> bool:
        i, j = m.first, m.last
        word = self._before(i)
        if word in PLACE_BEFORE:
            return True
        if i > 0 and self.low[i - 1] in ABBREVIATIONS and self.gaps[i].strip() == ".":
            return True  # г. Счастье
        if word == "of" and i > 1 and self.low[i - 2] in OF_PLACE:
            return True  # the town of Makariv
        after = j + 1
        return (
            after < len(self.low)
            and not self.gaps[after].strip(" ,")
            and self.low[after] in PLACE_AFTER
        )

    def _neighbour(self, m: _Match) -> bool:
        """Another place of the same oblast near it, itself no word (or a region)."""
        if not m.spelling.within:
            return False
        return any(
            o.spelling.common is None
            and o.spelling.place != m.spelling.place
            and o.spelling.within & m.spelling.within
            and abs(o.first - m.first) <= NEAR
            for o in self.matches
        )

    def _capital_inside_sentence(self, m: _Match) -> bool:
        i, j = m.first, m.last
        word = self.words[i]
        if word.isupper() or any(c in _SENTENCE_END for c in self.gaps[i]):
            return False  # a capital that says nothing: all capitals, a sentence's start
        if not self.gaps[i].strip():
            if self.low[i - 1] in NOT_PLACE:
                return False  # о Золотом мяче, на Покров
            if self.words[i - 1][:1].isupper() and i - 1 not in self.ends:
                return False  # part of a longer name: Богдан Хмельницкий
        after = j + 1
        if after < len(self.words) and not self.gaps[after].strip():
            following = self.words[after]
            if following[:1].isupper() and after not in self.starts:
                return False  # part of a longer name: Покрова Пресвятой Богородицы
        return True

    def _describes_a_noun(self, m: _Match) -> bool:
        """A lower-case word right after it that is not a little word (в, и, не): the
        noun an adjective describes (Золотое кольцо), as far as a reader of words tells."""
        after = m.last + 1
        return (
            after < len(self.words)
            and not self.gaps[after].strip()
            and self.words[after][:1].islower()
            and self.low[after] not in LITTLE
        )
