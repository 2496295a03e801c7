"""How matches are ranked (conflictcli/ranking.py), on real Whoosh indexes: a word's
rarity is one across title and body, its words close together lift an article, and
the bonus never breaks the order of the list or its pages."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conflictcli.engine.whoosh import ranking

from conftest import Corpus, Run, as_json, ingest_corpus, needs_corpus, open_archive, write

FILLER = "the committee met again on tuesday to discuss the schedule and the budget "


def _ids(run: Run, ix: Path, *args: str) -> list[str]:
    return [h["id"] for h in as_json(run("search", *args, "--json", "--index", str(ix)))["results"]]


def test_idf_is_lucenes_over_the_articles_that_hold_the_word(tmp_path: Path, run: Run) -> None:
    docs = tmp_path / "docs"
    # "zorro" in one title (not its body) and in three bodies: six articles in all
    write(docs / "t.txt", " date 2024-01-01\ntitle: Zorro rides\n\nA quiet report.\n")
    for n in range(3):
        body = f"title: Report {n}\n\nZorro was seen {n} times."
        write(docs / f"b{n}.txt", f" date 2024-01-0{n + 2}\n{body}\n")
    for n in range(2):
        write(docs / f"o{n}.txt", f" date 2024-02-0{n + 1}\nNothing of note {n}.\n")
    ix = tmp_path / "ix"
    assert run("ingest", str(docs), "--index", str(ix), "--quiet").exit_code == 0
    archive = open_archive(ix)
    with archive.engine._ix.searcher() as s:
        assert s.doc_frequency("title", "zorro") == 1
        assert s.doc_frequency("body", "zorro") == 3
        want = math.log(1 + (6 - 3 + 0.5) / (3 + 0.5))  # n = 3: the larger field's
        for field in ("title", "body"):
            assert ranking.WEIGHTING.idf(s, field, b"zorro") == pytest.approx(want)
    archive.close()


def _near_and_far(tmp_path: Path) -> Path:
    """Two articles of the same words, as often and as long; only in the second do
    "drone" and "Belgorod" stand together. The first is read first: on a tie it wins."""
    docs = tmp_path / "docs"
    lead = "A short report from the region. "
    far = lead + "A drone was heard. " + FILLER * 3 + "Belgorod was quiet."
    near = lead + "A was heard. " + FILLER * 3 + "drone Belgorod was quiet."
    write(docs / "a-far.txt", f" date 2024-03-01\n{far}\n")
    write(docs / "b-near.txt", f" date 2024-03-02\n{near}\n")
    for n in range(4):  # other articles, so the words are rare enough to count
        write(docs / f"other{n}.txt", f" date 2024-04-0{n + 1}\n{FILLER} item {n}.\n")
    return docs


def test_the_querys_words_close_together_rank_first(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = tmp_path / "ix"
    assert run("ingest", str(_near_and_far(tmp_path)), "--index", str(ix), "--quiet").exit_code == 0
    paths = {
        h["id"]: Path(h["path"]).name
        for h in as_json(run("search", "drone Belgorod", "--json", "--index", str(ix)))["results"]
    }
    for mode in ((), ("--any",)):
        ranked = [paths[i] for i in _ids(run, ix, "drone Belgorod", *mode)]
        assert ranked == ["b-near.txt", "a-far.txt"], mode
        # the order by date does not move, nor does a one-word query's
        assert [paths[i] for i in _ids(run, ix, "drone Belgorod", "--sort", "oldest", *mode)] == [
            "a-far.txt",
            "b-near.txt",
        ]
    monkeypatch.setattr(ranking, "PROXIMITY_WEIGHT", 0.0)  # without it: a tie, read order
    ranked = [paths[i] for i in _ids(run, ix, "drone Belgorod")]
    assert ranked == ["a-far.txt", "b-near.txt"]


@pytest.fixture(scope="module")
def guardian(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return ingest_corpus(tmp_path_factory, "guardian-nyt-ukraine-2022")


QUERIES = [
    "Russian missile strike on Kyiv power plants",
    "grain exports blocked in Black Sea ports",
    "Zelensky visits front line troops",
    "sanctions on Russian oil",
]


@needs_corpus("guardian-nyt-ukraine-2022")
@pytest.mark.parametrize("query", QUERIES)
def test_the_list_stays_in_score_order_and_pages_are_its_slices(
    guardian: Corpus, query: str
) -> None:
    for mode in ((), ("--any",)):
        full = guardian.search_all(query, *mode)
        scores = [h["score"] for h in full]
        assert scores == sorted(scores, reverse=True), (query, mode)
        assert len(full) == as_json(guardian.run("search", query, *mode, "--json"))["total"]
        ids = [h["id"] for h in full]
        for offset in (0, 7, 95, 101):
            page = guardian.search(query, *mode, "--limit", "10", "--offset", str(offset))
            got = [h["id"] for h in page["results"]]
            assert got == ids[offset : offset + 10][: len(got)], (query, mode, offset)
            assert len(got) == len(ids[offset : offset + 10]), (query, mode, offset)
        if mode:
            continue
        # a page longer than the matches holds the matches only (no partial match pads
        # piped output: what count counts, and nothing else)
        page = guardian.search(query, "--limit", str(len(ids) + 30))
        assert [h["id"] for h in page["results"]] == ids
        assert not any(h.get("partial") for h in page["results"])
