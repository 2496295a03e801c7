"""Did you mean (issue 32): an outlet, a place or a word of a request that holds nothing
gets the nearest spellings the archive holds, on stderr only, on real archives on disk:
sample_data, a folder of articles written here (outlets, Russian words, a hostile
outlet name), and a real corpus when ../shared is here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import Run, as_json, ingest_corpus, invoke, needs_corpus

pytestmark = pytest.mark.engine  # on each engine, and on PostgreSQL (.ci/run)

HOSTILE_SOURCE = "Al Jazeera\x1b[2J\x1b]0;owned\x07 Arabic\nError: forged line"
ARTICLES = [
    {
        "title": "Ceasefire talks resume in Doha",
        "text": "Negotiators met again in Doha on Tuesday to discuss a ceasefire in Gaza.",
        "source": "Al Jazeera English",
        "date": "2024-05-02",
    },
    {
        "title": "Aid trucks wait at the Rafah crossing",
        "text": "Hundreds of aid trucks waited at the crossing while the fighting went on.",
        "source": "Al Jazeera English",
        "date": "2024-05-06",
    },
    {
        "title": "Zelenskyy asks allies for air defence",
        "text": "President Zelenskyy asked allies for more air defence after strikes.",
        "source": "Kyiv Independent",
        "date": "2024-04-12",
    },
    {
        "title": "Ракета «Орешник» поразила цель",
        "text": "Министерство обороны заявило, что ракета Орешник поразила цель.",
        "source": "Медуза",
        "date": "2024-11-21",
    },
    {
        "title": "Испытания Орешника продолжатся",
        "text": "Испытания ракеты Орешник продолжатся, заявил президент.",
        "source": "Медуза",
        "date": "2024-11-22",
    },
    {
        "title": "Shelling reported overnight",
        "text": "Shelling was reported overnight near the front.",
        "source": HOSTILE_SOURCE,
        "date": "2024-03-01",
    },
]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """An archive of ARTICLES (one JSON Lines file), for --index."""
    base = tmp_path_factory.mktemp("suggest")
    (base / "in").mkdir()
    lines = [json.dumps(a, ensure_ascii=False) for a in ARTICLES]
    (base / "in" / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = base / "archive"
    r = invoke("ingest", str(base / "in"), "--index", str(where), "--quiet")
    assert r.exit_code == 0, r.stderr
    return ["--index", str(where)]


@pytest.fixture
def sample(sample_archive: Path) -> list[str]:
    return ["--index", str(sample_archive)]


def meant(r: Result) -> list[str]:
    """The did-you-mean lines of a run's stderr."""
    return [line for line in r.stderr.splitlines() if "did you mean" in line.lower()]


def count(run: Run, ix: list[str], *args: str) -> int:
    return int(as_json(run("count", *args, "--json", *ix))["count"])


# -- outlets ----------------------------------------------------------------------------
def test_a_part_of_an_outlets_name_suggests_the_outlet(run: Run, own: list[str]) -> None:
    r = run("search", "ceasefire", "--source", "al jazeera", *own)
    assert r.exit_code == 1 and r.stdout == ""
    assert 'No source "al jazeera"; did you mean: Al Jazeera English (2 articles)' in r.stderr
    # the suggestion finds what was asked for
    assert count(run, own, "ceasefire", "--source", "Al Jazeera English") == 1
    slip = run("count", "ceasefire", "--source", "Al Jazera English", *own)
    assert slip.exit_code == 1 and slip.stdout == "0\n"
    assert meant(slip)[0].startswith('No source "Al Jazera English"; did you mean: Al Jazeera ')


def test_outlets_alike_in_spelling_or_in_part() -> None:
    from conflictcli.spelling import near_names

    held = ["Reuters", "RT", "The Guardian", "The New York Times", "Daily Mail", "Daily Mirror"]
    assert near_names("Reuter", held) == ["Reuters"]
    assert near_names("Gaurdian", held) == ["The Guardian"]
    assert near_names("new york times", held) == ["The New York Times"]
    assert near_names("daily", held) == ["Daily Mail", "Daily Mirror"]
    assert near_names("xqzzy", held) == []


