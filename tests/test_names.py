"""Names across spellings and scripts: a search for one spelling of a known name finds
every spelling of it (the gazetteer, names.py), letter-digit designations are one word
in every common spelling, and --exact searches for the spelling typed alone.

The archives here are written by the tests, so how many articles hold each spelling is
known; tests/test_real_names.py counts on the real corpora."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictcli.analysis import query_terms
from conflictcli.engine.whoosh.analysers import TEXT_ANALYZER
from conflictcli.names import gazetteer

from conftest import Run, as_json, only_whoosh, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

# one article per spelling; each also says something else, so that it is not only a name
KYIV = {
    "kyiv": "Air raid sirens sounded in Kyiv overnight.",
    "kiev": "Air raid sirens sounded in Kiev overnight, officials said.",
    "uk": "Сирени лунали в Києві вночі.",
    "uk-nom": "Київ пережив ще одну ніч атак.",
    "ru": "Сирены звучали в Киеве ночью.",
    "ru-gen": "Жители Киева провели ночь в укрытиях.",
    # the same text but for the spelling: a name scores as one word, whatever its spelling
    "same-kyiv": "Power cuts were reported in Kyiv today.",
    "same-kiev": "Power cuts were reported in Kiev today.",
    "twice-one-way": "Kyiv said Kyiv would hold.",
    "twice-two-ways": "Kyiv said Kiev would hold.",
}
SU34 = {
    "hyphen": "A Su-34 bomber was shot down near the border.",
    "joined": "A Su34 bomber was shot down near the border, the army said.",
    "space": "Another Su 34 was reported lost in the region.",
    "cyrillic": "Сообщается о потере Су-34 в регионе.",
    "plural": "Two Su-34s struck the bridge.",
}
OTHER = {
    "ceasefire": "The ceasefire held for a day along the front line.",
    "t72": "A T-72 tank and a T72 were seen on the road.",
    "leopard": "The first Leopard 2 tanks arrived; a leopard was seen in the zoo.",
    "covid": "COVID-19 cases rose in the city.",
    "pokrovsk": "Shelling hit Pokrovsk again.",
    "kharkov": "Shelling hit Kharkov again.",
}


def article(name: str, text: str) -> str:
    return f" date 2024-03-{1 + abs(hash(name)) % 27:02d}\n\n{text}\n"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    from conftest import invoke

    d = tmp_path_factory.mktemp("names")
    for group, texts in (("kyiv", KYIV), ("su34", SU34), ("other", OTHER)):
        for name, text in texts.items():
            write(d / "in" / group / f"{name}.txt", article(name, text))
    ix = str(d / "archive")
    r = invoke("ingest", str(d / "in"), "--index", ix, "--quiet")
    assert r.exit_code == 0, r.stderr
    return ix


def found(run: Run, ix: str, *args: str) -> dict[str, Any]:
    """The search's JSON, with the file names (no folder, no suffix) of every match."""
    got = as_json(run("search", *args, "--json", "--limit", "0", "--index", ix))
    got["files"] = sorted(Path(r["path"]).stem for r in got["results"])
    return got


@pytest.mark.parametrize("spelling", ["Kyiv", "Kiev", "Київ", "Києві", "Киев", "KIEV", "kyiv"])
def test_any_spelling_of_a_place_finds_every_spelling(
    run: Run, archive: str, spelling: str
) -> None:
    got = found(run, archive, spelling)
    assert got["files"] == sorted(KYIV)
    assert got["total"] == len(KYIV)


@pytest.mark.parametrize("spelling", ["Su-34", "Su34", "Su 34", "su-34", "Су-34", '"Su 34"'])
def test_a_designation_is_one_word_in_every_spelling(run: Run, archive: str, spelling: str) -> None:
    assert found(run, archive, spelling)["files"] == sorted(SU34)


def test_a_designation_not_in_the_gazetteer_is_kept_whole_too(run: Run, archive: str) -> None:
    assert found(run, archive, "COVID-19")["files"] == ["covid"]
    assert found(run, archive, "T-72")["files"] == ["t72"]
    assert found(run, archive, "T72")["files"] == ["t72"]
    # its parts are still words of the text, as before
    assert found(run, archive, "COVID")["files"] == ["covid"]


def test_a_designation_written_with_a_space_is_one_word_where_the_gazetteer_says_so(
    run: Run, archive: str
) -> None:
    assert found(run, archive, "Leopard 2")["files"] == ["leopard"]
    assert found(run, archive, "Leopard-2")["files"] == ["leopard"]
    got = found(run, archive, '"first Leopard 2 tanks"')  # a phrase across the name
    assert got["files"] == ["leopard"]


