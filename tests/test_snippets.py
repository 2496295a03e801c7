"""Snippets are Whoosh's pinpoint highlighter's, cut without its objects.

index._snippet picks and cuts fragments on plain spans; the reference here is Whoosh's
own PinpointFragmenter and top_fragments on Token objects, as `conflict search` used
them before. The same fragments must come out for real articles and generated texts.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import Token
from whoosh.highlight import FIRST, BasicFragmentScorer, PinpointFragmenter, top_fragments

from conflictcli.analysis import spans_of, stem
from conflictcli.engine.snippets import CHARLIMIT, SNIPPET_CHARS, SURROUND, _format, _snippet

from conftest import CORPORA, UKRAINE_MEDIA

FRAGMENTER = PinpointFragmenter(SNIPPET_CHARS, surround=SURROUND, autotrim=True)


def whooshs(body: str, words: set[str]) -> tuple[str, list[tuple[int, int]]]:
    tokens = [Token(startchar=a, endchar=b) for a, b in spans_of(body, words) if b <= CHARLIMIT]
    best = top_fragments(
        FRAGMENTER.fragment_matches(body, tokens), 2, BasicFragmentScorer(), FIRST, minscore=1
    )
    frags = [(f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches]) for f in best]
    return _format(body, frags) if frags else ("", [])


def test_real_articles_get_whooshs_snippets() -> None:
    folder = CORPORA / UKRAINE_MEDIA / "articles"
    files = sorted(folder.glob("*.txt"))[:400] if folder.is_dir() else []
    texts = [f.read_text(encoding="utf-8") for f in files]
    texts += [(Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")]
    rng = random.Random(7)
    compared = 0
    for text in texts:
        vocabulary = sorted({w.lower() for w in text.split() if w.isalpha()})
        for k in (1, 2, 4):
            words = set(stem(rng.sample(vocabulary, min(k, len(vocabulary)))))
            got, want = _snippet(text, words), whooshs(text, words)
            assert got == want, (text[:60], words)
            compared += bool(want[0])
    assert compared > 100 or not files


piece = st.sampled_from(["Kyiv", "drones", "drone", "Belgorod", "port", "grain", "said"])
gap = st.sampled_from([" ", "  ", "\n", "\n\n", ", ", ". ", " — ", "x" * 70 + " ", " " * 61])
texts = st.lists(st.tuples(piece, gap), min_size=1, max_size=80).map(
    lambda parts: "".join(w + g for w, g in parts)
)


@settings(max_examples=300, deadline=None)
@given(
    text=texts, words=st.sets(st.sampled_from(["kyiv", "drone", "belgorod", "port"]), min_size=1)
)
def test_generated_texts_get_whooshs_snippets(text: str, words: set[str]) -> None:
    assert _snippet(text, words) == whooshs(text, words)


def test_the_check_can_fail() -> None:
    text = "Kyiv " + "filler " * 40 + "Kyiv and drones near Kyiv. " + "more " * 40 + "drones."
    assert _snippet(text, {"kyiv", "drone"}) == whooshs(text, {"kyiv", "drone"})
    assert _snippet(text, {"kyiv"}) != whooshs(text, {"drone"})
