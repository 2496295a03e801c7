"""conflict check: do the catalogue and the search index agree, and can both be read?

The catalogue (store/) holds every article's text; the engine's index (engine/) is
made from it. `check` first reads the whole catalogue as any command would, every value
checked and every text read back (Store.survey): its tables, and each row that is
damaged (an id, date, title, ... of the wrong type or out of range, a text that cannot
be read back or inflates past any article). Then it compares catalogue and index,
article by article: the same ids, each once, with the same dates; every file record
points at articles that exist; the versions of both are ones this conflict knows.

`repair` first mends the catalogue (Store.mend): a row whose id or text cannot be read
is moved aside into the table `damaged` (nothing is deleted, and the next ingest reads
its file again), a damaged date is made undated, another damaged field mended, damaged
links and file records dropped, damaged meta written again; missing tables that hold no
text are made again, empty. Then it fixes the index from the catalogue: it indexes what
the index lacks, drops what the catalogue lacks, indexes again what differs (and what
was mended), builds the whole index again when it cannot be read, and drops links to
articles that are gone (their files are read again by the next ingest). An ingest that
finds the two apart after a run that died between their commits runs the same check
and repair first (`reconcile`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from conflictcli import team
from conflictcli.archive import CATALOGUE, Archive
from conflictcli.errors import WAIT_S, ArchiveMissing, ConflictError, DataError
from conflictcli.records.upkeep import CheckReport, Problem
from conflictcli.store import (
    REPAIRS,
    SCHEMA_VERSION,
    Damaged,
    Flaw,
    Store,
    Survey,
    schema_repairable,
)

EXAMPLES = 10  # ids shown for each kind of problem


# the kinds of damage to the catalogue itself (Store.survey), each with what --repair
# does about it; the other kinds are disagreements of catalogue and index
CATALOGUE_KINDS = {
    "id_invalid": "move the rows aside (kept in the table damaged)",
    "text_unreadable": "move the rows aside (kept in the table damaged)",
    "text_too_long": "move the rows aside (kept in the table damaged)",
    "date_invalid": "make them undated (the rows as they were kept in the table damaged)",
    "field_invalid": "mend the fields (the rows as they were kept in the table damaged)",
    "links_invalid": "drop the links; the next ingest reads their files again",
    "files_invalid": "forget the records; the next ingest reads those files again",
    "meta_invalid": "write them again (a damaged index layout: the index is built again)",
}
assert set(CATALOGUE_KINDS) == set(REPAIRS)


Rebuild = Callable[[Archive], object]  # builds the index again from the catalogue


def check(
    location: Path | str,
    repair: bool = False,
    wait: float = WAIT_S,
    rebuild: Rebuild | None = None,
) -> CheckReport:
    """The report on the archive at `location`; with `repair`, what can be put right is,
    the index rebuilt from the catalogue by `rebuild` (ingest.rebuild_index) where it
    cannot be read or has another layout."""
    if isinstance(location, str):  # a team archive: its tables are made as it is opened
        archive = team.open_archive(location)
        try:
            return _check(archive)
        finally:
            archive.close()
    location = location.expanduser().absolute()
    if not Archive.exists(location):
        raise ArchiveMissing(str(location))
    try:
        archive = Archive.open(location)
    except Damaged as e:  # tables missing or of another type: nothing else can be read
        if e.kind != "catalogue_schema":
            raise
        return _check_schema(location, e, repair, wait)
    try:
        if repair:
            archive.store.open_for_writing()  # a read-only archive is named before anything
            with archive.writing(wait):
                report = _check(archive)
                _repair(archive, report, rebuild)
        else:
            report = _check(archive)
    finally:
        archive.close()
    return report


def _check_schema(location: Path, e: Damaged, repair: bool, wait: float) -> CheckReport:
    """The report on a catalogue whose tables are not conflict's. --repair makes the
    missing tables of REMADE again, empty, then checks and repairs the rest."""
    remade = schema_repairable(e.problems)
    problem = Problem(
        "catalogue_schema",
        len(e.problems),
        e.problems[:EXAMPLES],
        "make the missing tables again, empty; drop triggers and views"
        if remade
        else "none: restore the catalogue from a copy, or ingest the files again",
    )
    store = Store(location / CATALOGUE, write=repair and remade, strict=False)
    archive = Archive(location, store)
    try:
        try:
            articles = store.article_count()
        except DataError:
            articles = -1
        report = CheckReport(str(location), articles, -1, _number(store.schema_version), -1)
        report.problems.append(problem)
        if not (repair and remade):
            report.repaired = repair
            return report
        with archive.writing(wait):
            with store.batch():
                store.remake_tables()
            store.commit()
    finally:
        archive.close()
    problem.repaired = True
    rest = check(location, repair=True, wait=wait)  # what the tables there now hold
    rest.problems.insert(0, problem)
    return rest


def _number(read: Callable[[], int]) -> int:
    """A number of the catalogue's meta; -1 when it is damaged (survey names it)."""
    try:
        return read()
    except DataError:
        return -1


