"""The tantivy schema of the archive's index, and each article as its document.

tantivy is given our own analysis, never its own: the title and the body go in as the
terms analysis.py makes of them (lower case, accents folded, stop words out, stemmed
by language), one after another with a space between, and its `whitespace` tokenizer
takes them as they are, each at the next position. So a query's terms (the query
tree's, made by the same analysis) match here exactly what they match in the Whoosh
index. A letter-digit name (Su-34 -> su34) stands at the position of its last part,
beside it: such a text goes in pre-tokenized, each term with its position.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any, NamedTuple

from conflictcli.analysis import Scanned, folded_words, scan
from conflictcli.articles import Article, outlet_key
from conflictcli.engine.numbers import id_number, story_number
from conflictcli.engine.terms import Text, text_of

if TYPE_CHECKING:
    import tantivy

TEXT_FIELDS = ("title", "body")
EPOCH = dt.datetime(1970, 1, 1)


class Prepared(NamedTuple):
    """What an article's document holds beyond its catalogue record: made in a worker."""

    title: Text
    body: Text
    places: tuple[str, ...]
    countries: tuple[str, ...]


@functools.cache
def schema() -> tantivy.Schema:
    """The index's fields (made once: queries are built against it)."""
    import tantivy

    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("key", indexed=True, fast=True)  # the id as a number (numbers.py)
    for name in TEXT_FIELDS:  # our terms, as analysis.py makes them
        b.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    # the source's words, folded (analysis.folded_words): what source: looks for
    b.add_text_field("source", tokenizer_name="whitespace", index_option="position")
    b.add_text_field("outlet", tokenizer_name="raw", index_option="basic")  # --source
    for name in ("place", "country", "lang"):  # --place, --country, --lang; places
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    # seconds since 1970 of the day and time (midnight when none); none: undated
    b.add_integer_field("date", indexed=True, fast=True)
    b.add_integer_field("undated", indexed=True, fast=True)  # 1: no date
    b.add_integer_field("story", fast=True)  # the story (story_number): results folded
    return b.build()


def prepare(articles: list[Article], bodies: list[Scanned]) -> list[Prepared]:
    """Each article's terms and the places it names: a worker process's work at ingest."""
    from conflictcli.names import countries_of
    from conflictcli.placing import places_of

    out = []
    for a, body in zip(articles, bodies, strict=True):
        ids = places_of(a.title, a.body)
        out.append(
            Prepared(text_of(scan(a.title)), text_of(body), tuple(ids), tuple(countries_of(ids)))
        )
    return out


def seconds(when: dt.datetime) -> int:
    return int((when.replace(tzinfo=None) - EPOCH).total_seconds())


def document(a: Article, p: Prepared | None) -> tantivy.Document:
    import tantivy

    if p is None:
        p = prepare([a], [scan(a.body)])[0]
    elif not isinstance(p, Prepared):  # from a worker, as plain tuples (reading.py)
        title, body, places, countries = p
        p = Prepared(Text(*title), Text(*body), places, countries)
    doc = tantivy.Document()
    doc.add_text("id", a.id)
    doc.add_integer("key", id_number(a.id))
    for name, text in (("title", p.title), ("body", p.body)):
        _add_text(doc, name, text)
    if a.source:
        doc.add_text("source", " ".join(folded_words(a.source)))
        doc.add_text("outlet", outlet_key(a.source))
    for place in p.places:
        doc.add_text("place", place)
    for code in p.countries:
        doc.add_text("country", code)
    if a.lang:
        doc.add_text("lang", a.lang)
    if a.date:  # the time of day too (midnight when none), as the Whoosh engine keeps it
        doc.add_integer("date", seconds(dt.datetime.combine(a.date, a.time or dt.time())))
    doc.add_integer("undated", 0 if a.date else 1)
    doc.add_integer("story", story_number(a.cluster or a.id))
    return doc


def _add_text(doc: Any, name: str, text: Text) -> None:
    import tantivy

    if not isinstance(text, Text):
        text = Text(*text)
    if not text.terms:
        return
    if not text.joined:
        doc.add_text(name, text.terms)
        return
    tokens = [tantivy.Token(w, k, 0, 0) for k, w in enumerate(text.terms.split(" "))]
    tokens += [tantivy.Token(w, k, 0, 0) for w, k in text.joined]
    tokens.sort(key=lambda t: t.position)
    doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString("", tokens))
