"""Ingest analyses text in a few C passes (analysis.postings, terms, spans_of);
queries go through Whoosh's analyzer chain (TEXT_ANALYZER). The two must agree on every
text, or a word indexed one way is searched another."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conflictcli.analysis import scan, spans_of
from conflictcli.engine.whoosh.analysers import TEXT_ANALYZER, FastText, postings
from conflictcli.engine.whoosh.fast.batch import Batch

from conftest import CORPORA, SAMPLE, Articles

# words, dots inside words (U.S., 3.5), accents, Cyrillic, Greek final sigma, Turkish
# dotted capital I (its lower case is longer), German sharp s, digits, apostrophes (in a
# Cyrillic word, a letter of it: Куп'янськ)
PIECES = st.sampled_from(
    ["Kyiv", "Київ", "café", "U.S.", "3.5", "ΟΔΟΣ", "İstanbul", "Straße", "drones", "the",
     "a", "Su-34", "x", "'", "’", ".", "..", " ", "\n\n", "Ukraine's", "HIMARS", "trimmed",
     "ǅ", "ﬁre", "Æsir", "ΣΑ'Σ", "ο", "e\u0301", "_", "1st", "Куп'янськ", "ʼ", "‘", "`",
     "Мар’їнка", "я", "Kyivʼs", "don't"]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=80),
    st.lists(PIECES, max_size=30).map("".join),
    st.lists(PIECES, max_size=30).map(" ".join),
)


def whoosh_postings(text: str) -> list[tuple[bytes, int, float, bytes]]:
    fmt = FastText().format
    return sorted(
        (t.encode("utf-8"), f, w, v) for t, f, w, v in fmt.word_values(text, TEXT_ANALYZER)
    )


def whoosh_terms(text: str) -> list[tuple[str, tuple[int, int], int]]:
    return [
        (t.text, (t.startchar, t.endchar), t.pos)
        for t in TEXT_ANALYZER(text, positions=True, chars=True, mode="index")
    ]


def check(text: str) -> None:
    # terms, frequencies and positions (the packed values) as Whoosh's chain gives them
    assert sorted(postings(text)) == whoosh_postings(text)
    theirs = whoosh_terms(text)
    stems = [s for s, _, _ in theirs]
    # the spans of every term, and of some of them, as Whoosh's chain gives them
    for wanted in (set(stems), set(stems[::3]), {"drone", "kyiv"}, set()):
        assert spans_of(text, wanted) == marks([sp for s, sp, _ in theirs if s in wanted])


def marks(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in text order, without those inside another (the parts of Su-34 inside it)."""
    return sorted(
        (a, b)
        for a, b in set(spans)
        if not any((x, y) != (a, b) and x <= a and b <= y for x, y in spans)
    )


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_fast_analysis_is_whooshs_on_any_text(text: str) -> None:
    check(text)


def test_fast_analysis_is_whooshs_on_the_sample_articles() -> None:
    for path in SAMPLE.rglob("*.txt"):
        check(path.read_text(encoding="utf-8"))


def test_fast_analysis_is_whooshs_on_real_articles(
    differential_articles: Callable[[Path], Articles],
) -> None:
    articles = differential_articles(CORPORA)  # generated where the corpora are absent
    # every corpus, every outlet's habits
    paths = articles.files[:: 100 if articles.real else 3]
    assert len(paths) > 100
    for path in paths:
        check(path.read_text(encoding="utf-8"))


def test_one_position_packs_into_two_bytes() -> None:
    (term, freq, weight, value), *_ = postings("Belgorod")
    assert (term, freq, weight, value) == (b"belgorod", 1, 1.0, b"\x00\x00")
    assert FastText().format.decode_positions(value) == [0]
    long = " ".join(["filler"] * 300 + ["Belgorod"] * 2)
    got = {t: v for t, _, _, v in postings(long)}
    assert FastText().format.decode_positions(got[b"belgorod"]) == [300, 301]
    assert FastText().format.decode_frequency(got[b"filler"]) == 300


def test_no_text_or_only_stop_words_has_no_postings() -> None:
    assert list(postings("")) == [] and list(postings("the a of")) == []


def batch_postings(texts: list[str]) -> list[list[tuple[bytes, int, float, bytes]]]:
    """What a Batch of `texts` holds for each, as postings() gives it, every other text
    given with its scan() (as ingest gives bodies); checks each document's length."""
    batch = Batch()
    for n, text in enumerate(texts):
        batch.add({"body": (text, scan(text) if n % 2 else None)})
    batch.freeze()
    cols, lengths = batch.fields["body"], batch.lengths["body"]
    got: list[list[tuple[bytes, int, float, bytes]]] = [[] for _ in texts]
    at, end = 0, 0
    for term, count in zip(cols.terms, cols.counts, strict=True):
        for p in range(at, at + count):
            value = cols.values[end : end + cols.sizes[p]]
            end += cols.sizes[p]
            got[cols.docs[p]].append((term, int(cols.weights[p]), cols.weights[p], value))
        at += count
    assert at == len(cols.docs) and end == len(cols.values)
    assert list(lengths) == [sum(f for _, f, _, _ in g) for g in got]
    return [sorted(g) for g in got]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_a_batch_holds_each_documents_postings(texts: list[str]) -> None:
    """Batch makes the postings of all its documents at once (numpy): each one's are
    postings() of its text, whatever the others hold."""
    assert batch_postings(texts) == [sorted(postings(t)) for t in texts]


def test_a_batch_packs_far_and_repeated_positions() -> None:
    # gaps of one, two and four bytes; a name joined from parts (Su-34), a name whose
    # first part is a stop word, a text of stop words only, an empty one
    far = " ".join(["filler"] * 70_000 + ["Belgorod", "Su-34"] * 3 + ["Su34"])
    texts = [far, "Belgorod Su-34 and the a-10", "", "the of a", "x-1 Leopard 2 A-50"]
    assert batch_postings(texts) == [sorted(postings(t)) for t in texts]


def test_a_batch_holds_each_real_articles_postings(
    differential_articles: Callable[[Path], Articles],
) -> None:
    articles = differential_articles(CORPORA)  # generated where the corpora are absent
    paths = articles.files[:: 50 if articles.real else 1]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert len(texts) > 200
    for at in range(0, len(texts), 64):
        chunk = texts[at : at + 64]
        assert batch_postings(chunk) == [sorted(postings(t)) for t in chunk]


def test_the_folding_table_and_stop_words_are_the_ones_the_index_was_built_with() -> None:
    """data/fold.json (tools/fold_table.py) holds Whoosh's accent table and stop words:
    the text of an article and of a query fold and drop words alike, whatever engine
    reads them. U+02BC, an apostrophe inside a Cyrillic word, is dropped besides, and
    the Arabic letters written another way (alef forms, alef maqsura, the tatweel)."""
    from whoosh.analysis.filters import STOP_WORDS
    from whoosh.support.charset import accent_map

    import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh)
    from conflictcli import analysis

    assert {**accent_map, 0x02BC: "", **analysis.ARABIC_FOLD} == analysis.FOLD
    assert frozenset(STOP_WORDS) == analysis.STOP_WORDS
