"""The term-at-a-time evaluator (conflictcli/evaluate.py) gives Whoosh's answer.

The reference is what `conflict search` ran before it: Whoosh's own exhaustive collector
(no block skipping, no matcher swapping) wrapped in its TermsCollector. For every query
the evaluator must find the same documents, give each the same score, and report the
same matched title and body terms (they choose the words a snippet marks). Real
articles, an archive of several segments with deleted documents, and generated archives.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import collectors

from conflictcli.engine.whoosh.engine import WhooshEngine as WhooshIndex
from conflictcli.engine.whoosh.fast.evaluate import evaluate
from conflictcli.engine.whoosh.results import DEFAULT_FIELDS
from conflictcli.engine.whoosh.results import window_of as _window
from conflictcli.engine.whoosh.translate import day_range as _day_range
from conflictcli.query import SearchRequest

from conftest import CORPORA, UKRAINE_MEDIA, Articles, Corpus, invoke, needs_corpus

QUERIES = [
    "Kyiv",
    "Kyiv OR Kiev",
    "Belgorod drones",
    "Zelensky AND Putin",
    "Ukraine NOT NATO",
    "NOT NATO",
    "(Kyiv OR Kiev) AND NOT Putin",
    "Kyiv OR (Syria NOT NATO)",
    "Putin OR Zelensky OR Biden OR Macron",
    '"grain deal"',
    '"grain deal" OR wheat',
    '"Black Sea" grain',
    "drone* attack",
    "Zelenskyy~",
    "title:Bakhmut",
    "source:RT",
    "date:2022-07 Putin",
    "Mariupol AND (steel OR Azovstal)",
    "Zelensky says Ukraine will NOT give up Donbas",
    "xqzzy",
    "Kyiv xqzzy",
    "Kyiv OR xqzzy",
]
ANY_QUERIES = ["Belgorod drones", "missile strike Odesa", "Ukraine NOT NATO", "date:2022-03 Kyiv"]


def reference(s: Any, q: Any) -> dict[int, tuple[float, set[tuple[str, bytes]]]]:
    """Whoosh's exhaustive answer: every match, its score and its matched terms."""
    c = collectors.UnlimitedCollector()
    c.replace = 0
    tc = collectors.TermsCollector(c)
    s.search_with_collector(q, tc)
    r = tc.results()
    return {h.docnum: (h.score, set(r.docterms.get(h.docnum, []))) for h in r}


def words_only(terms: set[tuple[str, bytes]]) -> set[tuple[str, bytes]]:
    return {(f, t) for f, t in terms if f in DEFAULT_FIELDS}


def check(ix: WhooshIndex, text: str, any_terms: bool = False) -> Counter[str]:
    """Compare one query; returns how many scores were bit-identical and how many not."""
    q = ix.parse(text, any_terms=any_terms, exact=True).query  # Whoosh scores names as an Or
    seen: Counter[str] = Counter()
    with ix._ix.searcher() as s:
        want = reference(s, q)
        found = evaluate(s, q)
        assert found.scores.keys() == want.keys(), (text, any_terms)
        found_terms = found.terms_of(want)
        positive = positive_words(q, s.reader())
        for d, (score, terms) in want.items():
            got = found.scores[d]
            assert math.isclose(got, score, rel_tol=1e-12), (text, any_terms, d, got, score)
            seen["identical" if got == score else "last bits"] += 1
            # the matched words are the query's positive words that the article holds
            # (see Found.terms_of): never a word it lacks or a NOT word, and for plain
            # queries Whoosh's own list but for a word of a part that did not match
            mine, whooshs = words_only(found_terms[d]), words_only(terms)
            assert mine <= positive and all(d in holding(s, t) for t in mine), (text, d, mine)
            seen["same terms" if mine == whooshs else "other terms"] += 1
    return seen


def holding(s: Any, term: tuple[str, bytes]) -> set[int]:
    """Every document holding a term (cached for the searcher)."""
    cache = s.__dict__.setdefault("_holding", {})
    if term not in cache:
        cache[term] = set(s.postings(*term).all_ids())
    return cache[term]


def positive_words(q: Any, reader: Any) -> set[tuple[str, bytes]]:
    """The query's words outside any NOT, its wildcards expanded."""
    from whoosh import query as wq

    if isinstance(q, wq.Not):
        return set()
    if isinstance(q, wq.AndNot):
        return positive_words(q.a, reader)
    if q.is_leaf():
        return words_only(set(q.existing_terms(reader, phrases=True, expand=True)))
    return set().union(*(positive_words(kid, reader) for kid in q.children()))


@needs_corpus(UKRAINE_MEDIA)
def test_every_query_scores_as_whoosh_does_on_real_articles(ukraine_media: Corpus) -> None:
    ix = WhooshIndex.open(Path(ukraine_media.ix) / "whoosh")
    seen: Counter[str] = Counter()
    for text in QUERIES:
        seen += check(ix, text)
    for text in ANY_QUERIES:
        seen += check(ix, text, any_terms=True)
    assert seen["identical"] > 10_000  # the matrix really matched articles
    assert seen["last bits"] <= seen["identical"] // 1000, seen
    assert seen["other terms"] <= seen["same terms"] // 100, seen


