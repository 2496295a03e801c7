"""The language of an article, as ingest detects it: an ISO 639-1 code (en, ru, uk, ar),
or None when the text is too short or too mixed to tell.

py3langid (BSD, by trafilatura's author) decides: a naive Bayes model of byte n-grams over
142 languages, shipped in its wheel as a NumPy archive (no pickle), under a millisecond
for the SAMPLE_CHARS it reads.
Its model loads once a process (half a second), so only ingest and reindex load it.
What it reads is the start of the text without what says nothing of a language (links,
@handles, digits); Arabic dialects are Arabic, and the letters only one of Russian and
Ukrainian has settle which of the two a text is (a Russian post naming Київ has ы or э)."""

from __future__ import annotations

import re
from typing import Any

# the start of the text: enough to tell (a paragraph), and the time stays flat: py3langid
# walks the text's bytes in Python, about a millisecond per 1,000 bytes (Cyrillic: 500
# letters), so more would cost ingest more than the rest of an article's analysis
SAMPLE_CHARS = 400
MIN_LETTERS = 12  # fewer letters than this tell no language
MIN_CONFIDENCE = 0.5  # a guess less sure than this is no answer
# what a detector names finer than a reader filters by: a dialect or variety by its language
MACRO = {"arz": "ar", "ary": "ar", "uzs": "uz", "hbo": "he", "yue": "zh", "wuu": "zh", "gug": "gn"}
NONE = {"zxx"}  # "no linguistic content"
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[@#]\w+|[\d_]+")
_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")
_NOT_SOUTH = frozenset("ыэЫЭ")  # in none of Ukrainian, Bulgarian, Macedonian, Serbian
_CYRILLIC = frozenset({"ru", "uk", "bg", "mk", "sr", "be"})

_identifier: Any = None


def _model() -> Any:
    global _identifier
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def sample(text: str) -> str:
    """What the detector reads of a text: its start, links, handles and digits out (a
    hashtag's word stays: it is in the text's language)."""
    return " ".join(_NOISE.sub(" ", text[: SAMPLE_CHARS * 4].replace("#", " ")).split())[
        :SAMPLE_CHARS
    ]


def detect(text: str) -> str | None:
    """The language of `text` (ISO 639-1), or None when it cannot be told."""
    got = sample(text)
    if sum(c.isalpha() for c in got) < MIN_LETTERS:
        return None
    lang, p = _model().classify(got)
    lang = MACRO.get(lang, lang)
    if lang in _CYRILLIC:
        lang = _cyrillic(got, lang)
    if (p < MIN_CONFIDENCE and lang not in ("ru", "uk")) or lang in NONE:
        return None
    return lang


def _cyrillic(text: str, lang: str) -> str:
    """A text in Cyrillic read by the letters of the alphabets: the detector's answer,
    unless the letters say otherwise (short posts mislead it). ы and э are in no
    alphabet of Ukrainian, Bulgarian, Macedonian or Serbian: with them and none of і, ї,
    є, ґ or ў (Belarusian), it is Russian; і, ї, є, ґ and none of ы, э, ъ, ё, ў: Ukrainian."""
    ukrainian = sum(c in _UKRAINIAN_ONLY for c in text)
    russian = sum(c in _RUSSIAN_ONLY for c in text)
    belarusian = "ў" in text or "Ў" in text
    if ukrainian >= 2 and not russian and not belarusian:
        return "uk"
    if russian and not ukrainian and not belarusian and any(c in _NOT_SOUTH for c in text):
        return "ru"
    return lang
