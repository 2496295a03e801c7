"""What the catalogue alone tells: an article's story, the largest stories, the sources, stats."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Member:
    """An article of a story, as lists of stories show it."""

    id: str
    date: str | None
    source: str | None
    title: str


@dataclass
class Story:
    """Near-duplicate articles (stories.py): `id` is its first article's."""

    id: str
    articles: int
    first_date: str | None
    last_date: str | None
    members: list[Member]  # the first article first


@dataclass
class Stories:
    """The largest stories of the archive (or of the articles a query selects), as
    `dupes` lists them."""

    stories: int  # stories of more than one article, in the whole archive (or the query's)
    articles: int  # the articles they hold (that match)
    threshold: float
    largest: list[Story]
    query: str = ""  # dupes QUERY: only the articles that match ("": every article)
    total: int = 0  # the articles that match (every article, for none)
    narrowed: bool = False  # chosen among the articles a query or a filter selects


@dataclass
class Source:
    """One outlet and the articles it gave the archive."""

    source: str | None  # None: the articles that name no outlet
    articles: int
    first_date: str | None
    last_date: str | None


@dataclass
class Stats:
    """What the archive holds, as `stats` tells it."""

    articles: int
    first_date: str | None
    last_date: str | None
    undated: int
    by_month: dict[str, int]
    index_bytes: int
    last_ingest: str | None
    location: str
