"""The PostgreSQL engine: the Engine protocol (engine/base.py) over the docs table of a
team archive's database (schema.py).

The query tree becomes a WHERE clause (translate.py); filters are more conditions;
counts are the server's count(*) of the whole condition; pages are ranked by
ts_rank_cd over the title (weight A) and body (B) words looked for, and made only for
the page asked for; places, countries and days are counted by the server under the
same condition (GROUP BY), with no walk of the matches in Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from conflictcli import names
from conflictcli.analysis import spans_of
from conflictcli.engine.asked import (
    filter_nodes,
    gazetteer_places,
    outlets_named,
    places_named,
)
from conflictcli.engine.base import needs_lexicon, understand
from conflictcli.engine.explain import explained, with_filters
from conflictcli.engine.postgres import schema
from conflictcli.engine.postgres.translate import (
    TRUE,
    Context,
    Sql,
    dates,
    known,
    text_terms,
    where,
)
from conflictcli.engine.postgres.writer import PostgresWriter
from conflictcli.engine.records import EngineResult, Explanation, Hit, Tally
from conflictcli.query import Reading, SearchRequest
from conflictcli.query import tree as t

MAX_PREFIX_WORDS = 5000  # words of the archive read for the forms of one Cyrillic word
STREAM_ROWS = 10_000  # rows a server-side cursor hands over at a time


@dataclass
class Parsed:
    where: Sql  # the tree's condition, without the filters
    tree: t.Part
    reading: Reading
    notes: list[str]
    words: set[tuple[str, str]]  # (field, term) the query looks for
    names: list[frozenset[str]]  # the spellings of each name it looks for

    @property
    def query(self) -> Sql:
        return self.where


def both(*parts: Sql) -> Sql:
    """Every one of these conditions."""
    kept = [p for p in parts if p is not TRUE]
    if not kept:
        return TRUE
    if len(kept) == 1:
        return kept[0]
    return Sql(" AND ".join(f"({p.text})" for p in kept), tuple(x for p in kept for x in p.params))


class PostgresEngine:
    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.names: names.Names | None = None
        self.replaced: str | None = None
        self.set_aside: Any = None

    @classmethod
    def open(cls, conn: Any, create: bool = False) -> PostgresEngine:
        if create or not schema.made(conn):
            schema.make(conn)
        # the planner reads a common word's matches by scanning every article's
        # tsvector (decompressed, about 10 us each), where the GIN index answers
        # which articles hold it without reading them (50 times faster when counting)
        # and no JIT: compiling a statement took seconds (the penalty above makes every
        # scan look costly), more than any statement here runs
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET jit = off")
        behind = replica_note(conn)
        if behind:
            import warnings

            from conflictcli.errors import Notice

            warnings.warn(Notice(behind), stacklevel=2)
        return cls(conn)

    def close(self) -> None:
        self._conn.close()

    def clear(self) -> None:
        """Every row gone (an index built again from the catalogue: reindex)."""
        with self._conn.transaction():
            self._conn.execute("TRUNCATE docs, words")
            schema.next_generation(self._conn)

    def size(self) -> int:
        """The bytes the engine's tables and their indexes take."""
        sql = (
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        )
        return int(self._conn.execute(sql).fetchone()[0])

    # -- the archive's questions ----------------------------------------------------
    def generation(self) -> int:
        return schema.generation(self._conn)

    def doc_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    @contextmanager
    def writer(self, checkpoints: bool = False) -> Iterator[PostgresWriter]:
        """A batch of changes, written at each checkpoint and at the end; cancelled on
        any error (what checkpoints committed stays)."""
        batch = PostgresWriter(self._conn)
        try:
            yield batch
        except BaseException:
            batch.finish(commit=False)
            raise
        batch.finish(commit=True)

    def inventory(self) -> dict[str, list[str | None]]:
        out: dict[str, list[str | None]] = {}
        for article_id, day in self._conn.execute("SELECT id, day FROM docs ORDER BY seq"):
            out.setdefault(article_id, []).append(day.isoformat() if day else None)
        return out

    # -- reading a query -------------------------------------------------------------
    def parse(
        self, text: str, any_terms: bool = False, dayfirst: bool = False, exact: bool = False
    ) -> Parsed:
        """The condition for what the user typed (engine.base.understand), and its tree."""

        def words_from(fieldname: str, prefix: str) -> list[str]:
            if fieldname not in ("title", "body"):
                return []
            return known(self._conn, fieldname, prefix, MAX_PREFIX_WORDS)

        lexicon = words_from if needs_lexicon(text, exact) else None
        u = understand(text, any_terms, dayfirst, exact, self.names, lexicon)
        cx = Context(self._conn, text)
        return Parsed(where(u.tree, cx), u.tree, u.reading, u.notes, cx.words, cx.names)

    def tree(self, req: SearchRequest) -> t.Part:
        return self.parse(req.text, False, req.dayfirst, req.exact).tree

    def mark(self, text: str, query_text: str) -> list[tuple[int, int]]:
        parsed = self.parse(query_text, any_terms=True)
        return spans_of(text, text_terms(parsed.words)[1])

    def words(self, fieldname: str, prefix: str, most: int) -> list[str]:
        """Up to `most` words of a text field that start with `prefix`: the words table (by
        its key, a range of it), which keeps the words of articles since removed too."""
        if fieldname not in ("title", "body"):
            return []
        return known(self._conn, fieldname, prefix, most)

    def frequencies(self, fieldname: str, words: list[str]) -> dict[str, int]:
        """None counted: the words table holds no counts, and a count of each word over
        the documents' tsvectors is a search each (the near words are then taken in the
        order words() gave them)."""
        return {}

    def _filters(self, req: SearchRequest, place_ids: list[str]) -> Sql:
        made = []
        if req.since or req.until:
            made.append(dates(req.since, req.until))
        if req.sources:
            outlets = outlets_named(known(self._conn, "outlet", ""), req.sources)
            made.append(Sql("outlet = ANY(%s)", (outlets,)))
        if place_ids:
            made.append(Sql("places && %s::text[]", (place_ids,)))
        if req.langs:
            made.append(Sql("lang = ANY(%s)", (list(req.langs),)))
        if req.countries:
            made.append(Sql("countries && %s::text[]", (list(req.countries),)))
        return both(*made)

    def request(
        self, req: SearchRequest, any_terms: bool | None = None
    ) -> tuple[Sql, Parsed | None, list[str]]:
        """The whole condition of a request (its words and its filters), what it was
        read from (None: no words, every article), and the notes."""
        asked = places_named(req, self.names)
        place_ids, notes = asked.ids, list(asked.notes)
        parsed = None
        words = TRUE
        if req.text.strip():
            terms = req.any_terms if any_terms is None else any_terms
            parsed = self.parse(req.text, terms, req.dayfirst, req.exact)
            words = parsed.where
            notes = parsed.notes + notes
        return both(words, self._filters(req, place_ids)), parsed, notes

    def _count(self, cond: Sql) -> int:
        sql = f"SELECT count(*) FROM docs WHERE {cond.text}"
        return int(self._conn.execute(sql, cond.params).fetchone()[0])

    # -- answers ---------------------------------------------------------------------
    def count(self, req: SearchRequest) -> int:
        return self._count(self.request(req)[0])

    def matching(self, req: SearchRequest) -> tuple[list[str], list[str]]:
        cond, _, notes = self.request(req)
        sql = f"SELECT id FROM docs WHERE {cond.text} ORDER BY seq"
        return self._streamed(sql, cond.params), notes

    def _streamed(self, sql: str, params: Any) -> list[str]:
        """The first column of a long list, read through a server-side cursor a batch at
        a time (never the whole result held twice, in libpq and here)."""
        import psycopg

        try:
            with self._conn.transaction():
                cur = self._conn.cursor(name="conflict_list")
                cur.itersize = STREAM_ROWS
                cur.execute(sql, params)
                return [r[0] for r in cur]
        except psycopg.Error as e:
            from conflictcli.engine.postgres.connect import database_error

            raise database_error(e, getattr(self._conn, "_location", ""), "reading") from e

    def _grouped(self, cond: Sql, column: str) -> dict[str, int]:
        sql = f"SELECT v, count(*) FROM docs, unnest({column}) v WHERE {cond.text} GROUP BY v"
        return {v: int(n) for v, n in self._conn.execute(sql, cond.params)}

    def places(self, req: SearchRequest) -> tuple[int, list[tuple[names.Name, int]], list[str]]:
        cond, _, notes = self.request(req)
        counts = self._grouped(cond, "places")
        named = gazetteer_places(counts)
        return self._count(cond), [(n, counts[n.id]) for n in named], notes

    def countries(self, req: SearchRequest) -> tuple[int, dict[str, int], list[str]]:
        cond, _, notes = self.request(req)
        return self._count(cond), self._grouped(cond, "countries"), notes

    def tally(self, req: SearchRequest, kinds: tuple[str, ...]) -> Tally | None:
        return None  # each kind counted on its own (counting.py)

    def days(self, req: SearchRequest) -> tuple[int, dict[dt.date, int], list[str]]:
        cond, _, notes = self.request(req)
        sql = f"SELECT day, count(*) FROM docs WHERE {cond.text} GROUP BY day"
        per: dict[dt.date, int] = {}
        total = 0
        for day, n in self._conn.execute(sql, cond.params):
            total += int(n)
            if day is not None:
                per[day] = int(n)
        return total, per, notes

    def explain(self, req: SearchRequest) -> Explanation:
        cond, parsed, notes = self.request(req)
        assert parsed is not None
        filters = filter_nodes(req, places_named(req, self.names))
        tree = with_filters(explained(parsed.tree), filters)
        return Explanation(tree, parsed.reading, self._count(cond), notes)

    def similar(self, text: str, leave_out: set[str], limit: int) -> EngineResult:
        from conflictcli.engine.postgres.ranking import similar

        return similar(self._conn, text, leave_out, limit)

    def search(self, req: SearchRequest) -> EngineResult:
        from conflictcli.engine.postgres.ranking import fill, mark_partial, page

        cond, parsed, notes = self.request(req)
        assert parsed is not None
        ranked = page(self._conn, cond, parsed.words, req, parsed.names)
        words, names = parsed.words, parsed.names
        if req.partial and not req.any_terms and ranked.short(req):
            some, some_parsed, _ = self.request(req, any_terms=True)
            if some_parsed is not None and some_parsed.tree != parsed.tree:
                more = Sql(f"({some.text}) AND NOT ({cond.text})", some.params + cond.params)
                words = parsed.words | some_parsed.words
                fill(ranked, self._conn, more, words, req, names + some_parsed.names)
        if req.partial and req.any_terms:
            full, full_parsed, _ = self.request(req, any_terms=False)
            if full_parsed is not None and full_parsed.tree != parsed.tree:
                mark_partial(ranked, self._conn, full)
        body_words, all_words = text_terms(words)
        hits = [
            Hit(i, x, partial, body_words=body_words, words=all_words)
            for i, x, partial in ranked.entries
        ]
        for hit, others in zip(hits, ranked.others, strict=False):
            hit.similar = others
        return EngineResult(total=ranked.total, hits=hits, notes=notes)


LAG_NOTED_S = 10  # a replica further behind its primary than this says so


def replica_note(conn: Any) -> str | None:
    """On a streaming replica: how far behind its primary it is, when that is more than
    LAG_NOTED_S seconds (the time since the last change it replayed, while changes it
    has received wait to be replayed), or that it is not connected to its primary."""
    row = conn.execute(
        "SELECT pg_is_in_recovery(), "
        "pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn(), "
        "extract(epoch FROM now() - pg_last_xact_replay_timestamp()), "
        "pg_last_xact_replay_timestamp(), "
        "(SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming')"
    ).fetchone()
    standby, waiting, lag, last, streaming = row
    if not standby:
        return None
    when = last.isoformat(timespec="seconds") if last is not None else "unknown"
    if not streaming:
        return (
            "This is a replica that is not receiving from its primary: it holds the archive "
            f"as of {when}."
        )
    if waiting and lag is not None and float(lag) > LAG_NOTED_S:
        return (
            f"This replica is {float(lag):.0f} s behind its primary (it has changes up to {when})."
        )
    return None