def test_exact_finds_the_spelling_typed_alone(run: Run, archive: str) -> None:
    assert found(run, archive, "Kiev", "--exact")["files"] == [
        "kiev",
        "same-kiev",
        "twice-two-ways",
    ]
    assert found(run, archive, "Киеве", "--exact")["files"] == ["ru"]
    assert found(run, archive, "Kharkiv", "--exact")["total"] == 0
    assert found(run, archive, "Kharkiv")["files"] == ["kharkov"]


@only_whoosh("tantivy scores a name's spellings as alternatives with one rarity (README: Engines)")
def test_a_name_scores_as_one_word_whatever_its_spelling(run: Run, archive: str) -> None:
    """Scored as an Or, the rarer spelling would weigh more, and two spellings in one
    article would count as two words."""
    score = {Path(r["path"]).stem: r["score"] for r in found(run, archive, "Kyiv")["results"]}
    assert score["same-kyiv"] == score["same-kiev"]
    assert score["twice-one-way"] == score["twice-two-ways"]
    assert score["twice-one-way"] > score["same-kyiv"]  # the name twice, in a shorter text
    exact = {
        Path(r["path"]).stem: r["score"] for r in found(run, archive, "Kiev", "--exact")["results"]
    }
    assert exact["same-kiev"] != score["same-kiev"]  # the test can tell the two apart


def test_words_that_are_no_names_are_searched_as_before(run: Run, archive: str) -> None:
    for words in ("ceasefire", "sirens overnight", '"air raid"', "shelling NOT tank", "tank*"):
        expanded, exact = found(run, archive, words), found(run, archive, words, "--exact")
        for key in ("total", "files", "results"):
            assert expanded[key] == exact[key], words


def test_not_a_name_leaves_out_every_spelling_of_it(run: Run, archive: str) -> None:
    assert found(run, archive, "sirens NOT Kyiv")["files"] == []
    assert found(run, archive, "sirens NOT Kyiv", "--exact")["files"] == ["kiev"]  # Kiev's sirens


def test_the_snippet_marks_the_spelling_that_matched(run: Run, archive: str) -> None:
    got = found(run, archive, "Kyiv")
    marked = {
        Path(r["path"]).stem: [r["snippet"][a:b] for a, b in r["highlights"]]
        for r in got["results"]
    }
    assert marked["kiev"] == ["Kiev"]
    assert marked["uk"] == ["Києві"]
    assert marked["ru-gen"] == ["Киева"]
    su = {
        Path(r["path"]).stem: [r["snippet"][a:b] for a, b in r["highlights"]]
        for r in found(run, archive, "Su 34")["results"]
    }
    assert su == {
        "hyphen": ["Su-34"], "joined": ["Su34"], "cyrillic": ["Су-34"], "plural": ["Su-34s"],
        "space": ["Su", "34"],  # found as the phrase "su 34": its words are marked
    }  # fmt: skip


def test_explain_shows_the_spellings_and_says_when_a_name_is_ambiguous(
    run: Run, archive: str
) -> None:
    r = run("search", "Kharkov", "--explain", "--index", archive)
    assert r.exit_code == 0, r.stderr
    assert "any spelling of Kharkiv" in r.stdout and "kharkiv" in r.stdout
    tree = as_json(run("search", "Kharkov", "--explain", "--json", "--index", archive))["parsed"]
    assert tree["op"] == "name" and tree["name"] == "Kharkiv"
    assert {"kharkiv", "kharkov", "харків"} <= {c["text"] for c in tree["children"]}
    r = run("search", "Pokrovsk", "--json", "--index", archive)
    assert "Engels" in r.stderr and "--exact" in r.stderr  # a spelling of two places
    assert as_json(r)["total"] == 1


def test_a_hyphen_inside_a_word_is_no_not(run: Run, archive: str) -> None:
    assert found(run, archive, "S-300")["total"] == 0
    assert found(run, archive, "Su-34 bomber")["files"] == ["hyphen", "joined"]


# -- the analyzer -------------------------------------------------------------------

NAMEY = st.lists(
    st.sampled_from(
        ["Su", "-", " ", "34", "Su-34s", "T-72", "Leopard", "2", "Х-101", "a", "the", "COVID-19",
         "U.S.", "2022-23", "in", "F-16", "Tu-22M3", "PzH 2000", "x-1", "on-2", "‐", "Kyiv"]
    ),
    max_size=20,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(NAMEY, st.text(max_size=40)))
def test_query_terms_are_what_whooshs_chain_reads_in_a_query(text: str) -> None:
    whoosh = tuple(t.text for t in TEXT_ANALYZER(text, mode="query"))
    assert query_terms(text) == whoosh


