"""Languages analysed as themselves: each article's language detected at ingest, kept,
shown and filtered (--lang, count --by lang), adding up to the count under every filter;
Arabic inflected and vowelled forms found; a source's own language code kept; the time
of day in --since/--until and timeline --by hour. Texts written for the test."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictcli import analysis
from conflictcli.language import detect

from conftest import Run, as_json, write

TEXTS = {
    "en1": "Rescue teams worked through the night in the ruins of the apartment block.",
    "en2": "The shelling cut the water supply to the eastern districts for two days.",
    "en3": "Farmers went back to their fields once the deminers had cleared the road.",
    "ru1": "Ночью город снова обстреляли, повреждены две школы и жилой дом на окраине.",
    "ru2": "После обстрела в районе несколько часов не было электричества и связи.",
    "ru3": "Спасатели разбирали завалы до утра, под обстрелом работали и врачи.",
    "uk1": "Вночі місто знову обстріляли, пошкоджено дві школи та житловий будинок.",
    "uk2": "Після обстрілу в районі кілька годин не було світла і зв'язку.",
    "uk3": "Рятувальники працювали під обстрілом, щоб дістатися до людей у підвалі.",
    "ar1": "قصفت الطائرات مواقع في المدينة خلال الليل وتضررت عدة منازل قديمة.",
    "ar2": "قَصَفَ الجَيْشُ المَدِينَةَ لَيْلًا، وَتَضَرَّرَتْ مَدْرَسَةٌ قَرِيبَةٌ مِنَ السُّوقِ.",
    "ar3": "استمر القصف على الأحياء الشرقية طوال الأسبوع بحسب شهادات السكان.",
    "ar4": "وصلت قوافل المساعدات الى المدينه صباحا بعد اغلاق طويل للطريق.",
}
HOURS = {"en1": "08:15", "ru1": "14:35", "uk1": "14:50", "ar1": "23:05"}  # the rest: none


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import invoke

    root = tmp_path_factory.mktemp("langs")
    for n, (name, text) in enumerate(sorted(TEXTS.items())):
        clock = f" {HOURS[name]}" if name in HOURS else ""
        write(root / "in" / f"{name}.txt", f"date 2024-03-{n % 3 + 1:02d}{clock}\n{text}\n")
    r = invoke("ingest", str(root / "in"), "--index", str(root / "ix"), "--quiet")
    assert r.exit_code == 0, r.stderr
    return root / "ix"


def _count(run: Run, ix: Path, *args: str) -> int:
    return int(as_json(run("count", *args, "--json", "--index", str(ix)))["count"])


def _ids(run: Run, ix: Path, *args: str) -> list[str]:
    got = as_json(run("search", *args, "--json", "-n", "0", "--index", str(ix)))
    assert got["total"] == len(got["results"])
    return [r["id"] for r in got["results"]]


def test_each_language_is_detected_and_counted(run: Run, mixed: Path) -> None:
    got = as_json(run("count", "*", "--by", "lang", "--json", "--index", str(mixed)))
    groups = {g["key"]: g["count"] for g in got["groups"]}
    assert groups == {"en": 3, "ru": 3, "uk": 3, "ar": 4}
    assert sum(groups.values()) == got["count"] == len(TEXTS)


@pytest.mark.parametrize("query", ["*", "обстрел", "обстріл", "قصف", "night OR ночью"])
@pytest.mark.parametrize("filters", [[], ["--since", "2024-03-02"], ["--until", "2024-03-01"]])
def test_lang_groups_and_filters_add_up_to_the_count(
    run: Run, mixed: Path, query: str, filters: list[str]
) -> None:
    total = _count(run, mixed, query, *filters)
    grouped = as_json(
        run("count", query, *filters, "--by", "lang", "--json", "--index", str(mixed))
    )
    assert grouped["count"] == total
    assert sum(g["count"] for g in grouped["groups"]) == total
    for g in grouped["groups"]:
        assert g["key"] is not None  # every text here is long enough to tell
        ids = _ids(run, mixed, query, *filters, "--lang", g["key"])
        assert len(ids) == g["count"] == _count(run, mixed, query, *filters, "--lang", g["key"])
    both = _count(run, mixed, query, *filters, "--lang", "ru", "--lang", "uk")
    assert both == sum(g["count"] for g in grouped["groups"] if g["key"] in ("ru", "uk"))


def test_arabic_finds_inflected_and_vowelled_forms(run: Run, mixed: Path) -> None:
    assert _count(run, mixed, "قصف") == 3  # قصفت, قَصَفَ, القصف
    # the plain, the vowelled and the one written with ه for ة
    for query in ("المدينة", "مدينة", "مَدِينَة", "المدينه", "مـديـنـة"):
        assert _count(run, mixed, query) == 3, query
    assert _count(run, mixed, "حزب الله") == 0


def test_russian_and_ukrainian_words_find_their_own_forms(run: Run, mixed: Path) -> None:
    assert _count(run, mixed, "обстрел", "--lang", "ru") == _count(run, mixed, "обстрел") == 2
    # обстріляли, обстрілу, обстрілом: one key; the Russian обстреляли is a verb's stem
    assert _count(run, mixed, "обстріл", "--lang", "uk") == _count(run, mixed, "обстріл") == 3


def test_show_and_every_format_carry_the_language(run: Run, mixed: Path) -> None:
    ix = ["--index", str(mixed)]
    res = as_json(run("search", "قصف", "--json", "-n", "0", *ix))["results"]
    assert {r["lang"] for r in res} == {"ar"}
    shown = as_json(run("show", res[0]["id"], "--json", *ix))
    assert shown["lang"] == "ar" and shown["meta"] == {}
    assert "lang    ar" in run("show", res[0]["id"], *ix).stdout
    rows = list(csv.DictReader(io.StringIO(run("search", "*", "--csv", "-n", "0", *ix).stdout)))
    assert sorted(r["lang"] for r in rows) == sorted(k[:2] for k in TEXTS)


def test_times_of_day_bound_filters_and_make_an_hourly_timeline(run: Run, mixed: Path) -> None:
    # ru1 14:35 and uk1 14:50 share a day; the other texts of that day have no time
    day = sorted(TEXTS).index("ru1") % 3 + 1
    at = f"2024-03-{day:02d}"
    assert _count(run, mixed, "*", "--since", f"{at} 14:40", "--until", f"{at} 15:00") == 1
    assert _count(run, mixed, "*", "--since", f"{at} 14:35", "--until", f"{at} 14:50") == 2
    assert _count(run, mixed, "*", "--since", f"{at}T14:35:01", "--until", f"{at} 14:50") == 1
    t = as_json(run("timeline", "*", "--by", "hour", "--json", "--index", str(mixed)))
    assert t["untimed"] == len(TEXTS) - len(HOURS) and t["undated"] == 0
    assert sum(b["count"] for b in t["buckets"]) == len(HOURS)
    timed = sorted(f"2024-03-{sorted(TEXTS).index(k) % 3 + 1:02d}T{h}" for k, h in HOURS.items())
    assert t["buckets"][0]["period"] == timed[0][:13] and t["first"] == timed[0] + ":00"
    assert t["buckets"][-1]["period"] == timed[-1][:13] and t["last"] == timed[-1] + ":00"
    bad = run("count", "*", "--since", f"{at} 25:00", "--index", str(mixed))
    assert bad.exit_code == 2 and "time of day" in bad.stderr and "Traceback" not in bad.stderr
    bad = run("count", "*", "--lang", "russian", "--index", str(mixed))
    assert bad.exit_code == 2 and "--lang 'russian'" in bad.stderr


def test_a_sources_own_language_is_kept(run: Run, tmp_path: Path) -> None:
    rows = [
        {"date": "2024-05-01", "text": TEXTS["en1"], "language": "uk-UA"},  # the source says so
        {"date": "2024-05-02", "text": TEXTS["ru1"], "language": "Russian"},  # a name: detected
        {"date": "2024-05-03", "text": TEXTS["ar1"]},
    ]
    write(tmp_path / "in" / "posts.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    ix = ["--index", str(tmp_path / "ix")]
    assert run("ingest", str(tmp_path / "in"), *ix, "--quiet").exit_code == 0
    got = as_json(run("count", "*", "--by", "lang", "--json", *ix))
    assert {g["key"]: g["count"] for g in got["groups"]} == {"uk": 1, "ru": 1, "ar": 1}


def test_an_archive_made_before_languages_gets_them_at_the_next_ingest(
    run: Run, tmp_path: Path
) -> None:
    """tests/fixtures/archive-v1.tar.gz (test_upgrade.py): schema 1, index layout 1."""
    import tarfile

    with tarfile.open(Path(__file__).parent / "fixtures" / "archive-v1.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    ix = ["--index", str(tmp_path / "archive")]
    before = as_json(run("stats", "--json", *ix))["articles"]
    (tmp_path / "empty").mkdir()
    r = run("ingest", str(tmp_path / "empty"), *ix, "--json")
    assert any("rebuilt the search index" in w for w in json.loads(r.stdout)["warnings"])
    got = as_json(run("count", "*", "--by", "lang", "--json", *ix))
    assert {g["key"]: g["count"] for g in got["groups"]} == {"en": before}
    db = sqlite3.connect(tmp_path / "archive" / "catalogue.sqlite")
    assert db.execute("SELECT COUNT(*) FROM articles WHERE lang = 'en'").fetchone() == (before,)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)


@pytest.mark.parametrize(
    ("lang", "meta", "why"),
    [("russian", None, "language"), ("ru", '{"a": [1]}', "meta"), ("ru", "x" * 9000, "meta")],
)
def test_a_damaged_language_or_meta_is_named_not_a_traceback(
    run: Run, mixed: Path, tmp_path: Path, lang: str, meta: str | None, why: str
) -> None:
    import shutil

    ix = tmp_path / "ix"
    shutil.copytree(mixed, ix)
    db = sqlite3.connect(ix / "catalogue.sqlite")
    (aid,) = db.execute("SELECT id FROM articles WHERE lang = 'ru' LIMIT 1").fetchone()
    db.execute("UPDATE articles SET lang = ?, meta = ? WHERE id = ?", (lang, meta, aid))
    db.commit()
    db.close()
    r = run("show", aid, "--index", str(ix))
    assert r.exit_code != 0 and "Traceback" not in r.stderr and why in r.stderr
    r = run("check", "--json", "--index", str(ix))
    assert any(aid in p["examples"] for p in as_json(r)["problems"]), r.stdout
    assert run("check", "--repair", "--index", str(ix)).exit_code == 0
    shown = as_json(run("show", aid, "--json", "--index", str(ix)))  # mended: none
    assert shown["lang" if why == "language" else "meta"] in (None, {})


WORDS = st.sampled_from(["قصف", "المدينة", "مَدِينَة", "بيت", "الله", "غزة", "وقصفت", "ـ"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.lists(WORDS, min_size=1, max_size=8).map(" ".join))
def test_arabic_spans_are_the_words_their_terms_name(text: str) -> None:
    """Every span marked for a term is a whole word whose term it is, vowel marks and
    all: snippets mark what the index matched."""
    terms = set(analysis.query_terms(text))
    for start, end in analysis.spans_of(text, terms):
        word = text[start:end]
        assert analysis.query_terms(word) and set(analysis.query_terms(word)) <= terms


def test_too_little_text_has_no_language() -> None:
    assert detect("https://t.me/x/1 #123 @someone") is None
    assert detect("Source for Zatoka:") is None
    assert detect(TEXTS["uk2"]) == "uk" and detect(TEXTS["ru2"]) == "ru"


def test_arabic_and_hebrew_spellings_are_found_with_their_clitics() -> None:
    from conflictcli.names import Gazetteer

    row = {
        "id": "place:test-gaza",
        "kind": "place",
        "name": "Test Gaza",
        "variants": ["Test Gaza", "غزة", "עזה", "عزة", "المدينة القديمة"],
        "ambiguous": ["عزة"],
    }
    g = Gazetteer([row])
    for written in ("بغزة", "وغزة", "لغزة", "غزة", "غزه", "בעזה", "ומעזה", "ובעזה", "עזה"):
        found = g.lookup(analysis.query_terms(written))
        assert found is not None and found.name.id == "place:test-gaza", written
    assert g.lookup(analysis.query_terms("זעזה")) is None  # ז is no clitic
    assert g.lookup(analysis.query_terms("بعزة")).ambiguous  # type: ignore[union-attr]
    # ال is Snowball's to cut: no clitic form of a spelling that starts with it
    assert not any(v.startswith("بال") for v in g.names()[0].forms[0])


def test_the_letters_of_the_alphabets_overrule_the_detector_on_cyrillic() -> None:
    from conflictcli.language import _cyrillic

    assert _cyrillic("Мы были там вчера", "bg") == "ru"  # ы: no Bulgarian word has it
    assert _cyrillic("Мы были там вчера", "uk") == "ru"
    assert _cyrillic("Вони були там учора і їхали", "uk") == "uk"
    assert _cyrillic("Мы былі там учора", "be") == "be"  # і and ы: Belarusian's
    assert _cyrillic("Взрывы в Києві", "ru") == "ru"  # a Ukrainian name in Russian text
    assert _cyrillic("Еще одни предсказатели", "bg") == "bg"  # nothing tells: as detected
