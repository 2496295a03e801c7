"""A page of ranked matches as every engine makes it from its ordered matches: the
entries up to the end of the page, one per story when results are folded (with how many
matches each story holds), and partial matches after the full ones. What an entry is
(a document's address, an id) is the engine's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conflictcli.query import SearchRequest

Entry = tuple[Any, float | None, bool]  # the engine's entry, its score, partial
Match = tuple[Any, float | None, int | None]  # the engine's entry, its score, its story


@dataclass
class Ranked:
    """The matches of a request up to the end of its page, in order."""

    total: int  # every match
    lines: int  # what limit and offset count: matches, or stories when collapsed
    listed: list[Entry]
    offset: int
    want: int | None
    stories: list[int] = field(default_factory=list)  # of `listed`, when collapsed
    held: Counter[int] = field(default_factory=Counter)  # matches per story

    @property
    def entries(self) -> list[Entry]:
        return self.listed[self.offset : self.want]

    @property
    def others(self) -> list[int | None]:
        if not self.held:
            return []
        return [self.held[s] - 1 for s in self.stories[self.offset : self.want]]

    def short(self, req: SearchRequest) -> bool:
        return self.want is not None and self.lines < self.want

    @property
    def room(self) -> int:
        """Lines left on the page (a page that is short: `want` is set)."""
        assert self.want is not None
        return self.want - self.lines

    def add_partial(self, got: Sequence[Match]) -> None:
        """Partial matches after the full ones, up to the end of the page (collapsed:
        of stories no full match is in; their stories given)."""
        assert self.want is not None
        if not self.held:
            self.listed += [(e, x, True) for e, x, _ in got[: self.room]]
            return
        before = set(self.held)
        for e, x, story in got:
            assert story is not None
            if story in before:
                continue
            if story not in self.held and len(self.listed) < self.want:
                self.listed.append((e, x, True))
                self.stories.append(story)
            self.held[story] += 1


def page_of(total: int, got: Sequence[Match], req: SearchRequest, collapse: bool) -> Ranked:
    """The page of `got` (the matches in order: to the end of the page, or all of them,
    with their stories, when collapsed)."""
    want = None if req.limit == 0 else req.offset + req.limit
    if not collapse:
        return Ranked(total, total, [(e, x, False) for e, x, _ in got], req.offset, want)
    held: Counter[int] = Counter(story for _, _, story in got if story is not None)
    seen: set[int] = set()
    listed: list[Entry] = []
    firsts: list[int] = []
    for e, x, story in got:
        assert story is not None
        if story not in seen:
            seen.add(story)
            if want is None or len(listed) < want:
                listed.append((e, x, False))
                firsts.append(story)
    return Ranked(total, len(held), listed, req.offset, want, firsts, held)
