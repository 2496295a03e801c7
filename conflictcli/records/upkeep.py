"""What an ingest did, and what check found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # named in annotations only
    from conflictcli.readers import Ignored
    from conflictcli.store import Flaw


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
    """What an ingest or reindex did: added, updated, unchanged and removed count files;
    the articles_ counts count articles."""

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
    articles_added: int = 0  # new to the archive
    articles_updated: int = 0  # held before, their metadata given anew and different
    articles_removed: int = 0  # no file holds them any more
    articles_unchanged: int = 0  # held before the run, and left as they were

    @property
    def nothing_read(self) -> bool:
        """No file was read, known or removed: the paths held nothing for the archive."""
        return not (self.added or self.updated or self.unchanged or self.removed or self.reindexed)