def test_an_outlet_like_none_is_said_to_be_absent(run: Run, own: list[str]) -> None:
    r = run("search", "ceasefire", "--source", "xqzzy", "--json", *own)
    assert r.exit_code == 1 and as_json(r)["total"] == 0
    assert "No source \"xqzzy\" in this archive ('conflict sources' lists them)." in r.stderr
    assert not meant(r)


def test_a_hostile_outlet_name_stays_inert(run: Run, own: list[str]) -> None:
    for color in ("never", "always"):
        r = run("count", "shelling", "--source", "al jazeera", "--color", color, *own)
        assert r.exit_code == 1
        assert "\x1b[2J" not in r.stderr and "\x07" not in r.stderr and "\x1b]0" not in r.stderr
        plain = re.sub(r"\x1b\[[0-9;]*m", "", r.stderr)  # --color always: Rich's own styles
        assert "Al Jazeera\\x1b[2J\\x1b]0;owned\\x07 Arabic Error: forged line (1 article)" in plain
        assert not any(line.startswith("Error") for line in plain.splitlines())


# -- places -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed, near",
    [("Bakhmutt", "Bakhmut"), ("Харкив", "Харків (Kharkiv)"), ("Kharkiv city", "Kharkiv")],
)
def test_an_unknown_place_names_the_nearest_in_the_script_typed(
    run: Run, sample: list[str], typed: str, near: str
) -> None:
    r = run("search", "drones", "--place", typed, "--json", *sample)
    assert r.exit_code == 2 and r.stdout == ""  # a usage error, as before
    assert f"No place called {typed!r} in the gazetteer. Did you mean: {near}? Run" in r.stderr
    place = near.split(" (")[0]
    assert run("count", "drones", "--place", place, *sample).exit_code in (0, 1)  # it is known


def test_a_place_like_none_is_refused_as_before(run: Run, sample: list[str]) -> None:
    r = run("count", "drones", "--place", "Atlantis", *sample)
    assert r.exit_code == 2 and "did you mean" not in r.stderr.lower()
    assert "No place called 'Atlantis' in the gazetteer. Run 'conflict places'" in r.stderr


# -- words ------------------------------------------------------------------------------
def test_a_misspelt_cyrillic_word_suggests_the_word(run: Run, own: list[str]) -> None:
    r = run("search", "Орешнек", *own)
    assert r.exit_code == 1 and r.stdout == ""
    n = count(run, own, "орешник")
    assert n == 2  # its forms too: Орешник, Орешника
    assert meant(r) == [f'"Орешнек" is in no article; did you mean: Орешник ({n} articles)?']
    form = run("count", "Орешнека", *own)  # a form of it, misspelt: that form, once
    assert meant(form) == [f'"Орешнека" is in no article; did you mean: Орешника ({n} articles)?']


@pytest.mark.parametrize(
    "query, typed, near",
    [
        ("Zelenskky", "Zelenskky", "Zelensky"),  # as the articles write it: a name, capital
        ("Gladkof", "Gladkof", "Gladkov"),
        ("Belgorod dornes", "dornes", "drones"),  # a word of two: the one in no article
    ],
)
def test_an_english_typo_suggests_the_word_as_articles_write_it(
    run: Run, sample: list[str], query: str, typed: str, near: str
) -> None:
    r = run("search", query, "--json", *sample)
    assert r.exit_code == 1 and as_json(r)["total"] == 0
    n = count(run, sample, near)
    assert n > 0
    assert meant(r) == [f'"{typed}" is in no article; did you mean: {near} ({n} articles)?']


def test_a_word_like_none_is_said_to_be_in_no_article(run: Run, sample: list[str]) -> None:
    r = run("count", "xqzzyv", *sample)
    assert r.exit_code == 1 and '"xqzzyv" is in no article.' in r.stderr and not meant(r)


