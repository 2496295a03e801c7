"""Ingest analyses text in a few C passes (analysis.postings, terms, spans_of);
queries go through Whoosh's analyzer chain (TEXT_ANALYZER). The two must agree on every
text, or a word indexed one way is searched another."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictcli.analysis import TEXT_ANALYZER, FastText, postings, spans_of

from conftest import CORPORA, SAMPLE

# words, dots inside words (U.S., 3.5), accents, Cyrillic, Greek final sigma, Turkish
# dotted capital I (its lower case is longer), German sharp s, digits, apostrophes
PIECES = st.sampled_from(
    ["Kyiv", "Київ", "café", "U.S.", "3.5", "ΟΔΟΣ", "İstanbul", "Straße", "drones", "the",
     "a", "Su-34", "x", "'", "’", ".", "..", " ", "\n\n", "Ukraine's", "HIMARS", "trimmed",
     "ǅ", "ﬁre", "Æsir", "ΣΑ'Σ", "ο", "e\u0301", "_", "1st"]
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


@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs ../shared/corpora beside the repository")
def test_fast_analysis_is_whooshs_on_real_articles() -> None:
    paths = sorted(CORPORA.rglob("*.txt"))[::100]  # every corpus, every outlet's habits
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
