"""The engine protocol (engine/base.py), held by every engine: these tests see an engine
only through engine.kind() and the protocol, never its own objects, and run once per
engine and, for Whoosh, with its fast path on and off (CONFLICT_WHOOSH_FAST=0).

For whoever adds an engine: add its name to engine.ENGINES and to ENGINES here; these
tests, the invariant matrices (tests/test_counts.py, test_properties.py) and the rest
of the suite marked `engine` then run against it (README: "Adding an engine")."""

from __future__ import annotations

import datetime as dt
import inspect
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conflictcli import engine
from conflictcli.articles import Article
from conflictcli.engine import base
from conflictcli.errors import ArchiveBusy, QueryError
from conflictcli.query import SearchRequest, build_request

pytestmark = pytest.mark.engine

# each engine, and how it runs: (name, environment)
ENGINES = [("whoosh", {}), ("whoosh", {"CONFLICT_WHOOSH_FAST": "0"}), ("tantivy", {})]
WORDS = [
    "drone",
    "strike",
    "kyiv",
    "kharkiv",
    "shelling",
    "grain",
    "port",
    "ceasefire",
    "talks",
    "refinery",
]


@pytest.fixture(params=ENGINES, ids=["whoosh-fast", "whoosh-plain", "tantivy"])
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> engine.Kind:
    name, env = request.param
    monkeypatch.delenv("CONFLICT_WHOOSH_FAST", raising=False)  # each param says how it runs
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if name == "whoosh":  # the setting is what switches the fast path
        from conflictcli.engine.whoosh.loading import fast_paths

        assert fast_paths() == (env.get("CONFLICT_WHOOSH_FAST") != "0")
    return engine.kind(name)


def _articles(n: int, seed: int = 3) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.sample(WORDS, 4)
        date = dt.date(2024, 1 + i % 12, 1 + i % 28) if i % 7 else None
        body = " ".join(rng.choice(WORDS) for _ in range(30)) + f" Kiev item{i}"
        article_id = f"{i:016x}"
        out.append(
            Article(
                id=article_id,
                title=" ".join(words).capitalize(),
                body=body,
                date=date,
                source=("Kyiv Independent", "Reuters", "")[i % 3],
            )
        )
    return out


@pytest.fixture
def filled(kind: engine.Kind, tmp_path: Path) -> Iterator[tuple[base.Engine, list[Article]]]:
    articles = _articles(120)
    made = kind.create(tmp_path / kind.FOLDER)
    with made.writer(checkpoints=True) as w:
        for n, a in enumerate(articles):
            w.add(a)
            if n == 50:
                assert w.checkpoint()
    yield kind.open(tmp_path / kind.FOLDER), articles


def test_each_engine_has_every_method_of_the_protocol(kind: engine.Kind, tmp_path: Path) -> None:
    made = kind.create(tmp_path / kind.FOLDER)
    for proto in (base.Engine,):
        for name, member in inspect.getmembers(proto, inspect.isfunction):
            if name.startswith("_"):
                continue
            own = getattr(made, name, None)
            assert callable(own), f"{kind.NAME} lacks {name}"
            want = list(inspect.signature(member).parameters)[1:]
            assert list(inspect.signature(own).parameters) == want, name
    with made.writer() as w:
        for name, _ in inspect.getmembers(base.Writer, inspect.isfunction):
            if not name.startswith("_"):
                assert callable(getattr(w, name, None)), f"{kind.NAME}'s writer lacks {name}"


def test_a_new_index_is_there_and_empty(kind: engine.Kind, tmp_path: Path) -> None:
    folder = tmp_path / kind.FOLDER
    assert not kind.present(folder)
    made = kind.create(folder)
    assert kind.present(folder) and made.doc_count() == 0
    assert made.search(build_request("drone")).total == 0


def test_a_writer_adds_deletes_and_commits_in_generations(
    kind: engine.Kind, tmp_path: Path
) -> None:
    made = kind.create(tmp_path / kind.FOLDER)
    first = made.generation()
    articles = _articles(10)
    with made.writer(checkpoints=True) as w:
        for a in articles[:5]:
            w.add(a)
        assert w.pending == 5 and w.checkpoint() and w.pending == 0
        assert not w.checkpoint()  # nothing since
        for a in articles[5:]:
            w.add(a)
    assert made.generation() > first
    assert made.matching(build_request("item3"))[0] == [articles[3].id]
    with made.writer() as w:
        w.delete(articles[3].id)
    assert made.count(build_request("item3")) == 0
    assert set(made.inventory()) == {a.id for a in articles} - {articles[3].id}


