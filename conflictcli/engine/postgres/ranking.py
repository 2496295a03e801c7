"""From a condition to a page of hits on the PostgreSQL engine: the order (BM25 over
the title and body words looked for, computed in SQL from the tsvector: `_score`; or by
date with the undated last), one hit per story, partial matches after full ones; and
`similar`'s key terms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from conflictcli.engine.folding import Ranked
from conflictcli.engine.postgres.documents import quoted
from conflictcli.engine.postgres.translate import WEIGHTS as LABELS
from conflictcli.engine.postgres.translate import Sql
from conflictcli.engine.records import EngineResult, Hit
from conflictcli.query import SearchRequest, Sort

WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # of D, C, B (the body), A (the title)
Names = Sequence[frozenset[str]]  # the spellings of each name a query looks for


def fill(
    ranked: Ranked,
    conn: Any,
    more: Sql,
    words: set[tuple[str, str]],
    req: SearchRequest,
    names: Names = (),
) -> None:
    """Partial matches after the full ones, up to the end of the page (collapsed: of
    stories no full match is in)."""
    n = None if ranked.held else ranked.room
    ranked.add_partial(_ranked(conn, more, words, n, req.sort, names))


def mark_partial(ranked: Ranked, conn: Any, full: Sql) -> None:
    """With --any: the hits that do not hold every term, marked partial."""
    ids = [i for i, _, _ in ranked.listed]
    if not ids:
        return
    sql = f"SELECT id FROM docs WHERE ({full.text}) AND id = ANY(%s)"
    held = {r[0] for r in conn.execute(sql, (*full.params, ids))}
    ranked.listed = [(i, x, i not in held) for i, x, _ in ranked.listed]


def page(
    conn: Any, cond: Sql, words: set[tuple[str, str]], req: SearchRequest, names: Names = ()
) -> Ranked:
    """The page asked for, made by the server in one statement: every match scored
    (or dated), folded into stories when collapsed (each story's first match, and how
    many matches it holds), and only the page's rows sent back, with the number of
    matches and of stories beside them."""
    want = None if req.limit == 0 else req.offset + req.limit
    scored, params, order = _scored(conn, cond, words, req.sort, names)
    limit, extra = ("", ()) if want is None else (" LIMIT %s", (want,))
    if req.collapse:
        sql = (
            f"WITH r AS ({scored}), f AS (SELECT DISTINCT ON (story) id, x, story, seq, "
            f"moment, count(*) OVER (PARTITION BY story) AS held FROM r "
            f"ORDER BY story, {order}) SELECT id, x, story, held, count(*) OVER (), "
            f"sum(held) OVER () FROM f ORDER BY {order}{limit}"
        )
    else:
        sql = (
            f"WITH r AS ({scored}) SELECT id, x, story, 1, count(*) OVER (), "
            f"count(*) OVER () FROM r ORDER BY {order}{limit}"
        )
    rows = conn.execute(sql, (*params, *extra)).fetchall()
    lines, total = (int(rows[0][4]), int(rows[0][5])) if rows else (0, 0)
    listed = [(i, _rounded(x), False) for i, x, *_ in rows]
    if not req.collapse:
        return Ranked(total, lines, listed, req.offset, want)
    held = Counter({story: int(n) for _, _, story, n, *_ in rows})
    return Ranked(total, lines, listed, req.offset, want, [r[2] for r in rows], held)


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _scored(
    conn: Any, cond: Sql, words: set[tuple[str, str]], sort: Sort, names: Names = ()
) -> tuple[str, tuple[object, ...], str]:
    """A statement of every match of `cond` (id, seq, story, moment and its score x),
    its parameters, and the order asked for (of those columns)."""
    if sort is not Sort.relevance:
        direction = "DESC" if sort is Sort.newest else "ASC"
        sql = f"SELECT id, seq, story, moment, NULL::float8 AS x FROM docs WHERE {cond.text}"
        return sql, cond.params, f"moment IS NULL, moment {direction}, seq"
    columns, score, first = _score(conn, words, names)
    # each article's tsvector read (and decompressed) once: `|| ''` makes a copy in
    # memory that every ts_rank then reads; OFFSET 0 keeps the steps apart
    sql = (
        f"SELECT id, seq, story, moment, {score} AS x FROM (SELECT id, seq, story, "
        f"moment{columns} FROM (SELECT id, seq, story, moment, tsv || ''::tsvector AS t "
        f"FROM docs WHERE {cond.text} OFFSET 0) d OFFSET 0) s"
    )
    return sql, (*first, *cond.params), "x DESC, seq"


def _ranked(
    conn: Any,
    cond: Sql,
    words: set[tuple[str, str]],
    n: int | None,
    sort: Sort,
    names: Names = (),
) -> list[tuple[str, float | None, int]]:
    """The first `n` matches (None: all) in the order asked for: id, score, story."""
    if n is not None and n <= 0:
        return []
    scored, params, order = _scored(conn, cond, words, sort, names)
    limit, extra = ("", ()) if n is None else (" LIMIT %s", (n,))
    sql = f"SELECT id, x, story FROM ({scored}) r ORDER BY {order}{limit}"
    return [(i, _rounded(x), story) for i, x, story in conn.execute(sql, (*params, *extra))]


def _score(
    conn: Any, words: set[tuple[str, str]], names: Names = ()
) -> tuple[str, str, tuple[object, ...]]:
    """The score of a match in SQL: the columns it reads of each article's tsvector `t`
    (", ..." after the others), the score made of them, and the columns' parameters.

    BM25 (k1 1.2), as the Whoosh engine's, over the title and body words looked for: each
    word's rarity (idf) over the whole archive times its frequency in the article (the
    title's and the body's added, TITLE_WEIGHT apart) saturated and normalised by the
    article's length. PostgreSQL keeps no frequency, so it is read back: ts_rank of one
    word alone, no normalisation, is (w_m + sum(w_j / j^2) - w_m / m^2) / (pi^2/6) over
    the word's positions j = 1.. in order (w_m the largest weight, at m: its tsrank.c).
    With the title's weight alone 1, that is H(ta) / (pi^2/6), H(n) = sum(1 / j^2, j =
    1..n), as the title's positions come first (documents.py); with the body's alone,
    (1 + H(ta + tb) - H(ta) - 1 / (ta + 1)^2) / (pi^2/6). H(n) = h gives n = 1 / (pi^2/6
    - h) - 1/2, exact to n in the hundreds. The length is the article's distinct words
    (length(tsv)), which grow slower than its words: hence B above Whoosh's 0.75.
    A name's spellings (`names`) are one word: their frequencies added, one idf, of the
    articles that hold any of them, so that a rare spelling (Kyev) does not outrank the
    name. (ts_rank and ts_rank_cd alone have no idf: a common word counted as much as a
    name, and TIME's MAP was 0.29.)"""
    spelled = {w: tuple(sorted(name)) for name in names for w in name}
    fields: dict[tuple[str, ...], set[str]] = {}  # a word, or a name's spellings: fields
    for field, word in words:
        if field in LABELS:
            fields.setdefault(spelled.get(word, (word,)), set()).add(field)
    if not fields:
        return "", "0::real", ()
    idf, length = _counted(conn, sorted(fields))
    columns, params, parts, k = [", length(t) AS n"], [], [], 0
    norm = f"{K1} * (1 - {B} + {B} * n / {length!r})"
    for unit in sorted(fields):
        tfs = []
        for word in unit:
            k += 1
            for name, weights in (("a", "{0,0,0,1}"), ("b", "{0,0,1,0}")):
                columns.append(f", ts_rank('{weights}'::float4[], t, %s::tsquery, 0) AS {name}{k}")
                params.append(quoted(word))
            tfs += [_tf(k, f) for f in sorted(fields[unit])]
        tf = " + ".join(tfs)
        parts.append(f"{idf[unit]!r} * ({tf}) * {K1 + 1} / ({tf} + {norm})")
    return "".join(columns), f"({' + '.join(parts)})", tuple(params)


def _tf(k: int, field: str) -> str:
    """The frequency of the k-th word in the title, or in the body, from its columns."""
    title = f"(CASE WHEN a{k} > 0 THEN round(1 / ({PI6} - {PI6} * a{k}) - 0.5) ELSE 0 END)"
    if field == "title":
        return f"{TITLE_WEIGHT} * {title}"
    return (
        f"(CASE WHEN b{k} > 0 THEN round(1 / ({PI6} - ({PI6} * b{k} - 1 + {PI6} * a{k} + "
        f"1 / ({title} + 1) ^ 2)) - 0.5) - {title} ELSE 0 END)"
    )


K1, B = 1.2, 0.9  # BM25's (B measured on TIME: 0.75 0.600, 0.9 0.611, 1.0 0.603)
TITLE_WEIGHT = 1.0  # the title weighs as the body, as on the Whoosh engine
PI6 = 1.6449340668482264  # pi^2 / 6


class _Counts:
    """What the scores need of the whole archive, counted once for each commit of each
    archive a process reads: its articles, their average distinct words (of the first 2,000 rows),
    and the articles that hold each word (or any of a name's spellings) asked so far."""

    commit: tuple[object, ...] = ()
    total = 0
    length = 1.0
    held: ClassVar[dict[tuple[str, ...], int]] = {}


def _counted(conn: Any, units: list[tuple[str, ...]]) -> tuple[dict[tuple[str, ...], float], float]:
    """Each unit's idf, as BM25's: ln(1 + (N - n + 0.5) / (n + 0.5)), n the articles that
    hold it in their title or body; and the average length. One statement for the words
    not counted yet."""
    from conflictcli.engine.postgres import schema

    c = _Counts
    commit = schema.commit_key(conn)
    if c.commit != commit:
        total, length = conn.execute(
            "SELECT (SELECT count(*) FROM docs), "
            "(SELECT avg(length(tsv)) FROM (SELECT tsv FROM docs LIMIT 2000) s)"
        ).fetchone()
        c.commit, c.held = commit, {}
        c.total, c.length = int(total), max(round(float(length or 1), 1), 1.0)
    todo = [u for u in units if u not in c.held]
    if todo:
        sql = (
            "SELECT (SELECT count(*) FROM docs WHERE tsv @@ q) FROM "
            "unnest(%s::tsquery[]) WITH ORDINALITY AS u(q, i) ORDER BY i"
        )
        asked = [" | ".join(map(quoted, u)) for u in todo]
        for u, (n,) in zip(todo, conn.execute(sql, (asked,)), strict=True):
            c.held[u] = int(n)
    idf = {u: math.log(1 + (c.total - c.held[u] + 0.5) / (c.held[u] + 0.5)) for u in units}
    return idf, c.length


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
