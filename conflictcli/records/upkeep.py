"""What an ingest did, and what check found."""

from __future__ import annotations

from collections.abc import Iterable
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


class _Skipped(list[Skipped]):
    """IngestSummary.skipped: what was passed over, each with its reason. A reader's
    count of the messages of a file that are not articles (readers' telegram_messages.Tally,
    handed over among the file's problems) is not listed: it is added to `kinds`, the
    summary's messages_skipped."""

    def __init__(self, items: Iterable[Skipped], kinds: dict[str, int]) -> None:
        super().__init__()
        self.kinds = kinds
        self.extend(items)

    def append(self, item: Skipped) -> None:
        from conflictcli.readers.telegram_messages import Tally  # loaded by ingest already

        if isinstance(item.reason, Tally):
            for kind, n in item.reason.kinds.items():
                self.kinds[kind] = self.kinds.get(kind, 0) + n
        else:
            super().append(item)

    def extend(self, items: Iterable[Skipped]) -> None:
        for item in items:
            self.append(item)

    def __iadd__(self, items: Iterable[Skipped]) -> _Skipped:  # type: ignore[override,misc]
        self.extend(items)
        return self


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
    # messages read that are not articles (Telegram's service messages, a photo or a
    # sticker with no text), by kind: {"service": 2, "photo": 1}
    messages_skipped: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.skipped = _Skipped(self.skipped, self.messages_skipped)

    @property
    def nothing_read(self) -> bool:
        """No file was read, known or removed: the paths held nothing for the archive."""
        return not (self.added or self.updated or self.unchanged or self.removed or self.reindexed)


@dataclass
class Unknown:
    """What `rm` was given that names nothing in the archive, and why (with the next
    step)."""

    ref: str  # as given
    reason: str


@dataclass
class RemoveSummary:
    """What `rm` removed (with dry_run: would remove; nothing changed)."""

    dry_run: bool = False
    removed: int = 0  # articles
    articles: int = 0  # articles in the archive after the run (dry_run: as they are)
    ids: list[str] = field(default_factory=list)  # the articles removed
    paths: list[str] = field(default_factory=list)  # files forgotten, with their links
    read_again: list[str] = field(default_factory=list)  # files that keep other articles
    kept: list[str] = field(default_factory=list)  # their files' articles other files hold
    regrouped: int = 0  # articles whose story's first article was removed: in a story again
    not_found: list[Unknown] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    took_s: float = 0.0
