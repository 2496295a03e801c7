"""The query tree (query/tree.py) as a WHERE clause over the docs table, built part by
part: the SQL's shape comes from the tree's kinds of parts alone, and every word, name
and date goes in as a parameter, never as SQL. The words of the title and body become
one tsquery where they can (terms, phrases with <-> and <N>, !, &, |), whose terms are
quoted (documents.quoted) so that nothing a user typed is read as tsquery syntax either.

Wildcards, fuzzy words and ranges are expanded against the archive's words (the words
table), so that they stand for the same words as on the Whoosh engine, with the same
limit (MAX_EXPANSION)."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from conflictcli.engine.postgres.documents import MAX_TERM_BYTES, quoted
from conflictcli.engine.terms import within
from conflictcli.errors import QueryError
from conflictcli.query import tree as t

MAX_EXPANSION = 1_000  # words of the archive a wildcard or fuzzy word may stand for
MAX_PHRASE_FORMS = 4_096  # in-order spacings of a sloppy phrase spelled out, at most
WEIGHTS = {"title": "A", "body": "B"}  # the text fields, as weights of the tsvector
# the other fields that hold words: each as a predicate on its column
_COLUMN = {
    "outlet": "outlet = ANY(%s)",
    "lang": "lang = ANY(%s)",
    "id": "id = ANY(%s)",
    "place": "places && %s::text[]",
    "country": "countries && %s::text[]",
}


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and its parameters, in order."""

    text: str
    params: tuple[Any, ...] = ()


TRUE, FALSE = Sql("TRUE"), Sql("FALSE")


@dataclass
class Context:
    """What translating a tree needs of the archive (its words), and what it found."""

    conn: Any
    text: str  # the query as typed, for messages
    words: set[tuple[str, str]] = field(default_factory=set)  # (field, term) looked for
    names: list[frozenset[str]] = field(default_factory=list)  # a name's spellings, each


def where(q: t.Part, cx: Context, positive: bool = True) -> Sql:
    """The condition on a docs row that means what the tree `q` means."""
    ts = _ts(q, cx, positive)
    if ts is not None:
        return Sql("tsv @@ %s::tsquery", (ts,))
    if isinstance(q, t.Not):
        inner = where(q.part, cx, not positive)
        return Sql(f"NOT ({inner.text})", inner.params)
    if isinstance(q, (t.All, t.Any, t.Spellings)):
        parts = [where(p, cx, positive) for p in q.parts]
        if not parts:
            return FALSE
        joiner = " AND " if isinstance(q, t.All) else " OR "
        return Sql(
            "(" + joiner.join(f"({p.text})" for p in parts) + ")",
            tuple(x for p in parts for x in p.params),
        )
    if isinstance(q, t.Every):
        return TRUE
    if isinstance(q, t.Dates):
        return dates(q.first, q.last)
    return _leaf(q, cx, positive)


def _ts(q: t.Part, cx: Context, positive: bool) -> str | None:
    """The tsquery (over the title and body) that means `q`, or None where `q` holds
    anything else."""
    if isinstance(q, t.Not):
        inner = _ts(q.part, cx, not positive)
        return None if inner is None else f"!({inner})"
    if isinstance(q, (t.All, t.Any, t.Spellings)):
        if isinstance(q, t.Spellings) and positive:  # ranked as one word (ranking.py)
            cx.names.append(frozenset(p.text for p in q.parts if isinstance(p, t.Term)))
        parts = [_ts(p, cx, positive) for p in q.parts]
        if not parts or any(p is None for p in parts):
            return None
        joiner = " & " if isinstance(q, t.All) else " | "
        return "(" + joiner.join(f"({p})" for p in parts) + ")"
    if not isinstance(q, t.Leaf) or isinstance(q, t.Dates) or q.field not in WEIGHTS:
        return None
    weight = WEIGHTS[q.field]
    if _too_long(q):  # no such word is kept (documents.MAX_TERM_BYTES): matches nothing
        return None
    if isinstance(q, t.Term):
        if positive:
            cx.words.add((q.field, q.text))
        return f"{quoted(q.text)}:{weight}"
    if isinstance(q, t.Phrase):
        if positive:
            cx.words.update((q.field, w) for w in q.words)
        return phrase(cx, q.words, q.slop, weight)
    words = _expanded(cx, q.field, q)
    if not words:
        return None  # matches nothing: FALSE, in SQL
    if positive:
        cx.words.update((q.field, w) for w in words)
    return "(" + " | ".join(f"{quoted(w)}:{weight}" for w in words) + ")"


def _too_long(q: t.Leaf) -> bool:
    words = q.words if isinstance(q, t.Phrase) else (getattr(q, "text", "") or "",)
    return any(len(w.encode()) > MAX_TERM_BYTES for w in words)


def phrase(cx: Context, words: tuple[str, ...], slop: int, weight: str = "") -> str:
    """The words in this order, each 1 to `slop` positions after the one before (as the
    Whoosh engine's phrases): each in-order spacing spelled out with <N>."""
    marked = [f"{quoted(w)}{':' + weight if weight else ''}" for w in words]
    if len(marked) == 1:
        return marked[0]
    if slop <= 1:
        return "(" + " <-> ".join(marked) + ")"
    if slop ** (len(words) - 1) > MAX_PHRASE_FORMS:
        raise QueryError(
            f"The phrase in the query {cx.text!r} lets its words stand too far apart "
            f"to be searched on this engine (more than {MAX_PHRASE_FORMS:,} ways).",
            "Give a smaller ~N after the phrase, or fewer words in it.",
        )
    forms: list[str] = [marked[0]]
    for w in marked[1:]:
        forms = [f"{f} <{gap}> {w}" for f in forms for gap in range(1, slop + 1)]
    return "(" + " | ".join(f"({f})" for f in forms) + ")"


