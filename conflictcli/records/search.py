"""What a search gives back (search, export, similar, watch run), and a saved search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One search result, as every output format shows it."""

    id: str
    date: str | None
    title: str
    source: str | None
    url: str | None
    path: str | None
    score: float | None
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    title_highlights: list[tuple[int, int]] = field(default_factory=list)
    partial: bool = False
    cluster: str | None = None  # its story: the id of the story's first article
    similar: int | None = None  # collapsed: the other matches of its story, left out
    datetime: str | None = None  # the day and time of day the source wrote, if it gave one
    lang: str | None = None  # its language, as ingest detected it
    meta: dict[str, str] = field(default_factory=dict)  # what its source says beside the text


# the fields of a result that the engine's hit holds: a list of only these (--fields id)
# is made from the index alone, no row of the catalogue read
FROM_THE_INDEX = frozenset({"id", "score", "partial", "similar"})


def from_hit(article_id: str, score: float | None, partial: bool, similar: int | None) -> Result:
    """A result of which only what the index holds is known (FROM_THE_INDEX)."""
    return Result(
        article_id, None, "", None, None, None, score, "", partial=partial, similar=similar
    )


@dataclass
class SearchResult:
    """A page of results, with the total the query selects in the whole archive."""

    query: str
    total: int
    offset: int
    limit: int
    took_ms: float
    results: list[Result]
    notes: list[str] = field(default_factory=list)  # how the query and dates were read
    collapsed: bool = False  # one result per story


@dataclass
class Suggestion:
    """What a request that selects nothing names and the archive holds no article of (an
    outlet of --source, a word of the query), and the nearest spellings the archive
    holds, each with the articles it finds alone, the nearest first ("did you mean")."""

    what: str  # "source" or "word"
    typed: str  # as the user typed it
    nearest: list[tuple[str, int]] = field(default_factory=list)  # (spelling, articles)


@dataclass
class Watch:
    """A saved search, and when it last ran."""

    name: str
    query: str
    filters: dict[str, Any]  # as typed: query, since, until, sources, places, any, exact
    created: str
    last_run: str | None
