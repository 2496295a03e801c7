"""conflict rm: articles out of the archive, by id or by the files they came from.

What is named: an article by its id (or a unique prefix, as `show` takes it) or by
FILE:ROW; a file as ingest recorded it (absolute, links resolved), for the articles read
from it; a folder, for every file recorded under it (the files need not be there any
more). An article that a file named holds and a file not named holds too stays: only
that file is forgotten (`kept`). What names nothing is listed with the reason, and the
rest is removed all the same.

What goes: the articles from the catalogue and from the engine's index, in one batch
that commits the index first and the catalogue after it, as every write does (a run
that dies before the end changes nothing; one killed between the two commits leaves
the index behind the catalogue, and the next write puts it right: check.reconcile).
The files named are forgotten, and so is a file that held nothing but articles removed
by id; a file that holds others is read again by the next ingest. Either way a later
ingest of those files brings their articles back. An article whose story's first
article goes is given a story again, as if it came anew (stories.Stories.regroup), in
the catalogue and in the index: no story points at an article that is gone.

A dry run plans the same and changes nothing, without waiting for a writer's lock.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from conflictcli import team
from conflictcli.archive import Archive
from conflictcli.check import reconcile
from conflictcli.errors import WAIT_S, ArchiveMissing, NotFound, NotRecorded
from conflictcli.holdings import article_id
from conflictcli.records.upkeep import RemoveSummary, Unknown
from conflictcli.store import Store
from conflictcli.stories import Stories, bands

if TYPE_CHECKING:
    from conflictcli.engine.base import Writer

_HEX = frozenset("0123456789abcdefABCDEF")
REGROUP_BATCH = 256  # articles given a story again, and indexed again, at a time


@dataclass
class _Plan:
    """What a removal does, worked out from the catalogue before anything changes."""

    ids: list[str] = field(default_factory=list)  # the articles that go
    forget: list[str] = field(default_factory=list)  # file records dropped, with their links
    read_again: list[str] = field(default_factory=list)  # files that keep other articles
    kept: list[str] = field(default_factory=list)  # articles of files named that others hold
    orphans: list[str] = field(default_factory=list)  # their story's first article goes
    unknown: list[Unknown] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.ids or self.forget or self.read_again)


def remove(
    location: Path | str, refs: list[str], dry_run: bool = False, wait: float = WAIT_S
) -> RemoveSummary:
    """Remove from the archive at `location` the articles `refs` name (ids, unique id
    prefixes, FILE:ROW, files, folders); with `dry_run`, only say what would go.
    Another writer is waited for up to `wait` seconds (ArchiveBusy after that)."""
    t0 = time.perf_counter()
    if not isinstance(location, str):
        location = location.expanduser().absolute()
        if not Archive.exists(location):
            raise ArchiveMissing(str(location))
    archive = team.open_archive(location)
    try:
        if dry_run:
            plan = _plan(archive.store, refs)
            summary = _summary(plan, archive.store.article_count(), dry_run=True)
        else:
            archive.store.open_for_writing()  # a read-only archive is named before the lock
            with archive.writing(wait, "rm"):
                summary = _remove(archive, refs)
    finally:
        archive.close()
    summary.took_s = round(time.perf_counter() - t0, 3)
    return summary


def _remove(archive: Archive, refs: list[str]) -> RemoveSummary:
    """The removal, under the archive's write lock."""
    from conflictcli.ingest import rebuild_index  # what reconcile rebuilds an index with

    store = archive.store
    warnings = []
    if store.article_count() and not archive.in_sync():  # a run died between two commits
        for p in reconcile(archive, rebuild_index):
            warnings.append(
                f"the index and the catalogue disagreed ({p.kind.replace('_', ' ')}: "
                f"{p.count} articles), after a write that stopped part way; repaired: {p.repair}"
            )
    plan = _plan(store, refs)
    if plan.changes:
        with archive.engine.writer() as writer, store.batch():
            store.upgrade()
            plan = _plan(store, refs)  # again, in the transaction: a team's writers take turns
            _apply(store, writer, plan)
        archive.synced()  # after the index's commit, in the catalogue's transaction
        store.commit()
    summary = _summary(plan, store.article_count())
    summary.warnings = warnings
    return summary


def _apply(store: Store, writer: Writer, plan: _Plan) -> None:
    """The plan carried out in the catalogue's batch and the index's writer."""
    store.forget_files(plan.forget)
    store.drop_links_to(plan.ids)
    store.read_again(plan.read_again)
    for i in plan.ids:
        writer.delete(i)
    store.drop_articles(plan.ids, bands)
    stories = Stories(store)
    for at in range(0, len(plan.orphans), REGROUP_BATCH):
        for a in stories.regroup(plan.orphans[at : at + REGROUP_BATCH]):
            writer.delete(a.id)  # indexed again with its story
            writer.add(a)


def _summary(plan: _Plan, articles: int, dry_run: bool = False) -> RemoveSummary:
    return RemoveSummary(
        dry_run=dry_run,
        removed=len(plan.ids),
        articles=articles,
        ids=plan.ids,
        paths=plan.forget,
        read_again=plan.read_again,
        kept=plan.kept,
        regrouped=len(plan.orphans),
        not_found=plan.unknown,
    )


def _plan(store: Store, refs: list[str]) -> _Plan:
    """What removing `refs` does: the articles that go, the files forgotten or read
    again, the articles kept and those given a story again, and what names nothing."""
    plan = _Plan()
    named: dict[str, None] = {}  # articles named by id or row, in the order given
    files: dict[str, None] = {}  # recorded files named, or under a folder named
    for ref in refs:
        try:
            ids, paths = _resolve(store, ref)
        except NotFound as e:
            plan.unknown.append(Unknown(ref, f"{e.message} {e.hint}" if e.hint else e.message))
            continue
        named.update(dict.fromkeys(ids))
        files.update(dict.fromkeys(paths))
    of_files = list(dict.fromkeys(a for _, a in sorted(store.links_of_files(files))))
    elsewhere = {a for p, a in store.links_to(of_files) if p not in files}
    plan.kept = [a for a in of_files if a in elsewhere and a not in named]
    plan.ids = list(dict.fromkeys([*named, *(a for a in of_files if a not in elsewhere)]))
    gone = set(plan.ids)
    # the other files that held articles named by id: forgotten when nothing is left
    touched = {p for p, _ in store.links_to(named) if p not in files}
    left = {p for p, a in store.links_of_files(sorted(touched)) if a not in gone}
    plan.forget = [*files, *sorted(touched - left)]
    plan.read_again = sorted(left)
    clusters = store.clusters_of(plan.ids)
    leaders = [i for i in plan.ids if clusters.get(i) == i]
    plan.orphans = [m for m in store.members_of(leaders) if m not in gone]
    return plan


def _resolve(store: Store, ref: str) -> tuple[list[str], list[str]]:
    """The articles (by id, or FILE:ROW) and the recorded files (a file, or every one
    under a folder) that `ref` names; NotFound, saying why, when it names none."""
    file, _, row = ref.rpartition(":")
    if file and row.isdigit() and Path(file).expanduser().is_file():
        where = str(Path(file).expanduser().resolve())
        ids = store.article_ids_of(where, int(row))
        if not ids:
            raise NotFound(
                f"Row {row} of {file} is not in the archive.",
                f"'conflict show {file}' shows its first article.",
            )
        return ids, []
    given = Path(ref).expanduser()
    if given.exists() or os.sep in ref or not set(ref) <= _HEX:
        where = str(given.resolve())
        found = store.recorded_under(where)
        if not found:
            raise NotRecorded(where)
        return [], found
    return [article_id(store, ref)], []
