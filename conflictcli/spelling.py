"""The nearest spellings of what a request names and the archive does not hold ("did you
mean"): a word among the words of the index, an outlet among the archive's, a place
among the gazetteer's. RapidFuzz (MIT) measures how near; it is imported only here, and
only when a suggestion is wanted (an empty result, an unknown place).

The work is bounded whatever the size of the archive: a word is held only against the
words of the index that share its first letter and one of its next two (prefixes()),
each list read up to MAX_WORDS, and only those of a length within the edits it may
take."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from conflictcli.analysis import query_terms, query_terms_of

MOST = 3  # spellings suggested for one word, outlet or place
MAX_WORDS = 5000  # words of the index read for one prefix of one word, at most
NAME_SCORE = 75  # how alike an outlet or a place must be (RapidFuzz's scores, 0-100)
CLOSE = 10  # how much less alike than the most alike one a suggestion may be
MIN_WORD = 3  # a shorter word is not matched: too many words are one edit from it
ENDING = 6  # how much shorter than a word's term a stem of it may be (an ending cut)
# what English words end with, that the stemmer cuts (spelled())
ENDINGS = (
    *("", "e", "s", "es", "ed", "ing", "y", "ies", "er", "ers", "al", "ly", "ion", "ions"),
    *("ation", "ations", "ment", "ments", "ive", "ity", "ous", "ance", "ence", "ant", "ent"),
)


def edits(term: str) -> int:
    """How many edits (a letter added, dropped, changed, or two swapped) a word of the
    index may be from `term` to be suggested for it: more for a longer word."""
    n = len(term)
    return 0 if n < MIN_WORD else 1 if n <= 5 else 2 if n <= 10 else 3


def prefixes(term: str) -> list[str]:
    """The prefixes of the words of the index held against `term`: its first two
    letters; its first and third (a second letter added, or swapped with the third:
    dornes, drones); its first alone (another second letter: up to MAX_WORDS of them)."""
    if len(term) < MIN_WORD:
        return []
    return list(dict.fromkeys([term[:2], term[0] + term[2], term[:1]]))


def distance(a: str, b: str) -> int:
    """The edits from `a` to `b`, two letters swapped counting as one (OSA)."""
    from rapidfuzz.distance import OSA

    return int(OSA.distance(a, b))


def near_words(term: str, words: Iterable[str], most: int) -> list[tuple[str, int]]:
    """The `words` (of the index: stems) within `most` edits of `term` (the term of the
    word typed), each with its distance, the nearest first (ties in the order given). A
    stem shorter than `term` is also held against as much of `term`, one edit more: the
    stemmer cut an ending it could not read in a misspelt word (invasoin, invas)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    if not most:
        return []
    size = len(term)
    pool = [w for w in dict.fromkeys(words) if w != term and -ENDING <= len(w) - size <= most]
    near = {
        w: int(d)
        for w, d, _ in process.extract(
            term, pool, scorer=OSA.distance, score_cutoff=most, limit=None
        )
    }
    shorter: dict[int, list[str]] = {}
    for w in pool:
        if len(w) < size:
            shorter.setdefault(len(w), []).append(w)
    for n, group in shorter.items():
        for w, d, _ in process.extract(
            term[:n], group, scorer=OSA.distance, score_cutoff=most - 1, limit=None
        ):
            near[w] = min(near.get(w, most), int(d) + 1)
    order = {w: k for k, w in enumerate(pool)}
    return sorted(near.items(), key=lambda wd: (wd[1], order[wd[0]]))


def spelled(stems: list[str]) -> dict[str, list[str]]:
    """Words a query reads as each of `stems` (words of the index): the stem itself, or
    it with an English ending (invas: invase, invasion; drone: drones), in the order of
    ENDINGS, none where no such word reads as it. Search for one and the articles that hold the
    stem are found; the nearest to a word typed tells how near the stem is written."""
    guesses = [(stem, stem + ending) for stem in stems for ending in ENDINGS]
    out: dict[str, list[str]] = {stem: [] for stem in stems}
    for (stem, guess), read in zip(guesses, query_terms_of([g for _, g in guesses]), strict=True):
        if read == (stem,):
            out[stem].append(guess)
    return out


