"""A light Ukrainian stemmer: what analysis.cyrillic_key cuts off a Ukrainian word, so
that a query word finds its inflected forms (обстріл: обстрілу, обстрілами, обстрілів).

It cuts one inflectional ending, the longest that fits, off the end of the word, as
light stemmers do (Savoy's light stemmers for the languages of Europe; Snowball's
Russian algorithm cuts its endings the same way, in the region after the first vowel).
The endings are Ukrainian's: the case endings of nouns of the four declensions and of
adjectives (hard and soft), the endings of verbs (present, past, infinitive, imperative,
the synthetic future, gerunds) and the reflexive -ся/-сь, as Ukrainian grammars list
them; the lists and the order in which a word's ending is tried follow the published
Snowball stemmer for Ukrainian by Roman Kobzar (2017, BSD-3-Clause; its groups: postfix,
adjective, verb, noun), less its rewrites: this stemmer only cuts, so every form of a word
starts with its key, which the index's lookup of a query word's forms needs
(analysis.cyrillic_prefixes). Measured against Russian Snowball cut further by a
Ukrainian case ending (the key before it) in bench/stemming/README.md: on Ukrainian press
text, 74.2% of a word's occurrences found for 71.7%, 3.4% of other words pulled in for 5.8%.
"""

from __future__ import annotations

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
