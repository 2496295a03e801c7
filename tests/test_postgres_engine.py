"""The PostgreSQL engine against a real server (tests/pgserver.py, or the one
$CONFLICT_TEST_POSTGRES names): the same articles as a Whoosh archive, and every query
of the benchmark and of the query language, under every filter, selects the same
articles; places, countries, days, pages and stories agree; hostile queries and
hostile article text are data, never SQL; a password is never shown."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conflictcli.analysis import scan
from conflictcli.archive import Archive
from conflictcli.articles import Article
from conflictcli.query import Sort

from agree import FILTERS, queries, request
from conftest import ROOT, Articles, invoke

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

from conflictcli.engine.postgres.documents import prepare  # noqa: E402
from conflictcli.engine.postgres.engine import PostgresEngine  # noqa: E402


def _load(engine: PostgresEngine, articles: list[Article], every: int = 2_000) -> None:
    with engine.writer(checkpoints=True) as w:
        for k in range(0, len(articles), every):
            batch = articles[k : k + every]
            for a, p in zip(batch, prepare(batch, [scan(a.body) for a in batch]), strict=True):
                w.add(a, p)
            w.checkpoint()


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
    differential_articles: Callable[[Path], Articles],
    postgres_server: str,
) -> Iterator[tuple[Archive, PostgresEngine]]:
    import shutil

    real = ROOT.parent / "shared" / "corpora" / "ukraine-media-2022" / "articles"
    articles = differential_articles(real)
    # every third article of the corpus (3,694 of ukraine-media's 11,081): the suite's time
    some = tmp_path_factory.mktemp("some") / "articles"
    some.mkdir()
    for f in articles.files[::3]:
        shutil.copy(f, some / f.name)
    where = tmp_path_factory.mktemp("whoosh") / "archive"
    r = invoke("ingest", str(some), "--engine", "whoosh", "--index", str(where), "-q")
    assert r.exit_code == 0, r.stderr
    w = Archive.open(where)
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg.connect(postgres_server, autocommit=True)
    conn.execute(f"CREATE SCHEMA {name}")
    conn.execute(f"SET search_path TO {name}")
    pg = PostgresEngine.open(conn, create=True)
    _load(pg, list(w.store.iter_articles()))
    yield w, pg
    w.close()
    conn.execute(f"DROP SCHEMA {name} CASCADE")
    conn.close()


@pytest.mark.parametrize("text, dates", queries(), ids=lambda v: str(v)[:40])
def test_every_query_selects_the_same_articles_as_on_whoosh(
    pair: tuple[Archive, PostgresEngine], text: str, dates: dict[str, Any]
) -> None:
    w, pg = pair
    for extra in FILTERS:
        if any(dates.values()) and "since" in extra:
            continue  # the query's own dates stand
        req = request(text, **{**dates, **extra})
        ids_w = set(w.engine.matching(req)[0])
        ids_p, _ = pg.matching(req)
        assert pg.count(req) == len(ids_p), (text, extra)
        assert len(set(ids_p)) == len(ids_p), (text, extra)
        assert set(ids_p) == ids_w, (text, extra, sorted(ids_w ^ set(ids_p))[:5])


@pytest.mark.parametrize("text", ["", "Kyiv", "shelling"])
def test_places_countries_and_days_agree(pair: tuple[Archive, PostgresEngine], text: str) -> None:
    w, pg = pair
    req = request(text)
    total_w, per_w, _ = w.engine.places(req)
    total_p, per_p, _ = pg.places(req)
    assert total_p == total_w
    assert {n.id: c for n, c in per_p} == {n.id: c for n, c in per_w if c}
    cw, cp = w.engine.countries(req), pg.countries(req)
    assert cp[0] == cw[0]
    assert {k: v for k, v in cp[1].items() if v} == {k: v for k, v in cw[1].items() if v}
    dw, dp = w.engine.days(req), pg.days(req)
    assert dw is not None
    assert dp[0] == dw[0] and dp[1] == dw[1]
    assert sum(dp[1].values()) <= dp[0]


@pytest.mark.parametrize("text", ["Kyiv", "drones Belgorod", "ceasefire OR truce", "Mariupol"])
def test_pages_stories_and_orders_agree(pair: tuple[Archive, PostgresEngine], text: str) -> None:
    w, pg = pair
    for sort in (Sort.relevance, Sort.newest, Sort.oldest):
        for collapse in (False, True):
            req = replace(request(text), sort=sort, collapse=collapse, limit=0)
            rw, rp = w.engine.search(req), pg.search(req)
            assert rp.total == rw.total, (text, sort, collapse)
            assert len(rp.hits) == len(rw.hits), (text, sort, collapse)
            if collapse:
                assert sum(1 + (h.similar or 0) for h in rp.hits) == rp.total
    paged = [pg.search(replace(request(text), limit=5, offset=k)) for k in (0, 5)]
    whole = pg.search(replace(request(text), limit=10))
    assert [h.id for p in paged for h in p.hits] == [h.id for h in whole.hits]


def test_the_inventory_is_the_same(pair: tuple[Archive, PostgresEngine]) -> None:
    w, pg = pair
    assert pg.inventory() == w.engine.inventory()


HOSTILE = [
    "'; DROP TABLE docs; --",
    'Kyiv") OR 1=1 --',
    "$$; select pg_sleep(5); $$",
    "Kyiv\\' OR 'a'='a",
    "title:'x' & !y | z:*",
    "kyiv <-> ) ( !",
    "%_\\*",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_query_is_data(pair: tuple[Archive, PostgresEngine], text: str) -> None:
    from conflictcli.errors import QueryError

    _, pg = pair
    before = pg.doc_count()
    try:
        req = request(text)
        assert pg.count(req) == len(pg.matching(req)[0])
    except QueryError:
        pass
    assert pg.doc_count() == before


def test_hostile_article_text_is_data(postgres_schema: Any) -> None:
    """Quotes, backslashes, tsvector and tsquery syntax, SQL, NUL-free control text and a
    term PostgreSQL would refuse (over 2 KB) go in as words and are found as words."""
    import datetime as dt

    from conflictcli.articles import content_id

    pg = PostgresEngine.open(postgres_schema, create=True)
    texts = [
        "It's O'Brien's \\ back\\slash 'quoted':1A & !x | y <-> z",
        "'); DROP TABLE docs; -- and $$ pg_sleep $$",
        "long " + "x" * 3000 + " end",
    ]
    day = dt.date(2024, 1, 2)
    made = [Article(content_id(day, t), day, t[:20], t, source="x'; --") for t in texts]
    _load(pg, made)
    assert pg.doc_count() == 3
    for word, n in (("O'Brien", 1), ("backslash", 0), ("DROP", 1), ("end", 1), ("quoted", 1)):
        assert pg.count(request(word)) == n, word
