"""A place's name in a query finds the place, not the ordinary word or the person that
some of its spellings also are: Shchastia finds the articles that name the town
(placing.py's `place` field), not the texts about happiness (счастье); the spelling
typed is still searched as written (счастье finds happiness, as asked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Run, as_json, write

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

TEXTS = {
    "happy1.txt": "Для многих жителей прифронтовых сёл счастье — это тихий вечер дома без сирен.",
    "happy2.txt": "Счастье любит тишину, повторяла моя бабушка, разливая чай по чашкам.",
    "town-ru.txt": "Утром в Счастье снова обстреляли подстанцию, свет пропал в нескольких кварталах.",
    "town-en.txt": "Russian shelling hit Shchastia in Luhansk region overnight, officials said.",
    "coach.txt": "Тренер Макаров заявил, что команда готова к финалу и не боится соперника.",
    "town-uk.txt": "Жителі Макарова на Київщині отримали гуманітарну допомогу від волонтерів.",
}


@pytest.fixture
def ix(run: Run, tmp_path: Path) -> list[str]:
    for n, (name, text) in enumerate(TEXTS.items()):
        write(tmp_path / "in" / name, f"date 2024-10-{n + 1:02d}\n{text}\n")
    where = ["--index", str(tmp_path / "ix")]
    assert run("ingest", str(tmp_path / "in"), "--quiet", *where).exit_code == 0
    return where


def _files(run: Run, ix: list[str], *args: str) -> set[str]:
    got = as_json(run("search", *args, "--json", "-n", "0", *ix))
    assert got["total"] == len(got["results"])
    return {Path(r["path"]).name for r in got["results"]}


def test_a_place_name_finds_the_place_not_the_word(run: Run, ix: list[str]) -> None:
    assert _files(run, ix, "Shchastia") == {"town-ru.txt", "town-en.txt"}
    assert _files(run, ix, "*", "--place", "Shchastia") == {"town-ru.txt", "town-en.txt"}
    assert _files(run, ix, "Makariv") == {"town-uk.txt"}
    count = as_json(run("count", "Shchastia", "--json", *ix))["count"]
    assert count == 2


def test_the_word_typed_is_searched_as_written(run: Run, ix: list[str]) -> None:
    # счастье typed: the word, as asked, and the town in every spelling
    assert _files(run, ix, "счастье") == {"happy1.txt", "happy2.txt", "town-ru.txt", "town-en.txt"}
    assert _files(run, ix, "Shchastia", "--exact") == {"town-en.txt"}
