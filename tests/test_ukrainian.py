"""The light Ukrainian stemmer (ukrainian.py) and the key of a Cyrillic word
(analysis.cyrillic_key) it makes for Ukrainian words, on words written for them
(bench/stemming/ measured it on real text)."""

from __future__ import annotations

import pytest
import Stemmer

from conflictcli.analysis import cyrillic_key as ukrainian_key
from conflictcli.ukrainian import MIN_STEM, stem

RUSSIAN = Stemmer.Stemmer("russian")

# each line: forms of one word, as a Ukrainian news text writes them
ONE_WORD = [
    "обстріл обстрілу обстріли обстрілів обстрілами обстрілом обстрілі",
    "ракета ракети ракеті ракету ракетою ракетами ракетах",
    "війна війни війні війну війною",
    "український українського українському українська української українською українські",
    "військовий військового військових військовими військовій",
    "область області областю",
    "знищили знищила знищило",
    "атакує атакуємо",
    "окупант окупанта окупанти окупантів окупантами",
]

# words of different lemmas the key keeps apart
APART = [("рада", "радити"), ("війна", "військо"), ("обстріл", "обстрілювати")]


@pytest.mark.parametrize("line", ONE_WORD)
def test_the_forms_of_a_word_share_its_key(line: str) -> None:
    keys = {ukrainian_key(w) for w in line.split()}
    assert len(keys) == 1, {w: ukrainian_key(w) for w in line.split()}
    assert None not in keys


@pytest.mark.parametrize("pair", APART)
def test_some_words_of_one_root_and_another_lemma_stay_apart(pair: tuple[str, str]) -> None:
    assert ukrainian_key(pair[0]) != ukrainian_key(pair[1])


def test_a_key_only_cuts_so_every_form_starts_with_it() -> None:
    words = [w for line in ONE_WORD for w in line.split()]
    words += ["сталося", "відбувся", "захищаючи", "обстрілювали", "харкові", "кропивницький"]
    for w in words:
        key = ukrainian_key(w)
        assert key is not None and w.startswith(key), (w, key)
        assert len(stem(w)) >= MIN_STEM


def test_a_word_without_ukrainian_letters_keeps_its_russian_key() -> None:
    """Russian text is keyed as before: a word with no і, ї, є or ґ gets Snowball's
    Russian stem, so Russian search is not changed."""
    for w in ["обстрелы", "обстрелов", "ракеты", "военных", "удары", "беспилотников"]:
        assert ukrainian_key(w) == RUSSIAN.stemWord(w)


def test_no_key_for_what_is_not_a_cyrillic_word_or_too_short() -> None:
    assert ukrainian_key("") is None
    assert ukrainian_key("drone") is None
    assert ukrainian_key("дрон2") is None
    assert ukrainian_key("її") is None  # nothing left to tell words apart


def test_a_stem_keeps_a_vowel_and_three_letters() -> None:
    assert stem("ліс") == "ліс"  # no ending to cut
    assert stem("дії") == "дії"  # cutting would leave fewer than three letters
    assert stem("справ") == "справ"  # a genitive plural is not cut to a consonant cluster
