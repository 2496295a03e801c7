"""Issue 27, points 4 and 6: a Ukrainian name with an apostrophe is one word in any of
its apostrophes (Куп'янськ, Куп’янськ, Купʼянськ, Куп‘янськ, Купянськ), while English
apostrophes part words as before (Russia's, don't); and the words of a name of several
words, unquoted, are read as that name (Kryvyi Rih, Kursk Oblast) as the phrase of them
is, in every spelling, with a note; --exact keeps the words.

The texts are written for the test, in Ukrainian, Russian and English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conflictcli.analysis import query_terms, scan, spans_of, term_positions
from conflictcli.names import expand
from conflictcli.query.parse import parse

from conftest import Run, as_json, invoke, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

APOSTROPHE_TEXTS = {
    "uk-right-quote": "Уночі дрони атакували Куп\u2019янськ, у місті пошкоджено водогін.",
    "uk-letter": "У Куп\u02bcянську відкрили ще один пункт обігріву для мешканців.",
    "uk-straight": "Автобус із Куп'янська прибув до Харкова з сорока пасажирами.",
    "uk-left-quote": "Волонтери привезли генератори до Куп\u2018янська напередодні морозів.",
    "ru": "В Купянске восстановили подачу газа в три многоэтажных дома.",
    "en": "Volunteers delivered generators to Kupiansk before the frost.",
    "uk-sloviansk": "Під Слов\u2019янськом аграрії вийшли в поле попри небезпеку.",
    "en-sloviansk": "Farmers near Sloviansk went into the fields despite the danger.",
    "uk-marinka": "Бої за Мар'їнку тривали кілька місяців, село зруйноване.",
    "en-marinka": "The fight for Marinka lasted many months.",
    "en-possessive": "Russia's army said it don't retreat; Ukraine\u2019s army said otherwise.",
}
KUPIANSK = {"uk-right-quote", "uk-letter", "uk-straight", "uk-left-quote", "ru", "en"}

NAME_TEXTS = {
    "kr-en": "A missile hit a hotel in Kryvyi Rih on Monday, killing two people.",
    "kr-en-2": "Power was restored in Kryvyi Rih by the evening, the mayor said.",
    "kr-ru": "В Кривом Роге ракета попала в гостиницу, погибли два человека.",
    "kr-uk": "У Кривому Рогу до вечора відновили електропостачання.",
    "kr-words": "In the old dialect kryvyi meant crooked, and a rih was a horn.",
    "ku-en": "Fighting continued in Kursk Oblast near Sudzha, both sides said.",
    "ku-ru": "Бои в Курской области продолжаются возле Суджи, сообщили обе стороны.",
    "ku-words": "The oblast council met in Kursk, a city of half a million.",
}
KRYVYI_RIH = {"kr-en", "kr-en-2", "kr-ru", "kr-uk"}
KURSK_OBLAST = {"ku-en", "ku-ru"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("name-spellings")
    texts = {**APOSTROPHE_TEXTS, **NAME_TEXTS}
    for n, (name, text) in enumerate(texts.items()):
        write(d / "in" / f"{name}.txt", f"date 2024-09-{n + 1:02d}\n{text}\n")
    ix = str(d / "archive")
    r = invoke("ingest", str(d / "in"), "--index", ix, "--quiet")
    assert r.exit_code == 0, r.stderr
    return ix


def found(run: Run, ix: str, *args: str) -> dict[str, Any]:
    r = run("search", *args, "--json", "--limit", "0", "--index", ix)
    got = as_json(r)
    got["files"] = {Path(x["path"]).stem for x in got["results"]}
    got["stderr"] = r.stderr
    assert got["total"] == len(got["results"])  # the count is the list
    return got


def count(run: Run, ix: str, *args: str) -> int:
    r = run("count", *args, "--json", "--index", ix)
    assert r.exit_code == 0, r.stderr
    return int(as_json(r)["count"])


# -- point 4: apostrophes -----------------------------------------------------------


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u02bc", "\u2018", "`", ""])
def test_a_cyrillic_word_is_one_word_whatever_its_apostrophe(apostrophe: str) -> None:
    assert query_terms(f"Куп{apostrophe}янськ") == ("купянськ",)
    assert query_terms(f"МАР{apostrophe}ЇНКА") == ("марїнка",)
    text = f"Бої під Слов{apostrophe}янськом."
    words = scan(text)[0]
    assert words == ["бої", "під", "словянськом"]
    (start, end), *_ = spans_of(text, {"словянськом"})  # the whole word is marked
    assert text[start:end] == f"Слов{apostrophe}янськом"


def test_english_apostrophes_part_words_as_before() -> None:
    assert query_terms("Russia's") == query_terms("Russia\u2019s") == ("russia",)
    assert query_terms("don't") == ("don",)
    assert query_terms("O'Brien") == ("brien",)
    text = "Russia's army said it don't retreat; Ukraine\u2019s army said otherwise."
    assert term_positions(text, None) == {
        "russia": [0], "armi": [1, 6], "said": [2, 7], "don": [3], "retreat": [4],
        "ukrain": [5], "otherwis": [8],
    }  # fmt: skip
    # an apostrophe beside one Cyrillic letter only, or a quote around a word, parts words
    assert query_terms("Київ'Kyiv 'Київ'") == ("київ", "kyiv", "київ")


@pytest.mark.parametrize("spelling", ["Куп'янськ", "Куп\u2019янськ", "Куп\u02bcянськ",
                                      "Куп\u2018янськ", "Купянськ", "Kupiansk", "Купянск",
                                      '"Куп\u2019янськ"'])  # fmt: skip
def test_every_apostrophe_finds_every_spelling_of_the_place(
    run: Run, archive: str, spelling: str
) -> None:
    got = found(run, archive, spelling)
    assert got["files"] == KUPIANSK
    assert count(run, archive, spelling) == len(KUPIANSK)
    assert count(run, archive, "*", "--place", spelling) == len(KUPIANSK)


def test_sloviansk_and_marinka_with_an_apostrophe(run: Run, archive: str) -> None:
    for typed, english in (("Слов'янськ", "Sloviansk"), ("Мар\u02bcїнка", "Marinka")):
        assert found(run, archive, typed)["files"] == found(run, archive, english)["files"]
        assert len(found(run, archive, typed)["files"]) == 2


def test_exact_reads_every_apostrophe_as_one_spelling(run: Run, archive: str) -> None:
    # the genitive, written with ' and with ‘ in two articles
    for typed in ("Куп'янська", "Куп\u2019янська", "Купʼянська", "Купянська"):
        assert found(run, archive, typed, "--exact")["files"] == {"uk-straight", "uk-left-quote"}


def test_explain_reads_the_word_whole_and_the_snippet_marks_it(run: Run, archive: str) -> None:
    tree = as_json(run("search", "Куп'янськ", "--explain", "--json", "--index", archive))
    parsed = tree["parsed"]
    assert parsed["op"] == "name" and parsed["name"] == "Kupiansk"
    spelled = {c["text"] for c in parsed["children"]}
    assert "купянськ" in spelled and not {"куп", "янськ"} & spelled
    text = run("search", "Куп'янськ", "--explain", "--index", archive).stdout
    assert "any spelling of Kupiansk" in text and "куп " not in text
    marked = {
        Path(r["path"]).stem: [r["snippet"][a:b] for a, b in r["highlights"]]
        for r in found(run, archive, "Kupiansk")["results"]
    }
    assert marked["uk-right-quote"] == ["Куп\u2019янськ"]
    assert marked["uk-letter"] == ["Куп\u02bcянську"]


def test_english_searches_with_an_apostrophe_are_as_before(run: Run, archive: str) -> None:
    for typed, same in (("Russia's", "Russia"), ("Ukraine\u2019s army", "Ukraine army")):
        assert found(run, archive, typed)["files"] == found(run, archive, same)["files"]
        assert found(run, archive, typed)["files"] == {"en-possessive"}
    assert found(run, archive, '"Russia\'s army"')["files"] == {"en-possessive"}


# -- point 6: names of several words, unquoted ----------------------------------------


@pytest.mark.parametrize("words", ["Kryvyi Rih", "Kursk Oblast", "kursk region"])
def test_the_words_of_a_name_read_as_the_quoted_name(words: str) -> None:
    unquoted = expand(parse(words).tree)  # type: ignore[arg-type]
    quoted = expand(parse(f'"{words}"').tree)  # type: ignore[arg-type]
    assert unquoted.tree == quoted.tree
    assert any("as one name" in n for n in unquoted.notes())
    assert not any("as one name" in n for n in quoted.notes())


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("Kryvyi Rih", KRYVYI_RIH),
        ('"Kryvyi Rih"', KRYVYI_RIH),
        ("Kryvyi-Rih", KRYVYI_RIH),
        ("Кривой Рог", KRYVYI_RIH),
        ("Kursk Oblast", KURSK_OBLAST),
        ("Курская область", KURSK_OBLAST),
        ("hotel Kryvyi Rih", {"kr-en"}),  # a name after another word
        ("Kryvyi Rih hotel", {"kr-en"}),
        ("(Kryvyi Rih) OR (Kursk Oblast)", KRYVYI_RIH | KURSK_OBLAST),
        ("Rih Kryvyi", {"kr-en", "kr-en-2", "kr-words"}),  # not the name's order: the words
        ("Kryvyi OR Rih", {"kr-en", "kr-en-2", "kr-words"}),  # OR: the words
    ],
)
def test_unquoted_names_find_every_spelling(
    run: Run, archive: str, typed: str, want: set[str]
) -> None:
    got = found(run, archive, typed)
    assert got["files"] == want
    assert count(run, archive, typed) == len(want)


def test_the_note_and_explain_say_the_words_are_a_name(run: Run, archive: str) -> None:
    got = found(run, archive, "Kryvyi Rih")
    assert "'kryvyi rih' as one name, Kryvyi Rih" in got["stderr"]
    assert "--exact" in got["stderr"]
    tree = as_json(run("search", "Kursk Oblast", "--explain", "--json", "--index", archive))
    assert tree["parsed"]["op"] == "name" and tree["parsed"]["name"] == "Kursk Oblast"
    assert any("as one name" in n for n in tree.get("notes", []))


def test_exact_keeps_the_words(run: Run, archive: str) -> None:
    assert found(run, archive, "Kryvyi Rih", "--exact")["files"] == {"kr-en", "kr-en-2", "kr-words"}
    got = found(run, archive, "Kursk Oblast", "--exact")
    assert got["files"] == {"ku-en", "ku-words"}
    assert "as one name" not in got["stderr"]
