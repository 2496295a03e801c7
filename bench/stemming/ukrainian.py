"""A light Ukrainian stemmer, and the key it makes for a Cyrillic word: a candidate for
analysis.cyrillic_key (bench/stemming/README.md has the figures).

It cuts one inflectional ending, the longest that fits, off the end of the word, as
light stemmers do (Savoy's light stemmers for the languages of Europe; Snowball's
Russian algorithm cuts its endings the same way, in the region after the first vowel).
The endings are Ukrainian's: the case endings of nouns of the four declensions and of
adjectives (hard and soft), the endings of verbs (present, past, infinitive, imperative,
the synthetic future, gerunds) and the reflexive -ся/-сь, as Ukrainian grammars list
them; the lists and the order in which a word's ending is tried follow the published
Snowball stemmer for Ukrainian by Roman Kobzar (2017, BSD-3-Clause; its groups: postfix,
adjective, verb, noun), less its rewrites: this stemmer only cuts, so every form of a word
starts with its key, which the index's lookup of a query word's forms needs (cyrillic_prefixes).

Written for this measurement, self-contained (the standard library and PyStemmer only),
to be moved into conflictcli/analysis.py as it stands.
"""

from __future__ import annotations

import Stemmer

_RUSSIAN = Stemmer.Stemmer("russian")
UKRAINIAN_LETTERS = frozenset("іїєґ")
VOWELS = frozenset("аеиоуюяіїєё")
MIN_STEM = 3  # letters a key keeps at least: a shorter one joins words that are not one word's
REFLEXIVE = ("ся", "сь")
# fmt: off
ENDINGS = frozenset((
    # nouns: singular and plural, the four declensions, hard, soft and mixed groups
    "а", "я", "о", "е", "є", "у", "ю", "і", "ї", "и", "ь", "й",
    "ом", "ем", "єм", "ям", "ам", "ою", "ею", "єю", "ові", "еві", "єві",
    "ів", "їв", "ей", "ах", "ях", "ами", "ями", "ьми",
    # adjectives, participles, ordinals, possessives (hard and soft)
    "ий", "ій", "ого", "ього", "ому", "ьому", "им", "ім", "их", "іх", "ими", "іми",
    "ої", "ьої", "ьою", "ую", "юю", "ая", "яя", "еє",
    # verbs: infinitive, present, past, imperative, gerunds; as Snowball's Russian
    # verb endings, those that begin with a consonant only after the vowel before them
    "ати", "яти", "ити", "іти", "ути", "ать", "ять", "ить", "іть", "їть", "уть", "ють",
    "еш", "єш", "иш", "їш", "емо", "ємо", "имо", "їмо", "ете", "єте", "ите", "їте",
    "ав", "ала", "ало", "али", "ив", "ила", "ило", "или",
    "яв", "яла", "яло", "яли", "ув", "ула", "уло", "ули",
    "імо", "ймо", "йте",
    "учи", "ючи", "ачи", "ячи", "вши", "вшись",
))
# fmt: on
_LONGEST = max(map(len, ENDINGS))


def stem(word: str) -> str:
    """`word` (lower case) less its reflexive -ся/-сь and its longest inflectional ending,
    where at least MIN_STEM letters with a vowel among them are left."""
    for r in REFLEXIVE:
        if word.endswith(r) and _stem_ok(word[: -len(r)]):
            word = word[: -len(r)]
            break
    for size in range(min(_LONGEST, len(word) - 1), 0, -1):
        if word[-size:] in ENDINGS and _stem_ok(word[:-size]):
            return word[:-size]
    return word


def _stem_ok(stem: str) -> bool:
    return len(stem) >= MIN_STEM and not VOWELS.isdisjoint(stem)


def ukrainian_key(word: str, everywhere: bool = False) -> str | None:
    """What the inflected forms of a Cyrillic word (lower case, as indexed) share: for a
    word with і, ї, є or ґ (Ukrainian), its light Ukrainian stem; for any other, its
    Russian Snowball stem (as cyrillic_key does), or with `everywhere` the Ukrainian stem
    of every word. Both only cut endings (Snowball reads ё as е), so every form starts with
    its key. None for a word that is not Cyrillic or whose key is too short."""
    if not word or not all("\u0400" <= c <= "\u04ff" for c in word):
        return None
    if everywhere or not UKRAINIAN_LETTERS.isdisjoint(word):
        key = stem(word)
    else:
        key = _RUSSIAN.stemWord(word)
    return key if len(key) >= MIN_STEM else None
