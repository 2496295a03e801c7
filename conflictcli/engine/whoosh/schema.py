"""The Whoosh schema of the archive's index: its fields and how each is analysed."""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.formats import Existence

from conflictcli.engine.whoosh.analysers import NAME_ANALYZER, FastText, PackedPositions


def _packed(field: TEXT) -> TEXT:
    """A TEXT field whose positions are stored as packed gaps: no value of the index is a
    pickle (an archive from elsewhere could make one run code when read)."""
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field


def _ids(field: KEYWORD) -> KEYWORD:
    """A field of ids, several to a document (space-separated), each a term that only
    says the document holds it: no frequency, no position (as `outlet`, an ID)."""
    field.format = Existence(field_boost=field.format.field_boost)
    return field


def _schema(date_field: DATETIME) -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        # case- and accent-insensitive, English stems: "Drones" finds "drone", "café" "cafe"
        title=FastText(),
        body=FastText(),
        # positions packed as gaps, as the text fields' (Whoosh's Positions pickles them)
        source=_packed(TEXT(analyzer=NAME_ANALYZER)),
        outlet=ID(),  # the whole source, case folded: what --source matches exactly
        # the ids of the places the article names (placing.places_of, decided at ingest
        # from the text): what `places`, --place and `count --by place` read
        place=_ids(KEYWORD()),
        # the countries of those places (ISO 3166 alpha-2, the gazetteer's): --country
        country=_ids(KEYWORD()),
        lang=ID(),  # the article's language as ingest detected it (language.py): --lang
        date=date_field,
        undated=NUMERIC(int, bits=8, sortable=True),
        # the story (articles.cluster) as a number in a column, not indexed (a NUMERIC
        # field adds 16 terms a document): how results are collapsed
        story=COLUMN(NumericColumn("q")),
        # the id again, as a number in a column (id_number): a long page reads its ids
        # in one pass instead of one stored record each
        key=COLUMN(NumericColumn("q")),
    )


SCHEMA = _schema(DATETIME(sortable=True))
NO_KEY = -(1 << 63)  # `key` of an id that is not 16 hex digits: read its stored field
