"""The key of a Cyrillic word as the measurement compares it: conflictcli.analysis's
cyrillic_key (the light Ukrainian stemmer of conflictcli/ukrainian.py for a Ukrainian
word, Russian Snowball for any other), and with `everywhere` the Ukrainian stem of every
word. The stemmer was written here and moved into the package as it stood; its tests are
tests/test_ukrainian.py."""

from __future__ import annotations

from conflictcli.analysis import MIN_CYRILLIC_KEY, cyrillic_key
from conflictcli.ukrainian import stem


def ukrainian_key(word: str, everywhere: bool = False) -> str | None:
    """cyrillic_key(word), or with `everywhere` the light Ukrainian stem of any Cyrillic
    word (None for a word that is not Cyrillic or whose key is too short)."""
    if not everywhere:
        return cyrillic_key(word)
    if not word or not all("\u0400" <= c <= "\u04ff" for c in word):
        return None
    key = stem(word)
    return key if len(key) >= MIN_CYRILLIC_KEY else None
