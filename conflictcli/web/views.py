"""The reading room's pages and the data behind them. Each page asks the archive what
the command line asks (search, count, timeline, places, show, export, watch), and its
JSON is the CLI's own (output.data): `/api/search?q=X` is `conflict search X --json`.
The pages' templates get records and plain values; they escape every text."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from conflictcli.errors import UsageError
from conflictcli.output import data
from conflictcli.web.asked import PER_PAGE, Asked
from conflictcli.web.marks import link_of, marked

if TYPE_CHECKING:
    from conflictcli.archive import Archive
    from conflictcli.records.counts import Count
    from conflictcli.records.search import SearchResult

FACETS = (  # (parameter, count --by, heading, how many choices)
    ("source", "source", "Sources", 12),
    ("place", "place", "Places", 12),
    ("country", "country", "Countries", 12),
    ("lang", "lang", "Languages", 8),
)
YEARS = "year"


def search_result(archive: Archive, asked: Asked) -> SearchResult:
    """A page of results, one per story (`+N similar`), full matches only: its total
    is what `conflict count` gives for the same query and filters."""
    req = asked.filters.request(asked.sort, PER_PAGE, asked.offset, collapse=True)
    return archive.search(req)


def facets(archive: Archive, asked: Asked) -> list[dict[str, Any]]:
    """Each filter's choices with how many of the matches each holds (the chosen ones
    first), and the years."""
    req = asked.filters.request()
    kinds = (*FACETS, ("year", YEARS, "Years", 30))
    counted = archive.facets(req, tuple(by for _, by, _, _ in kinds))
    out = []
    for key, by, heading, most in kinds:
        got: Count = counted[by]
        chosen = set(asked.chosen(key))
        groups = [g for g in got.groups if g.key is not None and g.count]
        if by != YEARS:
            groups.sort(key=lambda g: (g.key not in chosen, -g.count, str(g.key)))
            groups = groups[:most]
        out.append(
            {
                "key": key,
                "heading": heading,
                "choices": [
                    {
                        "value": str(g.key),
                        "count": g.count,
                        "on": str(g.key) in chosen,
                        "link": _year_link(asked, str(g.key))
                        if key == "year"
                        else asked.toggled(key, str(g.key)),
                    }
                    for g in groups
                ],
            }
        )
    return out


def _year_link(asked: Asked, year: str) -> str:
    return asked.link(since=year, until=year, page=None)


def rows(res: SearchResult) -> list[dict[str, Any]]:
    """The results as a page shows them: the CLI's record, the snippet marked."""
    out = []
    for r in res.results:
        rec = data.result(r)
        rec["snippet_marked"] = marked(r.snippet, r.highlights)
        rec["title_marked"] = marked(r.title, r.title_highlights)
        rec["link"] = link_of(r.url)
        out.append(rec)
    return out


def pages_of(res: SearchResult, asked: Asked) -> dict[str, Any]:
    """Where this page sits: the previous and next pages' links, when there are any."""
    last = max(1, -(-len(res.results) // PER_PAGE))
    more = len(res.results) == PER_PAGE
    return {
        "page": asked.page,
        "previous": asked.link(page=asked.page - 1) if asked.page > 1 else None,
        "next": asked.link(page=asked.page + 1) if more else None,
        "last": last,
    }


def article_page(archive: Archive, ref: str, query: str) -> dict[str, Any]:
    """An article, its text with the query's words marked and its story's other copies;
    the articles most like it come from /api/similar, fetched by the page once shown
    (finding them costs more than the rest of the page)."""
    a = archive.resolve(ref)
    spans = archive.engine.mark(a.body, query) if query.strip() else []
    story = archive.story(a)
    record = data.article(a, story)
    return {
        "article": record,
        "text": marked(a.body, spans),
        "link": link_of(a.url),
        "story": [m for m in story if m.id != a.id],
        "similar_src": "/api/similar?" + urlencode({"id": a.id}),
    }


def similar_record(archive: Archive, ref: str, limit: int) -> dict[str, Any]:
    """What `conflict similar ID --json -n LIMIT` prints."""
    a, like = archive.similar(ref, limit)
    return {"schema": data.JSON_SCHEMA_VERSION, "id": a.id, "results": _plain_rows(like)}


def _plain_rows(res: SearchResult) -> list[dict[str, Any]]:
    return [data.result(r) for r in res.results]


def timeline_data(archive: Archive, queries: list[str], asked: Asked, by: str | None) -> Any:
    if not queries:
        raise UsageError("Give a query to chart.", "Example: /timeline?q=Kherson")
    reqs = [asked.filters.with_query(q).request() for q in queries]
    return archive.timeline(reqs, by)


def export_body(archive: Archive, asked: Asked, fmt: str) -> str:
    """The matches as `conflict export QUERY -f FMT` writes them (CSV cells that cannot
    run as formulas; JSON Lines)."""
    from conflictcli.output.search import export

    if not asked.filters.query.strip():
        raise UsageError("Give a query to export.")
    req = asked.filters.request()
    total, found = archive.export(req)
    out = io.StringIO()
    export(total, found, fmt, list(data.EXPORT_FIELDS), out)
    return out.getvalue()


def watches_page(archive: Archive) -> list[dict[str, Any]]:
    """Each watch with what is new since it was last seen (looked at, not marked)."""
    out = []
    for w in archive.watches():
        new = archive.watch_run(w, peek=True)
        out.append({"watch": data.plain(w), "new": new.total, "results": rows(new)})
    return out


def as_json(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)


def count_record(archive: Archive, asked: Asked) -> dict[str, Any]:
    return data.count(archive.count(asked.filters.request()))


def search_record(archive: Archive, asked: Asked, limit: int) -> dict[str, Any]:
    req = asked.filters.request(asked.sort, limit, asked.offset)
    return data.search(archive.search(replace(req, partial=asked.filters.any_terms)))
