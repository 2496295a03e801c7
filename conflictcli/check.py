"""conflict check: do the catalogue and the search index agree, and can both be read?

The catalogue (store.py) holds every article's text; the index (index.py) is made
from it. `check` compares the two, article by article: the same ids, each once, with
the same dates; every file record points at articles that exist; the versions of
both are ones this conflict knows. `repair` fixes what can be fixed from the
catalogue: it indexes what the index lacks, drops what the catalogue lacks, indexes
again what differs, builds the whole index again when it cannot be read, and drops
links to articles that are gone (their files are read again by the next ingest). An
ingest that finds the two apart after a run that died between their commits runs the
same check and repair first (`reconcile`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictcli.archive import INDEX_LAYOUT, Archive
from conflictcli.errors import WAIT_S, ArchiveMissing, ConflictError
from conflictcli.store import SCHEMA_VERSION

EXAMPLES = 10  # ids shown for each kind of problem


@dataclass
class Problem:
    kind: str  # not_indexed, not_in_catalogue, indexed_twice, dates_differ, ...
    count: int
    examples: list[str]  # the first ids or paths
    repair: str  # what --repair does about it
    repaired: bool = False


@dataclass
class CheckReport:
    location: str
    articles: int  # in the catalogue
    indexed: int  # live documents in the index (-1: it cannot be read)
    catalogue_schema: int
    index_layout: int
    problems: list[Problem] = field(default_factory=list)
    repaired: bool = False  # --repair was asked for
    ids: dict[str, list[str]] = field(default_factory=dict)  # every id of each kind

    @property
    def ok(self) -> bool:
        return all(p.repaired for p in self.problems)


def check(location: Path, repair: bool = False, wait: float = WAIT_S) -> CheckReport:
    location = location.expanduser().absolute()
    if not Archive.exists(location):
        raise ArchiveMissing(str(location))
    archive = Archive.open(location)
    try:
        if repair:
            with archive.writing(wait):
                report = _check(archive)
                _repair(archive, report)
        else:
            report = _check(archive)
    finally:
        archive.close()
    return report


def _check(archive: Archive) -> CheckReport:
    store = archive.store
    known = {i: d for i, d in store.conn.execute("SELECT id, date FROM articles")}
    schema = int(store.meta("schema_version") or 0)
    layout = store.index_layout()
    report = CheckReport(str(archive.folder), len(known), -1, schema, layout)
    add = report.problems.append
    if schema > SCHEMA_VERSION:
        add(Problem("catalogue_newer", 1, [str(schema)], "none: upgrade conflict"))
    if layout != INDEX_LAYOUT:
        add(Problem("index_layout", 1, [str(layout)], "build the index again (reindex)"))
        return report
    unreadable = _unreadable(archive)
    if unreadable:
        add(Problem("index_unreadable", 1, [unreadable], "build the index again (reindex)"))
        return report
    indexed = _indexed(archive)
    report.indexed = sum(len(v) for v in indexed.values())
    missing = sorted(set(known) - set(indexed))
    extra = sorted(set(indexed) - set(known))
    twice = sorted(i for i, dates in indexed.items() if len(dates) > 1)
    differ = sorted(
        i for i, dates in indexed.items() if i in known and len(dates) == 1 and dates[0] != known[i]
    )
    for kind, ids, repair in (
        ("not_indexed", missing, "index them from the catalogue"),
        ("not_in_catalogue", extra, "drop them from the index"),
        ("indexed_twice", twice, "index them once"),
        ("dates_differ", differ, "index them again from the catalogue"),
    ):
        if ids:
            add(Problem(kind, len(ids), ids[:EXAMPLES], repair))
            report.ids[kind] = ids
    dangling = store.conn.execute(
        "SELECT path, article_id FROM links WHERE article_id NOT IN (SELECT id FROM articles)"
    ).fetchall()
    if dangling:
        paths = sorted({p for p, _ in dangling})
        add(
            Problem(
                "links_to_missing_articles",
                len(dangling),
                paths[:EXAMPLES],
                "drop the links; the next ingest reads those files again",
            )
        )
    return report


def _unreadable(archive: Archive) -> str | None:
    """Why the index cannot be opened (missing, not conflict's, damaged), or None:
    what a search would say (WhooshIndex.open)."""
    try:
        archive.engine.doc_count()
    except ConflictError as e:
        return e.message
    return None


def _indexed(archive: Archive) -> dict[str, list[str | None]]:
    """Each id in the index with the date of each live document that holds it."""
    from conflictcli.index import SCHEMA

    date_field = SCHEMA["date"]
    out: dict[str, list[str | None]] = {}
    with archive.engine._ix.searcher() as s:
        r = s.reader()
        dates = r.column_reader("date")
        undated = r.column_reader("undated")
        for d in r.all_doc_ids():
            article_id = r.stored_fields(d)["id"]
            day: str | None = None
            if not undated[d]:
                when = dates[d]  # the column reader gives datetimes
                if not isinstance(when, dt.datetime):
                    when = date_field.from_column_value(when)
                day = when.date().isoformat()
            out.setdefault(article_id, []).append(day)
    return out


def _repair(archive: Archive, report: CheckReport) -> None:
    report.repaired = True
    kinds = {p.kind: p for p in report.problems}
    if not kinds:
        return
    if "index_layout" in kinds or "index_unreadable" in kinds:
        from conflictcli.ingest import rebuild_index

        rebuild_index(archive)
        for p in report.problems:
            p.repaired = p.kind in ("index_layout", "index_unreadable")
        fresh = _check(archive)
        report.indexed, report.ids = fresh.indexed, fresh.ids
        report.problems += [p for p in fresh.problems if p.kind not in kinds]
        kinds = {p.kind: p for p in report.problems if not p.repaired}
        if not kinds:
            return
    store = archive.store
    again = sorted(
        {i for k in ("not_indexed", "indexed_twice", "dates_differ") for i in report.ids.get(k, [])}
    )
    with archive.engine.writer() as writer, store.batch():
        for i in report.ids.get("not_in_catalogue", []):
            writer.delete(i)
        articles = store.articles(again)
        for i in again:
            writer.delete(i)  # every document with the id (an update drops only one)
            writer.add(articles[i])
        dangling = kinds.get("links_to_missing_articles")
        if dangling:
            store.conn.execute(
                "UPDATE files SET size = -1 WHERE path IN (SELECT path FROM links"
                " WHERE article_id NOT IN (SELECT id FROM articles))"
            )
            store.conn.execute(
                "DELETE FROM links WHERE article_id NOT IN (SELECT id FROM articles)"
            )
    archive.synced()  # after the index's commit, in the catalogue's transaction
    store.commit()
    for p in kinds.values():
        p.repaired = True


def reconcile(archive: Archive) -> list[Problem]:
    """The index put right by the catalogue, for an ingest that finds the two apart
    (Archive.in_sync: a run died between their commits); the caller holds
    archive.writing(). What was found, all of it repaired."""
    report = _check(archive)
    _repair(archive, report)
    if not report.problems:
        with archive.store.batch():
            archive.synced()
        archive.store.commit()
    return report.problems


def as_dict(report: CheckReport) -> dict[str, Any]:
    return {
        "location": report.location,
        "ok": report.ok,
        "articles": report.articles,
        "indexed": report.indexed,
        "catalogue_schema": report.catalogue_schema,
        "index_layout": report.index_layout,
        "repaired": report.repaired,
        "problems": [vars(p) for p in report.problems],
    }
