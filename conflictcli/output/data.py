"""The records as JSON (and JSON Lines and CSV) hold them: one function for each kind
of record, so that a record gives the same JSON wherever it is printed.

Most records are written whole, field by field, in the order they declare them
(`plain`). The others have a function of their own, listed in `_SHAPED`, which `plain`
also uses for them when they sit inside another record: a result (its fields in the
documented order, `partial` and `similar` only when they say something), a page of
results, a node of a parsed query, a timeline (without its notes), a check report
(with `ok`, without the ids and flaws).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.engine.records import Explanation, Node
    from conflictcli.records.counts import Count, Places, Timeline
    from conflictcli.records.holdings import Member, Source, Stories
    from conflictcli.records.search import Result, SearchResult
    from conflictcli.records.upkeep import CheckReport

JSON_SCHEMA_VERSION = 1
# datetime and lang last: a CSV's columns keep the places they had before they came
RESULT_FIELDS = [
    *("id", "date", "title", "source", "url", "path", "cluster", "score", "snippet"),
    *("datetime", "lang"),
]
# what search --fields may choose: a result's fields, with partial and similar always
SEARCH_FIELDS = [*RESULT_FIELDS, "highlights", "partial", "similar"]
EXPORT_FIELDS = [*RESULT_FIELDS, "highlights", "body", "meta"]
PLACE_FIELDS = ("place", "id", "kind", "articles", "country", "lat", "lon")
SNIPPET_CHARS = 220  # the snippet of `show --json`: the start of the text


def plain(record: Any) -> dict[str, Any]:
    """A record written whole: each field by its name; records within it by their
    own function, lists and mappings item by item."""
    return {f.name: _value(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        return _SHAPED.get(f"{kind.__module__}.{kind.__qualname__}", plain)(value)
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    return value


def with_schema(record: Any) -> dict[str, Any]:
    """A record written whole as a command's one JSON object (stats, ingest)."""
    return {"schema": JSON_SCHEMA_VERSION, **plain(record)}


# -- search ---------------------------------------------------------------------
def result(r: Result) -> dict[str, Any]:
    rec = {k: getattr(r, k) for k in RESULT_FIELDS}
    rec["highlights"] = [list(span) for span in r.highlights]
    if r.partial:
        rec["partial"] = True
    if r.similar is not None:  # collapsed: one result per story
        rec["similar"] = r.similar
    return rec


def chosen(r: Result, fields: list[str]) -> dict[str, Any]:
    """A result with only `fields` (search --fields), partial and similar always."""
    rec = {**result(r), "partial": r.partial, "similar": r.similar}
    return {k: rec[k] for k in fields}


def exported(r: Result, body: str, fields: list[str]) -> dict[str, Any]:
    """A result with its whole text (export), only `fields`."""
    rec = {**result(r), "body": body, "meta": r.meta}
    return {k: rec[k] for k in fields}


def search_head(res: SearchResult) -> dict[str, Any]:
    """A page of results without them: they follow, one a line (emit_json_rows)."""
    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": res.query,
        "total": res.total,
        "offset": res.offset,
        "limit": res.limit,
        "took_ms": res.took_ms,
    }


def search(res: SearchResult, fields: list[str] | None = None) -> dict[str, Any]:
    rows = [chosen(r, fields) for r in res.results] if fields else _results(res)
    return {**search_head(res), "results": rows}


def _results(res: SearchResult) -> list[dict[str, Any]]:
    return [result(r) for r in res.results]


def query_count(query: str, n: int) -> dict[str, Any]:
    """A query of a file and how many articles match it (search --from-file --count)."""
    return {"query": query, "count": n}


def watch_run(name: str, res: SearchResult) -> dict[str, Any]:
    """What a watch found that is new."""
    return {"watch": name, "query": res.query, "new": res.total, "results": _results(res)}


# -- explain --------------------------------------------------------------------
def explanation(e: Explanation, query: str) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": query,
        "operator_words": list(e.reading.operator_words),
        "read_as": read_as(e),
        "total": e.total,
        "notes": e.notes,
        "parsed": node(e.tree),
    }


def read_as(e: Explanation) -> str | None:
    if not e.reading.operator_words:
        return None
    return "operators" if e.reading.operators else "words"


def node(n: Node) -> dict[str, Any]:
    rec: dict[str, Any] = {"op": n.op, "role": n.role}
    if n.op == "dates":
        rec.update(first=n.first, last=n.last)
    elif n.children:
        if n.op == "name":
            rec["name"] = n.text
        rec["children"] = [node(c) for c in n.children]
    else:
        rec.update(text=n.text, fields=n.fields)
    return rec


# -- show -----------------------------------------------------------------------
def article(a: Article, story: list[Member] | None = None) -> dict[str, Any]:
    """An article as `show --json` gives it: a result's fields, then the rest."""
    return {
        "schema": JSON_SCHEMA_VERSION,
        "id": a.id,
        "date": a.date.isoformat() if a.date else None,
        "datetime": datetime_of(a),
        "title": a.title,
        "source": a.source,
        "url": a.url,
        "author": a.author,
        "path": a.paths[0] if a.paths else None,
        "score": None,
        "snippet": " ".join(a.body.split())[:SNIPPET_CHARS],
        "paths": a.paths,
        "words": a.words,
        "cluster": a.cluster,
        "lang": a.lang,
        "meta": dict(a.meta),
        "similar": [plain(m) for m in story or []],
        "body": a.body,
    }


def datetime_of(a: Article) -> str | None:
    """The day and time of day the source wrote (2024-11-21T14:35:00, no zone), or None
    when it gave no time."""
    return f"{a.date.isoformat()}T{a.time.isoformat()}" if a.date and a.time else None


# -- analyst --------------------------------------------------------------------
def count(c: Count) -> dict[str, Any]:
    head = {"query": c.query, "count": c.count}
    return {**head, "by": c.by, "groups": [plain(g) for g in c.groups]} if c.by else head


def timeline(t: Timeline) -> dict[str, Any]:
    return {
        "query": t.query,
        "by": t.by,
        "buckets": [plain(b) for b in t.buckets],
        "undated": t.undated,
        "untimed": t.untimed,
        "peaks": t.peaks,
        "first": t.first,
        "last": t.last,
    }


def places_head(got: Places) -> dict[str, Any]:
    return {"schema": JSON_SCHEMA_VERSION, "query": got.query, "total": got.total}


def stories_head(got: Stories) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": got.query,
        "total": got.total,
        "stories_count": got.stories,
        "articles": got.articles,
        "threshold": got.threshold,
    }


def sources_head(rows: list[Source]) -> dict[str, Any]:
    return {"schema": JSON_SCHEMA_VERSION, "sources_count": len(rows)}


# -- check ----------------------------------------------------------------------
def check(report: CheckReport) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "location": report.location,
        "ok": report.ok,
        "articles": report.articles,
        "indexed": report.indexed,
        "catalogue_schema": report.catalogue_schema,
        "index_layout": report.index_layout,
        "repaired": report.repaired,
        "problems": [plain(p) for p in report.problems],
    }


# the records that are not written whole, wherever they appear
# (by the record's full name: the engine's records load only where a search runs)
_SHAPED: dict[str, Callable[[Any], dict[str, Any]]] = {
    "conflictcli.records.search.Result": result,
    "conflictcli.records.search.SearchResult": search,
    "conflictcli.engine.records.Node": node,
    "conflictcli.records.counts.Timeline": timeline,
    "conflictcli.records.counts.Count": count,
    "conflictcli.records.upkeep.CheckReport": check,
}