def _check(archive: Archive, survey: bool = True) -> CheckReport:
    """What is wrong: with the catalogue (unless not `survey`: reconcile, which puts
    the index right after a crash, reads no text), then between catalogue and index."""
    store = archive.store
    found = store.survey() if survey else Survey(_dates(store), [])
    schema = _number(store.schema_version)
    layout = _number(store.index_layout)
    report = CheckReport(str(archive.folder), store.article_count(), -1, schema, layout)
    report.flaws = found.flaws
    _catalogue_problems(found, report)
    add = report.problems.append
    if schema > SCHEMA_VERSION:
        add(Problem("catalogue_newer", 1, [str(schema)], "none: upgrade conflict"))
    if layout != archive.kind.LAYOUT:
        add(Problem("index_layout", 1, [str(layout)], "build the index again (reindex)"))
        return report
    unreadable = _unreadable(archive)
    if unreadable:
        add(Problem("index_unreadable", 1, [unreadable], "build the index again (reindex)"))
        return report
    _index_problems(archive, found, report)
    dangling = _dangling_links(store)
    if dangling:
        add(dangling)
    return report


def _catalogue_problems(found: Survey, report: CheckReport) -> None:
    """The damage survey found in the catalogue, a problem of each kind."""
    for kind, repair in CATALOGUE_KINDS.items():
        flaws = [f for f in found.flaws if f.kind == kind]
        if not flaws:
            continue
        rows = {(f.row, f.why) if kind == "meta_invalid" else f.row for f in flaws}
        refs = list(dict.fromkeys(_ref(f) for f in flaws))
        reasons = [f"{_ref(f)}: {f.why}" for f in flaws[:EXAMPLES]]
        report.problems.append(Problem(kind, len(rows), refs[:EXAMPLES], repair, reasons=reasons))
        report.ids[kind] = [f.article for f in flaws if f.article]


def _index_problems(archive: Archive, found: Survey, report: CheckReport) -> None:
    """Where the index and the catalogue disagree, article by article."""
    known = found.dates
    flawed = {f.article for f in found.flaws if f.article}
    indexed = _indexed(archive)
    report.indexed = sum(len(v) for v in indexed.values())
    missing = sorted(set(known) - set(indexed))
    extra = sorted(set(indexed) - set(known))
    twice = sorted(i for i, dates in indexed.items() if len(dates) > 1)
    differ = sorted(  # a damaged date is the catalogue's problem (date_invalid)
        i
        for i, dates in indexed.items()
        if i in known and i not in flawed and len(dates) == 1 and dates[0] != known[i]
    )
    for kind, ids, repair in (
        ("not_indexed", missing, "index them from the catalogue"),
        ("not_in_catalogue", extra, "drop them from the index"),
        ("indexed_twice", twice, "index them once"),
        ("dates_differ", differ, "index them again from the catalogue"),
    ):
        if ids:
            report.problems.append(Problem(kind, len(ids), ids[:EXAMPLES], repair))
            report.ids[kind] = ids


def _dangling_links(store: Store) -> Problem | None:
    """The links from files to articles the catalogue no longer holds."""
    where = "FROM links WHERE article_id NOT IN (SELECT id FROM articles)"
    dangling = int(store.conn.execute(f"SELECT count(*) {where}").fetchone()[0])
    if not dangling:
        return None
    try:  # a path that SQLite cannot hand over is named by survey (links_invalid)
        held = store.conn.execute(f"SELECT DISTINCT path {where} ORDER BY path").fetchall()
        paths = [p for (p,) in held if type(p) is str][:EXAMPLES]
    except sqlite3.Error:
        paths = []
    return Problem(
        "links_to_missing_articles",
        dangling,
        paths,
        "drop the links; the next ingest reads those files again",
    )


def _dates(store: Store) -> dict[str, str | None]:
    """Each article's date by id, as the catalogue holds them (no text read)."""
    rows = store.conn.execute("SELECT id, date FROM articles")
    return {i: d if isinstance(d, str) else None for i, d in rows if isinstance(i, str)}