def likeliest(
    word: str, forms: dict[str, list[str]], docs: dict[str, int], most: int, size: int
) -> list[tuple[int, str, str]]:
    """Of the stems of `forms` (in the order given), the `size` likeliest to be what
    `word` (as typed, folded) was meant to be, each after the edits from `word` to its
    nearest form (spelled()) and with a word that reads as it: those within `most`
    edits, the nearest first, then the most common (`docs`): for dornes, drones before
    dorms and done."""
    ranked = []
    for n, (stem, words) in enumerate(forms.items()):
        if words:
            nearest = min(distance(word, w) for w in words)
            if nearest <= most:
                ranked.append((nearest, -docs.get(stem, 0), n, stem, words[0]))
    ranked.sort()
    return [(edits, stem, key) for edits, _, _, stem, key in ranked[:size]]


def _alike(typed: str, choices: list[str], scorers: tuple[Any, ...], most: int) -> list[int]:
    """The indexes of the `most` `choices` most like `typed` by the best of RapidFuzz's
    `scorers` (case, spaces and punctuation left aside), at least NAME_SCORE and within
    CLOSE of the best: the most alike first, ties in the order given."""
    from rapidfuzz import process, utils

    best: dict[int, float] = {}
    for scorer in scorers:
        for _, score, n in process.extract(
            typed,
            choices,
            scorer=scorer,
            processor=utils.default_process,
            score_cutoff=NAME_SCORE,
            limit=None,
        ):
            best[n] = max(best.get(n, 0.0), score)
    order = sorted(best, key=lambda n: (-best[n], n))
    if not order:
        return []
    return [n for n in order if best[n] >= best[order[0]] - CLOSE][:most]


def near_names(typed: str, names: Sequence[str], most: int = MOST) -> list[str]:
    """Of `names` (an archive's outlets), the `most` most like `typed`: a slip of the
    pen (Reuter, Gaurdian) or a part of the name (al jazeera: Al Jazeera English)."""
    from rapidfuzz import fuzz

    return [names[n] for n in _alike(typed, list(names), (fuzz.WRatio,), most)]


class Places(Protocol):
    """Where --place looks a spelling up (names.Names)."""

    def lookup_many(self, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], Any]: ...


def script(text: str) -> str | None:
    """The script of the first letter of `text` (LATIN, CYRILLIC, ARABIC...), or None."""
    for c in text:
        if c.isalpha():
            return unicodedata.name(c, "").split(" ", 1)[0] or None
    return None


def near_places(
    typed: str, rows: Iterable[dict[str, Any]], where: Places, kinds: tuple[str, ...]
) -> list[str]:
    """The places of the gazetteer (its `rows`, entries of `kinds`) with a spelling most
    like `typed` in the script it is typed in, each once, as --place would read that
    spelling (the place `where` gives for it): the place's name, or in another script the
    spelling and the place's name after it (Харків (Kharkiv))."""
    from rapidfuzz import fuzz

    written = script(typed)
    spellings = [
        v
        for row in rows
        if row.get("kind") in kinds
        for v in row.get("variants", ())
        if isinstance(v, str) and script(v) == written
    ]
    # a slip of the pen (ratio), or more words than the name (token set: Dnipro city);
    # a place has many spellings: enough of them for MOST places
    found = [
        spellings[n]
        for n in _alike(typed, spellings, (fuzz.ratio, fuzz.token_set_ratio), MOST * 10)
    ]
    keys = {v: query_terms(v) for v in found}
    known = where.lookup_many([k for k in keys.values() if k])
    out: dict[str, str] = {}  # the place's id -> its suggestion
    for v in found:
        match = known.get(keys[v])
        if match is None or match.name.kind not in kinds or match.name.id in out:
            continue
        name = match.name.name  # in the script typed, the place's own name
        out[match.name.id] = name if script(name) == written else f"{v} ({name})"
    return list(out.values())[:MOST]


def did_you_mean(spellings: Iterable[str]) -> str:
    """`did you mean: a, b?`, or "" for none."""
    listed = ", ".join(spellings)
    return f"did you mean: {listed}?" if listed else ""


def place_hint(typed: str, where: Places, kinds: tuple[str, ...]) -> str:
    """The hint of a --place the gazetteer does not know: the places nearest it, and
    where to find the others."""
    from conflictcli.gazetteer import entries

    near = did_you_mean(near_places(typed, entries(), where, kinds))
    listed = "Run 'conflict places' to list the places it knows, or search for the words."
    return f"D{near[1:]} {listed}" if near else listed