def _leaf(q: t.Part, cx: Context, positive: bool) -> Sql:
    """A part that is not the title's or body's words: the source's words, the other
    columns (outlet, lang, id, place, country), or a text field's words that expand to
    none (FALSE)."""
    if not isinstance(q, t.Leaf) or isinstance(q, t.Dates):
        return FALSE
    name = q.field
    if _too_long(q):
        return FALSE
    if name == "source":
        ts = _source(q, cx)
        return FALSE if ts is None else Sql("src @@ %s::tsquery", (ts,))
    if name not in _COLUMN:  # story, key, undated, date as words: hold nothing
        return FALSE
    if isinstance(q, t.Term):
        values = [q.text]
    elif isinstance(q, t.Phrase):
        values = [" ".join(q.words)]
    else:
        values = _expanded(cx, name, q)
    if not values:
        return FALSE
    if positive:
        cx.words.update((name, v) for v in values)
    return Sql(_COLUMN[name], (values,))


def _source(q: t.Leaf, cx: Context) -> str | None:
    if isinstance(q, t.Term):
        return quoted(q.text)
    if isinstance(q, t.Phrase):
        return phrase(cx, q.words, q.slop)
    words = _expanded(cx, "source", q)
    return "(" + " | ".join(quoted(w) for w in words) + ")" if words else None


def _expanded(cx: Context, name: str, q: t.Leaf) -> list[str]:
    """The archive's words of `name` that a wildcard, fuzzy word or range stands for."""
    if isinstance(q, t.Pattern):
        start = re.split(r"[*?]", q.text, maxsplit=1)[0]
        match = re.compile(fnmatch.translate(q.text)).match
        words = [w for w in known(cx.conn, name, start) if match(w)]
    elif isinstance(q, t.Fuzzy):
        start = q.text[: q.prefix]
        words = [w for w in known(cx.conn, name, start) if within(q.text, w, q.maxdist)]
    elif isinstance(q, t.Range):
        words = [w for w in known(cx.conn, name, "") if _in_range(w, q)]
    else:
        return []
    if len(words) > MAX_EXPANSION:
        shown = f"{q.text}~" if isinstance(q, t.Fuzzy) else getattr(q, "text", name)
        raise QueryError(
            f"{shown!r} in the query {cx.text!r} matches more than "
            f"{MAX_EXPANSION:,} different words in the archive.",
            "Give more letters before a * or ?, or search for the words themselves.",
        )
    return words


def _in_range(w: str, q: t.Range) -> bool:
    if q.start is not None and (w < q.start or (q.start_excluded and w == q.start)):
        return False
    return not (q.end is not None and (w > q.end or (q.end_excluded and w == q.end)))


def _like(start: str) -> str:
    return start.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def known(conn: Any, name: str, start: str, limit: int | None = None) -> list[str]:
    """The archive's words (or values) of the field `name` that start with `start`."""
    tail = " LIMIT %s" if limit is not None else ""
    extra: tuple[Any, ...] = (limit,) if limit is not None else ()
    if name in ("title", "body", "source"):
        sql = "SELECT term FROM words WHERE field = %s AND term LIKE %s ORDER BY term" + tail
        return [r[0] for r in conn.execute(sql, (name, _like(start), *extra))]
    column = {"outlet": "outlet", "lang": "lang", "id": "id"}.get(name)
    if column is not None:
        sql = f"SELECT DISTINCT {column} FROM docs WHERE {column} LIKE %s ORDER BY 1" + tail
        return [r[0] for r in conn.execute(sql, (_like(start), *extra))]
    column = {"place": "places", "country": "countries"}.get(name)
    if column is None:
        return []
    sql = f"SELECT DISTINCT v FROM docs, unnest({column}) v WHERE v LIKE %s ORDER BY 1" + tail
    return [r[0] for r in conn.execute(sql, (_like(start), *extra))]


def dates(first: dt.date | None, last: dt.date | None) -> Sql:
    """The articles dated from `first` to `last` (whole days; a moment as it is)."""
    if first is None and last is None:
        return Sql("moment IS NOT NULL")
    parts, params = [], []
    if first is not None:
        parts.append("moment >= %s")
        params.append(_moment(first, dt.time.min))
    if last is not None:
        parts.append("moment <= %s")
        params.append(_moment(last, dt.time.max))
    return Sql(" AND ".join(parts), tuple(params))


def _moment(day: dt.date, clock: dt.time) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day.replace(tzinfo=None)
    return dt.datetime.combine(day, clock)


def text_terms(words: set[tuple[str, str]]) -> tuple[frozenset[str], frozenset[str]]:
    """Of the (field, term) pairs looked for: the body's terms, and the title's and body's."""
    return (
        frozenset(w for f, w in words if f == "body"),
        frozenset(w for f, w in words if f in WEIGHTS),
    )
