"""Names on a real corpus (ukraine-media-2022): a search for any one spelling finds at
least the articles that hold any spelling of the name, counted here independently with
a regular expression over the files, and its first ten results all mention the name."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPORA, UKRAINE_MEDIA, Corpus, invoke, needs_corpus

pytestmark = pytest.mark.engine  # runs with the fast path on and off (.ci/run)

NAMES = {
    "Kyiv": (["Kyiv", "Kiev", "Київ", "Киев"], r"kyiv|kiev"),
    "Kharkiv": (["Kharkiv", "Kharkov"], r"kharkiv|kharkov"),
    "Odesa": (["Odesa", "Odessa"], r"odesa|odessa"),
    "Zelensky": (["Zelensky", "Zelenskiy", "Зеленский"], r"zelensky|zelenskyy|zelenskiy|zelenskyi"),
    "Bakhmut": (["Bakhmut", "Artemivsk"], r"bakhmut|artemivsk|artemovsk|artyomovsk"),
    "T-72": (["T-72", "T72"], r"t-?72"),
    "HIMARS": (["HIMARS"], r"himars"),
}


@needs_corpus(UKRAINE_MEDIA)
@pytest.mark.parametrize("canon", sorted(NAMES))
def test_every_spelling_finds_every_article_of_the_name(ukraine_media: Corpus, canon: str) -> None:
    spellings, pattern = NAMES[canon]
    holds = re.compile(rf"(?<!\w)({pattern})(?!\w)", re.IGNORECASE)
    texts = {str(p.resolve()): p.read_text(encoding="utf-8") for p in ukraine_media.files}
    want = sum(1 for t in texts.values() if holds.search(t))
    assert want > 0
    mentions = re.compile(rf"(?<!\w)({pattern})(?![0-9])", re.IGNORECASE)
    for spelling in spellings:
        r = invoke("search", spelling, "--json", "--index", ukraine_media.ix)
        assert r.exit_code == 0, r.stderr
        got = json.loads(r.stdout)
        assert got["total"] >= want, (spelling, got["total"], want)
        top = [x for x in got["results"] if not x.get("partial")]
        assert len(top) == min(10, got["total"])
        for x in top:
            assert mentions.search(texts[str(Path(x["path"]).resolve())] + " " + x["title"]), (
                spelling,
                x["path"],
            )


@needs_corpus(UKRAINE_MEDIA)
def test_no_spelling_is_an_ordinary_word_of_the_news() -> None:
    """A one-word spelling that the index reads as a word the news writes in lower case
    (Human for Uman, Torez read as 'tore') turns a search for the word into a search
    for the name. Every such spelling is removed from the gazetteer (`-Spelling` in
    tools/gazetteer/names.tsv) or marked ambiguous, as Patriot is."""
    from conflictcli.analysis import query_terms, stem
    from conflictcli.names import entries

    marked = {query_terms(v) for e in entries() for v in e["ambiguous"]}
    keys = {
        k[0]
        for e in entries()
        for v in e["variants"]
        if len(k := query_terms(v)) == 1 and k[0].isascii() and k not in marked
    }
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for p in (CORPORA / UKRAINE_MEDIA / "articles").glob("*.txt"):
        for w in re.findall(r"\b[A-Za-z]+\b", p.read_text(encoding="utf-8")):
            (lower if w.islower() else upper)[w.lower()] += 1
    words = sorted(set(lower) | set(upper))
    as_word: Counter[str] = Counter()
    as_name: Counter[str] = Counter()
    for w, s in zip(words, stem(words), strict=True):
        if s in keys:
            as_word[s] += lower[w]
            as_name[s] += upper[w]
    ordinary = sorted(s for s in as_word if as_word[s] > max(5, as_name[s]))
    assert ordinary == []