# -- when nothing is suggested ----------------------------------------------------------
@pytest.mark.parametrize(
    "archive, args",
    [
        ("sample", ["Zelensky"]),  # results
        ("own", ["Zelenskyy", "--source", "al jazeera english"]),  # both there, not together
        ("sample", ["Gladkov Darfur"]),  # each word is in some article, not both in one
        ("sample", ["Belgorod", "--since", "2030-01-01"]),  # not on those days
        ("own", ["орешник", "--lang", "en"]),  # not in that language
    ],
)
def test_nothing_is_suggested_for_what_the_archive_holds(
    run: Run, request: pytest.FixtureRequest, archive: str, args: list[str]
) -> None:
    ix = request.getfixturevalue(archive)
    for command in ("search", "count"):
        r = run(command, *args, *ix)
        assert not suggested(r), r.stderr
    assert (count(run, ix, *args) == 0) == (args != ["Zelensky"])


# -- stdout stays as it was -------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["search", "Zelenskky", "--json"],
        ["search", "Zelenskky", "--jsonl"],
        ["search", "Zelenskky", "--csv"],
        ["search", "Zelenskky Belgorod"],  # the table, with its partial matches
        ["search", "ceasefire", "--source", "al jazeera", "--json"],
        ["count", "Орешнек", "--json"],
        ["count", "Орешнек"],
        ["count", "ceasefire", "--source", "al jazeera", "--by", "source", "--json"],
    ],
)
def test_stdout_and_the_exit_code_are_those_of_a_run_without_suggestions(
    run: Run, own: list[str], sample: list[str], args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictcli.archive import Archive

    ix = own if "Zelenskky" not in args[1] else sample
    said = run(*args, *ix)
    assert meant(said)
    monkeypatch.setattr(Archive, "suggest", lambda self, req: [])
    quiet = run(*args, *ix)
    assert not meant(quiet) and said.exit_code == quiet.exit_code
    if "--json" in args:
        got, want = json.loads(said.stdout), json.loads(quiet.stdout)
        for record in (got, want):
            record.pop("took_ms", None)
        assert got == want
    else:
        assert said.stdout == quiet.stdout
    assert rest(said) == rest(quiet)  # on stderr too, only the suggestions were added


def suggested(r: Result) -> list[str]:
    """The lines of a run's stderr that suggest, or say that nothing is near."""
    said = ("did you mean", " is in no article", 'No source "')
    return [line for line in r.stderr.splitlines() if any(s in line for s in said)]


def rest(r: Result) -> list[str]:
    """The other lines of a run's stderr, without their timings."""
    lines = [line for line in r.stderr.splitlines() if line not in suggested(r)]
    return [re.sub(r"\(\d+ ms\)", "", line) for line in lines]


# -- a real corpus ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def guardian(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return ["--index", ingest_corpus(tmp_path_factory, "guardian-nyt-ukraine-2022").ix]


@needs_corpus("guardian-nyt-ukraine-2022")
def test_a_real_corpus(run: Run, guardian: list[str]) -> None:
    outlet = run("count", "grain", "--source", "guardian", *guardian)
    n = count(run, guardian, "*", "--source", "The Guardian")
    assert meant(outlet) == [f'No source "guardian"; did you mean: The Guardian ({n} articles)?']
    for typed, near in (
        ("Zelenskky", ("zelensky", "zelenskiy", "zelenskyy")),  # one of the name's, once
        ("Azvostal", ("azovstal",)),
        ("grian", ("grain",)),
    ):
        r = run("search", typed, "--json", *guardian)
        said = re.fullmatch(
            rf'"{typed}" is in no article; did you mean: (\w+) \((\d+) articles\)\?', meant(r)[0]
        )
        assert said and said.group(1).casefold() in near and len(meant(r)) == 1, r.stderr
        assert int(said.group(2)) == count(run, guardian, said.group(1))
