"""The records an engine gives back: plain data, no engine object in them, so that
the archive and the rendering read any engine's results the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conflictcli.query import Reading


@dataclass
class Hit:
    """One article an engine found: its id and score, with snippet and marks if asked."""

    id: str
    score: float | None
    partial: bool = False
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    title_highlights: list[tuple[int, int]] = field(default_factory=list)
    similar: int | None = None  # collapsed: the other matches of its story, left out
    # the index terms it was found by: in its body (the snippet), in title or body (marks)
    body_words: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()


@dataclass
class EngineResult:
    """A page of hits, and how many articles the request selects in all."""

    total: int  # every article the query and the filters select, whatever the page
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)  # how the query was read


@dataclass
class Node:
    """One part of a query as the engine reads it (for --explain): a group (`all`,
    `any`, `not`) of parts, or a leaf (`term`, `phrase`, `pattern`, `fuzzy`, `dates`,
    `sources`, `places`, `every`). Terms are shown as indexed: lower case, accents folded, stemmed."""

    op: str
    text: str = ""
    fields: list[str] = field(default_factory=list)
    role: str = "required"  # required, optional or excluded
    children: list[Node] = field(default_factory=list)
    first: str | None = None  # dates: the first and last day, inclusive
    last: str | None = None


@dataclass
class Explanation:
    """How the engine reads a request (`--explain`), and how many articles it selects."""

    tree: Node
    reading: Reading  # how the text was read: operators or words
    total: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """The articles a request selects counted several ways from one run of its query:
    by outlet (the key --source matches: outlet_key), by language, by place (the
    gazetteer's ids), by country and by day (ISO), each as `kinds` asked. An article
    with no outlet or language is in `total` and under no key."""

    total: int
    counts: dict[str, dict[str, int]]
    notes: list[str] = field(default_factory=list)  # how the query was read