def test_the_gazetteer_reads_every_example_of_the_issue() -> None:
    gaz = gazetteer()
    for spelling, name in [
        ("Kiev", "Kyiv"), ("Києві", "Kyiv"), ("Kharkov", "Kharkiv"), ("Artemivsk", "Bakhmut"),
        ("Artemovsk", "Bakhmut"), ("Odessa", "Odesa"), ("Zelenskiy", "Volodymyr Zelensky"),
        ("Зеленський", "Volodymyr Zelensky"), ("Su34", "Su-34"), ("Су-34", "Su-34"),
        ("Х-101", "Kh-101"), ("Dnipropetrovsk", "Dnipro"), ("Krasnoarmiisk", "Pokrovsk"),
        ("Белгороде", "Belgorod"),
    ]:  # fmt: skip
        got = gaz.lookup(query_terms(spelling))
        assert got is not None and got.name.name == name, spelling
    assert gaz.lookup(query_terms("ceasefire")) is None
    pokrovsk = gaz.lookup(query_terms("Pokrovsk"))
    assert pokrovsk is not None and pokrovsk.others and pokrovsk.note()


def test_every_stored_spelling_reads_as_a_query_term() -> None:
    """No spelling of the gazetteer is lost to the analyzer (all stop words, one letter)."""
    lost = [
        v
        for e in json.loads("[" + ",".join(_lines()) + "]")
        for v in e["variants"]
        if not query_terms(v)
    ]
    assert lost == []


def _lines() -> list[str]:
    from importlib import resources

    text = resources.files("conflictcli").joinpath("data/gazetteer.jsonl").read_text("utf-8")
    return [line for line in text.splitlines() if line.strip()]


def test_a_name_is_found_in_a_long_text_by_its_joined_form_only_where_it_is_one() -> None:
    # "in 2022" is no designation: only names the gazetteer lists join across a space
    assert query_terms("in 2022") == ("2022",)
    assert query_terms("Leopard 2") == ("leopard2",)
    assert re.fullmatch(r"\w+", query_terms("Tu-22M3")[0])


# -- Cyrillic words that are not names: their inflected forms ---------------------------
CYRILLIC = {
    "a.txt": "Обстрелы продолжались всю ночь, сообщили власти.",
    "b.txt": "После обстрелов жители спустились в укрытия.",
    "c.txt": "Власти сообщили об обстреле склада.",
    "d.txt": "Обстріли тривали до ранку, повідомила адміністрація.",
    "e.txt": "Жертвами обстрілів стали троє людей.",
    "f.txt": "The shelling went on all night; обстрелянный склад сгорел.",
}


@pytest.fixture(scope="module")
def cyrillic(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cyrillic")
    for name, text in CYRILLIC.items():
        write(folder / "texts" / name, f" date 2023-05-01\n{text}\n")
    ix = str(folder / "ix")
    from conftest import invoke

    assert invoke("ingest", str(folder / "texts"), "--index", ix, "--quiet").exit_code == 0
    return ix


def files_found(run: Run, ix: str, *args: str) -> set[str]:
    r = run("search", *args, "--limit", "0", "--json", "--index", ix)
    return {Path(x["path"]).name for x in json.loads(r.stdout)["results"]} if r.stdout else set()


@pytest.mark.parametrize("typed", ["обстрел", "обстрелы", "Обстрелов", "обстреле", "ОБСТРЕЛАМИ"])
def test_a_russian_word_finds_its_every_form(run: Run, cyrillic: str, typed: str) -> None:
    assert files_found(run, cyrillic, typed) == {"a.txt", "b.txt", "c.txt"}


@pytest.mark.parametrize("typed", ["обстріл", "обстріли", "обстрілів", "обстрілами"])
def test_a_ukrainian_word_finds_its_every_form(run: Run, cyrillic: str, typed: str) -> None:
    assert files_found(run, cyrillic, typed) == {"d.txt", "e.txt"}


def test_exact_turns_the_forms_off_and_marks_show_the_form_found(run: Run, cyrillic: str) -> None:
    assert files_found(run, cyrillic, "обстрелов", "--exact") == {"b.txt"}
    res = found(run, cyrillic, "обстрел")
    marked = {x["snippet"][a:b].lower() for x in res["results"] for a, b in x["highlights"]}
    assert marked == {"обстрелы", "обстрелов", "обстреле"}
    # a derived word with another stem is not a form of it
    assert "f.txt" not in files_found(run, cyrillic, "обстрел")


def test_a_cyrillic_name_keeps_its_spellings_and_latin_words_are_untouched(
    run: Run, archive: str, cyrillic: str
) -> None:
    assert found(run, archive, "Київ")["total"] == found(run, archive, "Kyiv")["total"]
    assert (
        files_found(run, cyrillic, "shelling")
        == files_found(run, cyrillic, "shelling", "--exact")
        == {"f.txt"}
    )


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ", min_size=1, max_size=14))
def test_a_cyrillic_key_starts_the_word(word: str) -> None:
    from conflictcli.analysis import MIN_CYRILLIC_KEY, cyrillic_key, cyrillic_prefixes

    key = cyrillic_key(word)
    if key is not None:
        assert len(key) >= MIN_CYRILLIC_KEY
        assert any(word.startswith(p) for p in cyrillic_prefixes(key))
    assert cyrillic_key(word + "x") is None