@needs_corpus(UKRAINE_MEDIA)
def test_the_date_window_selects_what_a_date_range_does(ukraine_media: Corpus) -> None:
    ix = WhooshIndex.open(Path(ukraine_media.ix) / "whoosh")
    windows = [
        (dt.date(2022, 7, 1), dt.date(2022, 7, 31)),
        (dt.date(2022, 10, 1), None),
        (None, dt.date(2022, 3, 15)),
        (dt.date(2022, 3, 15), dt.date(2022, 3, 15)),
        (dt.date(2031, 1, 1), None),
    ]
    with ix._ix.searcher() as s:
        everything = range(s.doc_count_all())
        for since, until in windows:
            window = _window(s, SearchRequest(text="x", since=since, until=until))
            assert window is not None
            want = set(s.docs_for_query(_day_range("date", since, until)))
            assert {d for d in everything if window(d)} == want, (since, until)


def test_an_archive_of_several_segments_and_deleted_articles(
    tmp_path: Path, differential_articles: Callable[[Path], Articles]
) -> None:
    """Three ingests, then a third of the first batch rewritten: the index holds several
    segments and deleted documents, and document numbers run across segments. Real
    articles, or generated ones where the corpora are absent."""
    files = differential_articles(CORPORA / UKRAINE_MEDIA / "articles").files[:150]
    assert len(files) == 150
    where = tmp_path / "archive"
    folders = []
    for n in range(3):
        folder = tmp_path / f"batch{n}"
        folder.mkdir()
        for f in files[n * 50 : (n + 1) * 50]:
            shutil.copy(f, folder / f.name)
        folders.append(folder)
        assert invoke("ingest", str(folder), "--index", str(where), "--quiet").exit_code == 0
    for f in sorted(folders[0].glob("*.txt"))[::3]:  # an update deletes the old document
        f.write_text(f.read_text(encoding="utf-8") + "\n\nKyiv Belgorod grain deal.\n")
    undated = folders[0] / "undated.txt"
    undated.write_text("Kyiv and Belgorod, a text with no date line.\n", encoding="utf-8")
    assert invoke("ingest", *map(str, folders), "--index", str(where), "--quiet").exit_code == 0

    ix = WhooshIndex.open(where / "whoosh")
    with ix._ix.searcher() as s:
        segments = s.leaf_searchers()
        assert len(segments) > 1 or s.reader().has_deletions(), "the test lost its point"
        assert any(sub.reader().has_deletions() for sub, _ in segments)
    for text in QUERIES:
        check(ix, text)
    for text in ANY_QUERIES:
        check(ix, text, any_terms=True)
    with ix._ix.searcher() as s:
        for since, until in [(dt.date(2022, 3, 1), None), (None, dt.date(2022, 6, 30))]:
            window = _window(s, SearchRequest(text="x", since=since, until=until))
            assert window is not None
            live = [d for d in range(s.doc_count_all()) if not s.reader().is_deleted(d)]
            want = set(s.docs_for_query(_day_range("date", since, until)))
            assert {d for d in live if window(d)} == want


# -- generated archives ----------------------------------------------------------------
WORDS = ["kyiv", "kiev", "belgorod", "drone", "drones", "grain", "deal", "strike", "port"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)
word = st.sampled_from(WORDS)


def query_text() -> st.SearchStrategy[str]:
    leaf = st.one_of(
        word,
        st.tuples(word, word).map(lambda p: f'"{p[0]} {p[1]}"'),
        word.map(lambda w: w[:3] + "*"),
        word.map(lambda w: f"title:{w}"),
    )
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(kids, kids).map(lambda p: f"({p[0]} AND {p[1]})"),
            st.tuples(kids, kids).map(lambda p: f"({p[0]} OR {p[1]})"),
            st.tuples(kids, kids).map(lambda p: f"({p[0]} NOT {p[1]})"),
            st.tuples(kids, kids).map(lambda p: f"{p[0]} {p[1]}"),
        ),
        max_leaves=5,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(texts, min_size=1, max_size=12), min_size=1, max_size=3),
    queries=st.lists(st.tuples(query_text(), st.booleans()), min_size=1, max_size=6),
)
def test_generated_archives_score_as_whoosh_does(
    batches: list[list[str]], queries: list[tuple[str, bool]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / "ix"
        for n, batch in enumerate(batches):  # one ingest each: several segments
            src = Path(tmp) / f"in{n}"
            src.mkdir()
            for i, text in enumerate(batch):
                title = text.split()[0].capitalize()
                (src / f"{i:03d}.txt").write_text(
                    f" date 2022-0{1 + i % 9}-1{i % 10} \n{title}. {text}\n", encoding="utf-8"
                )
            assert invoke("ingest", str(src), "--index", str(where), "--quiet").exit_code == 0
        ix = WhooshIndex.open(where / "whoosh")
        for text, any_terms in queries:
            try:
                ix.parse(text, any_terms=any_terms, exact=True)
            except Exception:  # a query with nothing left to search for is not the point
                continue
            check(ix, text, any_terms)


def test_the_check_can_fail(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(" date 2022-03-01 \nKyiv Kyiv Belgorod.\n", encoding="utf-8")
    (src / "b.txt").write_text(" date 2022-03-02 \nKyiv and grain.\n", encoding="utf-8")
    where = tmp_path / "ix"
    assert invoke("ingest", str(src), "--index", str(where), "--quiet").exit_code == 0
    ix = WhooshIndex.open(where / "whoosh")
    check(ix, "Kyiv")
    import conflictcli.engine.whoosh.fast.upstream as ev

    real = ev.lengths
    try:  # lengths off by one: every score moves
        ev.lengths = lambda reader, name: [n + 1 for n in real(reader, name) or []]  # type: ignore[assignment]
        with pytest.raises(AssertionError):
            check(ix, "Kyiv")
    finally:
        ev.lengths = real
