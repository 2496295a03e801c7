"""Each article as the row the PostgreSQL engine searches: its title and body as one
`tsvector` of our own terms (never PostgreSQL's parser and dictionaries), the title's
weighted A and the body's B, so that a query's terms (made by the same analysis) match
exactly what they match on the Whoosh engine.

The tsvector is written as text (PostgreSQL's input form: 'term':3A,7B), each term
quoted, so that no text of an article is ever read as syntax. PostgreSQL keeps
positions up to 16,383 (a later one is kept at 16,383: a phrase that far into a very
long body may be missed; a word is not) and at most MAX_POSITIONS of one term; the
body starts GAP positions after the title, so that no phrase spans the two. A term
longer than MAX_TERM_BYTES is left out (PostgreSQL refuses one of 2 KB).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from conflictcli.analysis import Scanned, folded_words, scan
from conflictcli.articles import Article, outlet_key
from conflictcli.engine.numbers import story_number
from conflictcli.engine.terms import Text, text_of

GAP = 100  # positions between the title's last term and the body's first
MAX_POSITION = 16_383  # PostgreSQL's largest
MAX_POSITIONS = 256  # of one term (PostgreSQL's own to_tsvector keeps no more)
MAX_TERM_BYTES = 1_000
COLUMNS = ("id", "day", "moment", "story", "outlet", "lang", "places", "countries", "src", "tsv")


class Prepared(NamedTuple):
    """What an article's row holds beyond its catalogue record: made in a worker."""

    tsv: str  # the tsvector of the title (A) and body (B), as text
    src: str  # the source's folded words, a tsvector as text
    places: tuple[str, ...]
    countries: tuple[str, ...]
    words: tuple[tuple[str, ...], ...]  # the distinct terms of each field of FIELDS


FIELDS = ("title", "body", "source")  # the fields whose words the words table keeps


def quoted(term: str) -> str:
    """A term as tsvector and tsquery text read it: in quotes, nothing in it syntax."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _positions(text: Text, start: int) -> list[tuple[str, int]]:
    terms = text.terms.split(" ") if text.terms else []
    out = [(term, start + k) for k, term in enumerate(terms)]
    out += [(term, start + k) for term, k in text.joined]
    return out


def tsvector(fields: list[tuple[Text, str]]) -> tuple[str, int]:
    """The tsvector text of several texts (each with its weight letter, one after
    another, GAP apart), and how many positions they took."""
    held: dict[str, list[str]] = {}
    at = 1
    for text, weight in fields:
        placed = _positions(text, at)
        for term, pos in placed:
            if len(term.encode()) > MAX_TERM_BYTES:
                continue
            got = held.setdefault(term, [])
            if len(got) < MAX_POSITIONS:
                got.append(f"{min(pos, MAX_POSITION)}{weight}")
        ends = [pos for _, pos in placed]
        at = (max(ends) + 1 if ends else at) + GAP
    return " ".join(f"{quoted(t)}:{','.join(p)}" for t, p in held.items()), at


def prepare(articles: list[Article], bodies: list[Scanned]) -> list[Prepared]:
    """Each article's terms and the places it names: a worker process's work at ingest."""
    from conflictcli.names import countries_of
    from conflictcli.placing import places_of

    out = []
    for a, body in zip(articles, bodies, strict=True):
        ids = places_of(a.title, a.body)
        title, text = text_of(scan(a.title)), text_of(body)
        source = Text(" ".join(folded_words(a.source or "")))
        tsv, _ = tsvector([(title, "A"), (text, "B")])
        src, _ = tsvector([(source, "D")])
        words = tuple(_distinct(x) for x in (title, text, source))
        out.append(Prepared(tsv, src, tuple(ids), tuple(countries_of(ids)), words))
    return out


def _distinct(text: Text) -> tuple[str, ...]:
    terms = set(text.terms.split(" ")) if text.terms else set()
    terms.update(term for term, _ in text.joined)
    return tuple(t for t in terms if len(t.encode()) <= MAX_TERM_BYTES)


def moment(a: Article) -> dt.datetime | None:
    """The day and time an article is dated (midnight when it has no time)."""
    if a.date is None:
        return None
    return dt.datetime.combine(a.date, (a.time or dt.time()).replace(tzinfo=None))


def row(a: Article, p: Prepared) -> tuple[object, ...]:
    """The article's row, in the order of COLUMNS."""
    return (
        a.id,
        a.date,
        moment(a),
        story_number(a.cluster or a.id),
        outlet_key(a.source) if a.source else None,
        a.lang,
        list(p.places),
        list(p.countries),
        p.src,
        p.tsv,
    )
