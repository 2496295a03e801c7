"""The language of an article, as ingest detects it: an ISO 639-1 code (en, ru, uk, ar),
or None when the text is too short or too mixed to tell.

py3langid (BSD, by trafilatura's author) decides: a naive Bayes model of byte n-grams over
142 languages, shipped in its wheel as a NumPy archive (no pickle), under a millisecond
for the SAMPLE_CHARS it reads.
Its model loads once a process (half a second), so only ingest and reindex load it.
What it reads is the start of the text without what says nothing of a language (links,
@handles, digits); Arabic dialects are Arabic (their likelihoods summed), and a text
with ы or э is not Ukrainian, Bulgarian, Macedonian or Serbian. Measured against
lingua, langdetect, CLD2 and CLD3 on short and long texts in bench/stemming/README.md."""

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
    scores = _model().rank(got)
    best, p = scores[0]
    lang = MACRO.get(best, best)
    if lang != best:  # a dialect: sure as its language's dialects are together
        p = sum(q for code, q in scores if MACRO.get(code, code) == lang)
    if lang in _CYRILLIC:
        lang = _cyrillic(got, lang)
    if (p < MIN_CONFIDENCE and lang not in ("ru", "uk")) or lang in NONE:
        return None
    return lang


def _cyrillic(text: str, lang: str) -> str:
    """A text in Cyrillic: the detector's answer, unless the letters say otherwise. ы
    and э are in no alphabet of Ukrainian, Bulgarian, Macedonian or Serbian: with one of
    them and none of і, ї, є, ґ or ў (Belarusian), it is Russian, which the detector
    reads as Bulgarian or Macedonian in short posts. The other way does not hold: a
    Russian post that names Київ has Ukrainian letters (bench/stemming/README.md)."""
    if lang == "ru" or not any(c in _NOT_SOUTH for c in text):
        return lang
    if any(c in _UKRAINIAN_ONLY for c in text) or "ў" in text or "Ў" in text:
        return lang
    return "ru"