def test_one_writer_at_a_time(kind: engine.Kind, tmp_path: Path) -> None:
    made = kind.create(tmp_path / kind.FOLDER)
    other = kind.open(tmp_path / kind.FOLDER)
    with made.writer(), pytest.raises(ArchiveBusy), other.writer():
        pass


def test_a_writer_that_fails_commits_nothing_after_its_last_checkpoint(
    kind: engine.Kind, tmp_path: Path
) -> None:
    made = kind.create(tmp_path / kind.FOLDER)
    articles = _articles(6)
    with pytest.raises(RuntimeError), made.writer(checkpoints=True) as w:
        for a in articles[:3]:
            w.add(a)
        w.checkpoint()
        for a in articles[3:]:
            w.add(a)
        raise RuntimeError("the ingest stops")
    assert sorted(kind.open(tmp_path / kind.FOLDER).inventory()) == [a.id for a in articles[:3]]


@pytest.mark.parametrize(
    "query,filters",
    [
        ("drone", {}),
        ("drone OR talks", {}),
        ("drone NOT kyiv", {}),
        ('"grain port"', {}),
        ("kiev", {}),  # a name: all its spellings
        ("drone", {"since": "2024-03", "until": "2024-06"}),
        ("drone", {"sources": ("reuters",)}),
        ("drone shelling", {"any_terms": True}),
        ("drone", {"places": ("Kyiv",)}),
        ("dron*", {}),
    ],
)
def test_count_equals_every_list_and_every_page(
    filled: tuple[base.Engine, list[Article]], query: str, filters: dict[str, object]
) -> None:
    made, _ = filled
    dates = {k: v for k, v in filters.items() if k in ("since", "until")}
    rest = {k: v for k, v in filters.items() if k not in dates}
    req = build_request(query, **dates, **rest)  # type: ignore[arg-type]
    total = made.count(req)
    every = made.search(replace(req, limit=0))
    assert every.total == total == len(every.hits) == len(made.matching(req)[0])
    assert sorted(made.matching(req)[0]) == sorted(h.id for h in every.hits)
    pages = [  # a short page is filled with partial matches, listed after the full ones
        h.id
        for offset in range(0, total + 7, 7)
        for h in made.search(replace(req, limit=7, offset=offset)).hits
        if not h.partial
    ]
    assert pages == [h.id for h in every.hits]


def test_the_tree_explain_places_similar_and_marks(
    filled: tuple[base.Engine, list[Article]],
) -> None:
    made, articles = filled
    req = build_request("kyiv drone")
    tree = made.tree(req)
    assert type(tree).__module__ == "conflictcli.query.tree"
    explained = made.explain(req)
    assert explained.total == made.count(req) and explained.tree.op == "all"
    total, counts, _ = made.places(SearchRequest(text=""))
    assert total == len(articles) and dict((n.name, c) for n, c in counts)["Kyiv"] == total
    similar = made.similar(articles[0].body, {articles[0].id}, 5)
    assert 0 < len(similar.hits) <= 5 and articles[0].id not in {h.id for h in similar.hits}
    text = "Drones over Kyiv, and a drone again."
    assert [text[a:b] for a, b in made.mark(text, "drone")] == ["Drones", "drone"]


def test_the_words_of_a_field_that_start_with_a_prefix(
    filled: tuple[base.Engine, list[Article]],
) -> None:
    made, articles = filled
    got = made.words("body", "k", 100)  # as the index holds them
    assert {"kyiv", "kharkiv", "kiev"} <= set(got) and len(got) == len(set(got))
    assert all(w.startswith("k") for w in got) and "drone" in made.words("title", "dr", 100)
    assert len(made.words("body", "item", 5)) == 5  # at most so many
    assert made.words("body", "qqq", 10) == [] and made.words("outlet", "r", 10) == []
    every = made.frequencies("body", ["kiev", "qqq"])  # how many documents hold each
    assert every == {"kiev": len(articles), "qqq": 0} and made.frequencies("outlet", ["x"]) == {}


def test_a_query_that_asks_for_nothing_is_refused(
    filled: tuple[base.Engine, list[Article]],
) -> None:
    made, _ = filled
    with pytest.raises(QueryError):
        made.search(build_request("the"))
