"""Did you mean: for a request that selects nothing, each outlet of --source and each plain
word of its query that holds no article alone, with the nearest spellings the archive
holds (spelling.py measures how near), each with the articles it finds alone. An unknown
--place is an error that names the nearest places itself (names.place).

A word is held against the words of the index (Engine.words: bounded, spelling.py);
each near one is shown as an article writes it (Zelenskyy, not the stem zelenskyi),
counted as a search for it would count it, and only if that search finds something: a
word the index lists but no live article holds (deleted, not yet merged away) is never
suggested. Two words that search for the same thing (орешник, орешника: one word's
forms; Zelensky, Zelenskyy: one name's spellings) are suggested once."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from conflictcli import spelling
from conflictcli.analysis import folded, join_apostrophes, query_terms, spans_of
from conflictcli.articles import outlet_key
from conflictcli.errors import ConflictError, QueryError
from conflictcli.query import SearchRequest
from conflictcli.query import tree as t
from conflictcli.records.search import Suggestion

if TYPE_CHECKING:
    from conflictcli.engine.base import Engine
    from conflictcli.store import Store

MAX_NEAR = 200  # the near words of the index whose articles are counted (frequencies)
CANDIDATES = 8  # of those, the likeliest looked at closer (a search each)
_TOKEN = re.compile(r"\w+(?:\.\w+)*")  # a word of a query as typed (analysis.WORD)


def suggestions(engine: Engine, store: Store, req: SearchRequest) -> list[Suggestion]:
    """The outlets of --source and the plain words of the query that hold no article
    alone, each with its nearest spellings: for a request that selected nothing. What
    cannot be read (a damaged catalogue) leaves the rest unsaid, never fails the command."""
    out: list[Suggestion] = []
    try:
        out += _sources(store, req)
        if req.text.strip():
            out += _words(engine, store, req)
    except ConflictError:
        pass
    return out


def _sources(store: Store, req: SearchRequest) -> list[Suggestion]:
    """Each outlet --source names that the archive does not hold, with the outlets most
    like it (a slip of the pen, or a part of the name: al jazeera, Al Jazeera English)."""
    from conflictcli.engine.asked import outlets_named

    if not req.sources:
        return []
    held = [(name, n) for name, n, _, _ in store.sources() if name is not None]
    keys = [outlet_key(name) for name, _ in held]
    articles = dict(held)
    out = []
    for typed in req.sources:
        if outlets_named(keys, (typed,)):
            continue  # it holds articles: another filter or the words left none
        near = spelling.near_names(typed, [name for name, _ in held])
        out.append(Suggestion("source", typed, [(name, articles[name]) for name in near]))
    return out


def _words(engine: Engine, store: Store, req: SearchRequest) -> list[Suggestion]:
    """Each plain word of the query that no article holds, alone, with the nearest words
    the articles hold."""
    out = []
    for term, typed in _plain_words(engine.tree(req), req.text):
        try:
            if engine.count(SearchRequest(text=typed, exact=req.exact)):
                continue  # it is in some article: the other words or the filters left none
        except QueryError:
            continue
        out.append(Suggestion("word", typed, _nearest(engine, store, term, typed, req.exact)))
    return out


def _plain_words(tree: t.Part, text: str) -> list[tuple[str, str]]:
    """The words of the text fields the query asks for as they are (not a name's
    spellings or a word's forms, which the index holds, nor a word ruled out by NOT),
    each as its term and as typed (`text`'s first word with that term)."""
    terms: list[str] = []

    def walk(q: t.Part) -> None:
        if isinstance(q, t.Term) and q.field in t.TEXT_FIELDS and q.text not in terms:
            terms.append(q.text)
        elif isinstance(q, (t.All, t.Any)):
            for part in q.parts:
                walk(part)

    walk(tree)
    typed: dict[str, str] = {}
    for m in _TOKEN.finditer(join_apostrophes(text)):  # as long as `text`: the same spans
        key = query_terms(m.group())
        if len(key) == 1:
            typed.setdefault(key[0], text[m.start() : m.end()])
    return [(term, typed.get(term, term)) for term in terms]


def _nearest(
    engine: Engine, store: Store, term: str, typed: str, exact: bool
) -> list[tuple[str, int]]:
    """The words of the index nearest `term` (the term of `typed`) that a search finds
    articles by, each as an article writes it, with how many articles it finds (as
    `exact` or not): of those written nearest `typed`, the most found first; MOST of
    them. Of two that search for the same thing, the one written nearer, then the one
    more articles write (zelensky, not zelenskiy, for Zelenskky)."""
    word = folded(typed)
    most = spelling.edits(word)
    words = [
        w
        for prefix in spelling.prefixes(term)
        for f in t.TEXT_FIELDS
        for w in engine.words(f, prefix, spelling.MAX_WORDS)
    ]
    near = [w for w, _ in spelling.near_words(term, words, most)[:MAX_NEAR]]
    docs: dict[str, int] = {}
    for f in t.TEXT_FIELDS:
        for w, n in engine.frequencies(f, near).items():
            docs[w] = max(docs.get(w, 0), n)
    forms = spelling.spelled(near)
    held: list[tuple[int, int, str]] = []
    for guessed, stem, key in spelling.likeliest(word, forms, docs, most, CANDIDATES):
        if held and guessed > min(held)[0]:
            break  # the rest look further than one found: no search for them
        written, n = _written(engine, store, stem, key, word)
        edits = spelling.distance(word, folded(written))  # mariupl is no slip for manipulation
        if n and edits <= most:
            held.append((edits, -n, written))
    found: list[tuple[int, int, str]] = []
    seen: set[frozenset[t.Leaf]] = set()
    for edits, held_by, written in sorted(held):
        ask = SearchRequest(text=written, exact=exact)
        try:
            leaves = frozenset(t.leaves(engine.tree(ask)))
            if leaves in seen:
                continue  # another form or spelling of one found already
            seen.add(leaves)
            n = -held_by if exact else engine.count(ask)  # exact: the articles holding it
        except QueryError:
            continue
        if n:
            found.append((edits, -n, written))
    found.sort()
    nearest = [(written, -n) for edits, n, written in found if edits == found[0][0]]
    return nearest[: spelling.MOST]


def _written(engine: Engine, store: Store, term: str, key: str, word: str) -> tuple[str, int]:
    """`term` (a word of the index: a stem) as an article that holds it writes it (in
    the case it writes it most), the form of it nearest `word` (drones, not drone, for dornes), and how
    many articles hold the term; ("", 0) when none does. `key`: a word that a query
    reads as `term` (spelling.spelled)."""
    try:
        found = engine.search(SearchRequest(text=key, exact=True, limit=1))
    except QueryError:
        return "", 0
    a = store.articles([found.hits[0].id]).get(found.hits[0].id) if found.hits else None
    if a is None:
        return "", 0
    forms = Counter(text[i:j] for text in (a.title, a.body) for i, j in spans_of(text, {term}))
    if not forms:
        return "", 0
    # the nearest form, as the article writes it most (Kherson; drones, not Drones)
    best = min(forms, key=lambda w: (spelling.distance(word, folded(w)), -forms[w], w))
    return best, found.total
