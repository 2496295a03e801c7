"""The one boundary between the archive and a search engine: what an engine does (the
`Engine` and `Writer` protocols), and what every engine does first with a query's text
(`understand`: read it, parse it into the query tree, expand its names).

The catalogue (store/) holds the articles; an engine holds what finds them. An engine
gets Articles in and gives back the records of engine/records.py; it never sees the
user's string, only the query tree (query/tree.py) and a SearchRequest's filters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from conflictcli import names
from conflictcli.articles import Article
from conflictcli.engine.records import EngineResult, Explanation, Tally
from conflictcli.errors import QueryError
from conflictcli.names import Lexicon, Name, Names
from conflictcli.query import Reading, SearchRequest, read_query
from conflictcli.query import tree as t
from conflictcli.query.parse import parse, quote_dates

# A function run in worker processes over a batch of articles (and their bodies as
# analysis.scan() reads them), giving what Writer.add takes for each: module-level,
# so that it crosses to a worker by name.
Prepare = Callable[[list[Article], list[Any]], list[Any]]


class Writer(Protocol):
    """A batch of changes, committed as a whole when the batch ends (Engine.writer), or
    in steps at each checkpoint: a search sees what a checkpoint committed."""

    pending: int  # changes since the last checkpoint

    def add(self, a: Article, prepared: Any = None) -> None:
        """One article the index lacks (the ingest makes sure of it); `prepared`: what
        the engine's Prepare gave for it, when it ran."""

    def delete(self, article_id: str) -> None: ...

    def checkpoint(self) -> bool:
        """Commit what changed since the last checkpoint; False when nothing did."""

    def use_workers(self, mapper: Callable[..., Any] | None) -> None:
        """Worker processes the engine may use at the commit (map over jobs)."""


class Engine(Protocol):
    """A search index of the archive's articles."""

    names: Names | None  # where names are looked up (None: the gazetteer, read whole)
    replaced: str | None  # why the index found there was not opened (then made anew)
    set_aside: Path | None  # where that index was moved, unread

    def writer(self, checkpoints: bool = False) -> AbstractContextManager[Writer]:
        """Locked for the whole batch; cancelled on any error (checkpoints stay)."""

    def generation(self) -> int:
        """The number of the index's latest commit: the catalogue records the one it
        committed with, so that a catalogue and an index out of step are seen."""

    def doc_count(self) -> int:
        """Documents in the index (deleted ones may count until a merge drops them)."""

    def search(self, req: SearchRequest) -> EngineResult:
        """The exact total and the page of hits, each with the words it was found by: only
        what count() counts, unless `req.partial` asks for partial matches (a short page
        goes on with them, marked; with any_terms, those among the hits are marked)."""

    def count(self, req: SearchRequest) -> int: ...

    def matching(self, req: SearchRequest) -> tuple[list[str], list[str]]:
        """The ids of every article the request selects, in index order, and notes."""

    def explain(self, req: SearchRequest) -> Explanation: ...

    def places(self, req: SearchRequest) -> tuple[int, list[tuple[Name, int]], list[str]]:
        """How many articles the request selects (all, for no query), how many of them
        name each place of the gazetteer, and notes."""

    def countries(self, req: SearchRequest) -> tuple[int, dict[str, int], list[str]]:
        """How many articles the request selects (all, for no query), how many of them
        name a place in each country (ISO 3166 alpha-2), and notes."""

    def similar(self, text: str, leave_out: set[str], limit: int) -> EngineResult: ...

    def tally(self, req: SearchRequest, kinds: tuple[str, ...]) -> Tally | None:
        """The request's articles counted by each of `kinds` (source, lang, place,
        country, day) from one run of its query (the reading room's facets); None: the
        engine counts them one kind at a time (places, countries, days, matching)."""

    def days(self, req: SearchRequest) -> tuple[int, dict[dt.date, int], list[str]] | None:
        """How many articles the request selects (all, for no query), how many of them
        fall on each day, and notes, from the index's date column; None: the engine
        does not count them (the catalogue's dates are read instead)."""

    def tree(self, req: SearchRequest) -> t.Part:
        """The query tree the engine runs for the request (names expanded)."""

    def mark(self, text: str, query_text: str) -> list[tuple[int, int]]:
        """Character spans in `text` of the words the query looks for."""

    def words(self, fieldname: str, prefix: str, most: int) -> list[str]:
        """Up to `most` words of a text field (title, body) that start with `prefix`, as
        the index holds them (the terms of analysis.py): what a word with no article is
        held against for the nearest spellings (suggesting.py). Which ones when there are
        more is the engine's choice (Whoosh and PostgreSQL: the first in order; tantivy:
        the most frequent). The list may hold a word that no live article holds any more
        (until the index drops it); an engine that cannot list its words cheaply gives []
        (no suggestion, never a wrong one)."""

    def frequencies(self, fieldname: str, words: list[str]) -> dict[str, int]:
        """How many documents hold each of these words (as words() gives them) in a text
        field, deleted ones too until the index drops them: which of the near spellings
        of a word are common. An engine that cannot count them cheaply gives {} (the near
        words are then taken in the order words() gave them)."""

    def inventory(self) -> dict[str, list[str | None]]:
        """Each id in the index with the date (ISO, None: undated) of each document
        that holds it: what `conflict check` holds against the catalogue."""


@dataclass(frozen=True)
class Understood:
    """A query as every engine starts from it: its tree, names expanded, and notes."""

    tree: t.Part
    reading: Reading
    notes: list[str]


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def needs_lexicon(text: str, exact: bool) -> bool:
    """Whether understanding `text` reads the index's words (Cyrillic word forms)."""
    return not exact and _CYRILLIC.search(text) is not None


def understand(
    text: str,
    any_terms: bool = False,
    dayfirst: bool = False,
    exact: bool = False,
    gazetteer: Names | None = None,
    lexicon: Lexicon | None = None,
) -> Understood:
    """The query tree for what the user typed: read as query.read_query says, parsed,
    each known name expanded to its every spelling (names.py) unless `exact`, and each
    Cyrillic word to the forms of it that `lexicon` (the index's words) holds."""
    reading = read_query(text)
    notes = list(reading.notes)
    engine_text = quote_dates(reading.text)
    if not exact:
        engine_text = names.join_designations(engine_text, gazetteer)
    parsed = parse(engine_text, any_terms, dayfirst)
    notes += parsed.notes
    if parsed.tree is None:
        raise QueryError(
            f"The query {text!r} has nothing to search for.",
            "Use names or words: only operators or very common words (the, of, and) were given.",
        )
    tree = parsed.tree
    if not exact:
        expanded = names.expand(tree, gazetteer)
        tree = expanded.tree
        notes += expanded.notes()
        if lexicon is not None and needs_lexicon(text, exact):
            tree = names.inflect(tree, lexicon)
    return Understood(tree, reading, notes)