def _ref(f: Flaw) -> str:
    """How a damaged row is named among a problem's examples."""
    if f.article is not None:
        return f.article
    table = {"links_invalid": "link", "files_invalid": "file", "meta_invalid": "meta"}
    return f"{table.get(f.kind, 'row')} {f.row}" if f.kind != "meta_invalid" else "meta"


def _unreadable(archive: Archive) -> str | None:
    """Why the index cannot be opened (missing, not conflict's, damaged), or None:
    what a search would say (the engine's open)."""
    try:
        archive.engine.doc_count()
    except ConflictError as e:
        return e.message
    return None


def _indexed(archive: Archive) -> dict[str, list[str | None]]:
    """Each id in the index with the date of each live document that holds it."""
    return archive.engine.inventory()


def _repair(archive: Archive, report: CheckReport, rebuild: Rebuild | None) -> None:
    """Put right what `report` found: the catalogue first (the index is made from it),
    then the index, built again whole when it cannot be read, else mended article by
    article. Each problem put right is marked repaired."""
    report.repaired = True
    if not report.problems:
        return
    again = _mend_catalogue(archive, report)  # ids to index again
    kinds = {p.kind: p for p in report.problems if not p.repaired}
    if not kinds and not again:
        return
    if "index_layout" in kinds or "index_unreadable" in kinds:
        if rebuild is None:
            raise ValueError("repairing an unreadable index needs `rebuild`")
        rebuild(archive)
        for p in report.problems:
            p.repaired = p.repaired or p.kind in ("index_layout", "index_unreadable")
        fresh = _check(archive, survey=False)  # the catalogue is as it was
        report.indexed, report.ids = fresh.indexed, fresh.ids
        report.problems += [p for p in fresh.problems if p.kind not in kinds]
        kinds = {p.kind: p for p in report.problems if not p.repaired}
        again = []  # indexed anew, from the catalogue as it is now
        if not kinds:
            return
    _mend_index(archive, report, kinds, again)
    for p in kinds.values():
        p.repaired = True


def _mend_catalogue(archive: Archive, report: CheckReport) -> list[str]:
    """The catalogue's damage mended (Store.mend), and `report` made again of what is
    left; the ids of the articles mended, which the index takes again."""
    mended = [p for p in report.problems if p.kind in CATALOGUE_KINDS]
    if not mended:
        return []
    store = archive.store
    with store.batch():
        _, again = store.mend(report.flaws)
    store.commit()
    fresh = _check(archive)
    left = {p.kind for p in fresh.problems}
    for p in mended:
        p.repaired = p.kind not in left
    report.indexed, report.ids = fresh.indexed, fresh.ids
    report.problems = mended + [p for p in fresh.problems if p.kind not in CATALOGUE_KINDS]
    report.catalogue_schema, report.index_layout = fresh.catalogue_schema, fresh.index_layout
    report.articles = fresh.articles
    return again


def _mend_index(
    archive: Archive, report: CheckReport, kinds: dict[str, Problem], again: list[str]
) -> None:
    """The index put right article by article from the catalogue (what it lacks
    indexed, what the catalogue lacks dropped, what differs indexed again), and the
    links to articles that are gone dropped, in one commit of both."""
    store = archive.store
    again = sorted(
        {i for k in ("not_indexed", "indexed_twice", "dates_differ") for i in report.ids.get(k, [])}
        | set(again)
    )
    with archive.engine.writer() as writer, store.batch():
        for i in report.ids.get("not_in_catalogue", []):
            writer.delete(i)
        articles = store.articles(again)
        for i in again:
            writer.delete(i)  # every document with the id (an update drops only one)
            a = articles.get(i)  # one damaged after all is named, and left out
            if a is not None:
                writer.add(a)
        if "links_to_missing_articles" in kinds:
            store.conn.execute(
                "UPDATE files SET size = -1, sha256 = '' WHERE path IN (SELECT path FROM links"
                " WHERE article_id NOT IN (SELECT id FROM articles))"
            )
            store.conn.execute(
                "DELETE FROM links WHERE article_id NOT IN (SELECT id FROM articles)"
            )
    archive.synced()  # after the index's commit, in the catalogue's transaction
    store.commit()


def reconcile(archive: Archive, rebuild: Rebuild) -> list[Problem]:
    """The index put right by the catalogue, for an ingest that finds the two apart
    (Archive.in_sync: a run died between their commits); the caller holds
    archive.writing(). What was found, all of it repaired."""
    report = _check(archive, survey=False)
    _repair(archive, report, rebuild)
    if not report.problems:
        with archive.store.batch():
            archive.synced()
        archive.store.commit()
    return report.problems
