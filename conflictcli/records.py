"""The records the commands give back and the rendering shows: plain data, no archive,
store or engine object in them, so that any front end reads them the same way.

archive.py fills the search and analyst records, ingest.py the ingest summary,
check.py the report; output/ renders them. The engine's own records (Hit,
Explanation, Node) are in engine/records.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # named in annotations only: importing the records loads neither
    from conflictcli.readers import Ignored
    from conflictcli.store import Flaw


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
    """The largest stories of the archive, as `dupes` lists them."""

    stories: int  # stories of more than one article, in the whole archive
    articles: int  # the articles they hold
    threshold: float
    largest: list[Story]


@dataclass
class Source:
    """One outlet and the articles it gave the archive."""

    source: str | None  # None: the articles that name no outlet
    articles: int
    first_date: str | None
    last_date: str | None


@dataclass
class Place:
    """A place of the gazetteer, and how many of the selected articles name it."""

    place: str  # its canonical name in the gazetteer
    id: str
    kind: str  # place or region
    articles: int  # of those the query selects, how many name it


@dataclass
class Places:
    """The places the selected articles name, the most named first."""

    query: str  # "" for every article
    total: int  # the articles the query and filters select
    places: list[Place]  # the most named first; none that no article names
    notes: list[str] = field(default_factory=list)


@dataclass
class Group:
    """One line of a grouped count."""

    key: str | None  # None: the articles with no value (no source, no date)
    count: int


@dataclass
class Count:
    """How many articles a request selects, grouped or not."""

    query: str
    count: int  # what search totals for the same request
    by: str | None = None
    groups: list[Group] = field(default_factory=list)  # they sum to count (not by place)
    notes: list[str] = field(default_factory=list)


@dataclass
class Bucket:
    """One period of a timeline and its articles."""

    period: str
    count: int


@dataclass
class Timeline:
    """A query's articles counted per period, peaks marked, the undated apart."""

    query: str
    by: str
    buckets: list[Bucket]  # every period of the span, empty ones as 0
    undated: int  # matching articles with no date: in no bucket, counted here
    peaks: list[str]  # the periods well above the typical level (timeline.peaks)
    first: str | None  # the first and last day the query is mentioned
    last: str | None
    notes: list[str] = field(default_factory=list)


@dataclass
class Watch:
    """A saved search, and when it last ran."""

    name: str
    query: str
    filters: dict[str, Any]  # as typed: query, since, until, sources, places, any, exact
    created: str
    last_run: str | None


@dataclass
class Problem:
    """One kind of disagreement `check` found between the catalogue and the index."""

    kind: str  # not_indexed, not_in_catalogue, indexed_twice, dates_differ, ...
    count: int
    examples: list[str]  # the first ids or paths
    repair: str  # what --repair does about it
    repaired: bool = False
    reasons: list[str] = field(default_factory=list)  # what is wrong, for the examples


@dataclass
class CheckReport:
    """What `check` found (and repaired)."""

    location: str
    articles: int  # in the catalogue
    indexed: int  # live documents in the index (-1: it cannot be read)
    catalogue_schema: int
    index_layout: int
    problems: list[Problem] = field(default_factory=list)
    repaired: bool = False  # --repair was asked for
    ids: dict[str, list[str]] = field(default_factory=dict)  # every id of each kind
    flaws: list[Flaw] = field(default_factory=list)  # every damaged row of the catalogue

    @property
    def ok(self) -> bool:
        return all(p.repaired for p in self.problems)


@dataclass
class Skipped:
    """A file or row an ingest passed over, and why."""

    path: str
    reason: str


@dataclass
class IngestSummary:
    """What an ingest or reindex did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    took_s: float = 0.0
    duplicates: int = 0  # texts read (files, rows, lines) that the archive already held
    articles: int = 0  # articles in the archive after the run
    ignored: list[Ignored] = field(default_factory=list)  # passed over in folders
    reindexed: int = 0  # articles indexed again from the catalogue (a rebuilt index)

    @property
    def nothing_read(self) -> bool:
        """No file was read, known or removed: the paths held nothing for the archive."""
        return not (self.added or self.updated or self.unchanged or self.removed or self.reindexed)
