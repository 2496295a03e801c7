"""From a condition to a page of hits on the PostgreSQL engine: the order (ts_rank_cd
over the title and body words looked for, the title's weighing 2.5 times the body's;
or by date with the undated last), one hit per story, partial matches after full ones;
and `similar`'s key terms."""

from __future__ import annotations

import math
from typing import Any

from conflictcli.engine.folding import Ranked, page_of
from conflictcli.engine.postgres.documents import quoted
from conflictcli.engine.postgres.translate import Sql, ranking
from conflictcli.engine.records import EngineResult, Hit
from conflictcli.query import SearchRequest, Sort

WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # of D, C, B (the body), A (the title)


def fill(
    ranked: Ranked, conn: Any, more: Sql, words: set[tuple[str, str]], req: SearchRequest
) -> None:
    """Partial matches after the full ones, up to the end of the page (collapsed: of
    stories no full match is in)."""
    ranked.add_partial(_ranked(conn, more, words, None if ranked.held else ranked.room, req.sort))


def mark_partial(ranked: Ranked, conn: Any, full: Sql) -> None:
    """With --any: the hits that do not hold every term, marked partial."""
    ids = [i for i, _, _ in ranked.listed]
    if not ids:
        return
    sql = f"SELECT id FROM docs WHERE ({full.text}) AND id = ANY(%s)"
    held = {r[0] for r in conn.execute(sql, (*full.params, ids))}
    ranked.listed = [(i, x, i not in held) for i, x, _ in ranked.listed]


def page(conn: Any, cond: Sql, words: set[tuple[str, str]], req: SearchRequest) -> Ranked:
    sql = f"SELECT count(*) FROM docs WHERE {cond.text}"
    total = int(conn.execute(sql, cond.params).fetchone()[0])
    want = None if req.limit == 0 else req.offset + req.limit
    got = _ranked(conn, cond, words, None if req.collapse else want, req.sort)
    return page_of(total, got, req, req.collapse)


def _ranked(
    conn: Any, cond: Sql, words: set[tuple[str, str]], n: int | None, sort: Sort
) -> list[tuple[str, float | None, int]]:
    """The first `n` matches (None: all) in the order asked for: id, score, story."""
    limit, extra = ("", ()) if n is None else (" LIMIT %s", (n,))
    if n is not None and n <= 0:
        return []
    if sort is Sort.relevance:
        rankq = ranking(words)
        first: tuple[str, ...] = ()
        if rankq is None:
            score = "0::real"
        else:
            score, first = "ts_rank_cd(%s::float4[], tsv, %s::tsquery, 0)", (WEIGHTS, rankq)
        sql = (
            f"SELECT id, {score} AS x, story FROM docs WHERE {cond.text} "
            f"ORDER BY x DESC, seq{limit}"
        )
        rows = conn.execute(sql, (*first, *cond.params, *extra))
        return [(i, round(float(x), 4), story) for i, x, story in rows]
    order = "DESC" if sort is Sort.newest else "ASC"
    sql = (
        f"SELECT id, NULL, story FROM docs WHERE {cond.text} "
        f"ORDER BY moment IS NULL, moment {order}, seq{limit}"
    )
    return [(i, None, story) for i, _, story in conn.execute(sql, (*cond.params, *extra))]


def key_terms(conn: Any, text: str, n: int) -> list[tuple[str, float]]:
    """The n terms of `text` that best tell it apart (the Bo1 model, as Whoosh's
    more-like-this, with document frequencies for collection frequencies), each with
    its weight (the largest 1)."""
    from conflictcli.analysis import term_positions

    total = max(int(conn.execute("SELECT count(*) FROM docs").fetchone()[0]), 1)
    places = term_positions(text, None)
    if not places:
        return []
    terms = sorted(places)
    sql = (
        "SELECT t, (SELECT count(*) FROM docs WHERE tsv @@ q) FROM "
        "unnest(%s::text[], %s::tsquery[]) AS u(t, q)"
    )
    queries = [f"{quoted(term)}:B" for term in terms]
    weights = []
    for term, df in conn.execute(sql, (terms, queries)):
        if not df:
            continue
        f = df / total
        weights.append((term, len(places[term]) * math.log2((1 + f) / f) + math.log2(1 + f)))
    weights.sort(key=lambda tw: (-tw[1], tw[0]))
    top = weights[:n]
    most = top[0][1] if top else 1.0
    return [(w, x / most) for w, x in top]


SIMILAR_TERMS = 15  # the key terms of an article that `similar` searches for


def similar(conn: Any, text: str, leave_out: set[str], limit: int) -> EngineResult:
    keys = key_terms(conn, text, SIMILAR_TERMS)
    if not keys:
        return EngineResult(total=0, hits=[])
    rankq = " | ".join(f"{quoted(w)}:B" for w, _ in keys)
    sql = (
        "SELECT id, ts_rank_cd(%s::float4[], tsv, %s::tsquery, 0) AS x FROM docs "
        "WHERE tsv @@ %s::tsquery ORDER BY x DESC, seq LIMIT %s"
    )
    rows = conn.execute(sql, (WEIGHTS, rankq, rankq, limit + len(leave_out)))
    words = frozenset(w for w, _ in keys)
    hits = [
        Hit(i, round(float(x), 4), body_words=words, words=words)
        for i, x in rows
        if i not in leave_out
    ][:limit]
    return EngineResult(total=len(hits), hits=hits)
