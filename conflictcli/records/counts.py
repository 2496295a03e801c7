"""What counting gives back: count (grouped or not), timeline, places."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Place:
    """A place of the gazetteer, and how many of the selected articles name it."""

    place: str  # its canonical name in the gazetteer
    id: str
    kind: str  # place or region
    articles: int  # of those the query selects, how many name it
    country: str | None = None  # ISO 3166 alpha-2, as the gazetteer gives it
    lat: float | None = None  # where it is (GeoNames): a region's, its centre's
    lon: float | None = None


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
    # by hour: matching articles with a date but no time of day, in no bucket (0 otherwise)
    untimed: int = 0
