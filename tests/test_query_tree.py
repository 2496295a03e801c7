"""The query tree (query/tree.py, read by query/parse.py) means what a query has always
meant: held to Whoosh's own query parser, configured as the archive configured it
before it had a tree of its own, on written queries and on generated ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import qparser
from whoosh.fields import DATETIME
from whoosh.query import NullQuery, Query

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh)
from conflictcli.engine.explain import explained
from conflictcli.engine.whoosh.schema import _schema
from conflictcli.engine.whoosh.translate import day_range, whoosh_query
from conflictcli.errors import QueryError
from conflictcli.query import read_days, read_query
from conflictcli.query import tree as t
from conflictcli.query.parse import parse, quote_dates


class _DayField(DATETIME):
    """How the reference parser reads `date:` values (whole days, months or years)."""

    def __init__(self, dayfirst: bool, notes: list[str]) -> None:
        super().__init__(sortable=True)
        self.dayfirst, self.notes = dayfirst, notes

    def _days(self, text: str, fieldname: str) -> tuple[dt.date, dt.date]:
        first, last, note = read_days(text, f"{fieldname}:", self.dayfirst)
        if note and note not in self.notes:
            self.notes.append(note)
        return first, last

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> Query:
        first, last = self._days(qstring, fieldname)
        return day_range(fieldname, first, last, boost)

    def parse_range(
        self,
        fieldname: str,
        start: Any,
        end: Any,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> Query:
        first = last = None
        if start:
            first = self._days(start, fieldname)[1 if startexcl else 0]
            first += dt.timedelta(days=1) if startexcl else dt.timedelta()
        if end:
            last = self._days(end, fieldname)[0 if endexcl else 1]
            last -= dt.timedelta(days=1) if endexcl else dt.timedelta()
        if first and last and first > last:
            raise QueryError(f"The range {fieldname}:[{start} to {end}] ends before it starts.")
        return day_range(fieldname, first, last, boost)


def _whoosh(text: str, any_terms: bool, dayfirst: bool = False) -> tuple[Any, list[str]]:
    """The reference: Whoosh's MultifieldParser over title and body, with fuzzy terms,
    > and <, and AND, OR and NOT as the only operators."""
    notes: list[str] = []
    group = qparser.OrGroup if any_terms else qparser.AndGroup
    p = qparser.MultifieldParser(
        ["title", "body"], _schema(_DayField(dayfirst, notes)), group=group
    )
    p.add_plugin(qparser.FuzzyTermPlugin())
    p.add_plugin(qparser.GtLtPlugin())
    p.replace_plugin(qparser.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None))
    raw = p.parse(quote_dates(read_query(text).text), normalize=False)
    for node in [raw, *raw.leaves()]:
        if getattr(node, "error", None) is not None:
            raise node.error
    q = raw.normalize()
    return (None if q is NullQuery else q), notes


def _ours(text: str, any_terms: bool, dayfirst: bool = False) -> tuple[Any, list[str]]:
    parsed = parse(read_query(text).text, any_terms, dayfirst)
    return (None if parsed.tree is None else whoosh_query(parsed.tree)), list(parsed.notes)


def _fieldless(q: Any) -> bool:
    return (
        isinstance(q, tuple)
        and isinstance(q[0], Query)
        and any(
            getattr(leaf, "fieldname", "") is None and type(leaf).__name__ == "Term"
            for leaf in q[0].leaves()
        )
    )


def _same(text: str) -> None:
    for any_terms in (False, True):
        try:
            want: Any = _whoosh(text, any_terms)
        except IndexError:  # Whoosh's parser fails on a > or < with nothing before it
            continue
        except QueryError as e:
            want = ("error", e.message.split(" ")[0])
        if _fieldless(want):  # a stray ^2 in brackets: Whoosh made it a term of no field,
            continue  # which matches nothing; the tree leaves it out
        try:
            got: Any = _ours(text, any_terms)
        except QueryError as e:
            got = ("error", e.message.split(" ")[0])
        assert got == want, f"{text!r} (any: {any_terms})"


WRITTEN = [
    "Belgorod drones",
    'Kyiv^2 "drone strike"~3 ukr* kh?rkiv kiev~2/1',
    'title:kyiv body:"air defence" source:reuters id:0123456789abcdef',
    "date:2024 date:2024-03 kyiv",
    "date:[2024-01 TO 2024-03] strike",
    "date:>2024-03 drones",
    "date:<=2023 drones",
    'date:"March 2024" shelling',
    "kyiv AND kharkiv OR odesa",
    "kyiv OR kharkiv AND odesa",
    "NOT russia ukraine",
    "ukraine NOT russia",
    "(kyiv OR kharkiv) AND NOT drones",
    "(a b)^2 AND c",
    "T-72 U.S.-led a>b",
    "*:* kyiv",
    "title:* kyiv",
    "title:[a TO c] title:[b TO d]",
    "title:[a TO c] OR title:[b TO d]",
    "kyiv ^2",
    "kyiv~ x~/2",
    "Khan Younis",
    "Is Kyiv next?",
    "Kyiv: explosions",
    "10:30 meeting",
    "Su 34 Shahed 136",
    "ракетами обстріли",
    "Куп'янськ Слов’янськ Купʼянськ Мар‘їнка",
    "'Куп'янськ' Kharkiv's 'Мар'їнка'",
    "'kyiv region' attack",
    '"unclosed phrase',
    "((nested) groups) here",
    "kyiv)) stray",
    "AND kyiv",
    "kyiv OR",
    "؟ kyiv؟",
    "the",
]


@pytest.mark.parametrize("text", WRITTEN)
def test_written_queries_read_as_whoosh_read_them(text: str) -> None:
    _same(text)


ATOMS = [
    "kyiv", "Kharkiv", "drones", "the", "a", "AND", "OR", "NOT", "(", ")", '"air defence"',
    '"the war"~2', "ukr*", "kh?rkiv", "*", "kiev~", "kiev~2/1", "^2", "title:", "body:",
    "source:", "id:", "date:2024", "date:[2024 TO 2025]", "date:{2024-01 TO 2024-03}",
    "date:>2024", "date:<2024-06", "title:[a TO m]", "[x TO z]", "*:*", "T-72", "U.S.",
    "Su 34", "'quoted words'", "~", '"', "x:y", "10:30", "Київ", "обстрелы", "؟", ">",
    "<=", "^", "kyiv^3", "(a", "b)", "-", "café", "«Азов»", "Пётр", "Куп'янськ", "Мар’їнка",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(["", " ", "  "])), max_size=8))
def test_generated_queries_read_as_whoosh_read_them(parts: list[tuple[str, str]]) -> None:
    _same("".join(a + gap for a, gap in parts).strip())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab KyivДн\"'()*?~^:[]{}<>=TOANDRNOT-."), max_size=24))
def test_any_text_reads_as_whoosh_read_it(text: str) -> None:
    _same(text)


def test_dates_read_two_ways_are_said_back_as_before() -> None:
    for text in ("date:02/03/2024 shelling", "date:[01/02/2024 TO 03/04/2024]"):
        for dayfirst in (False, True):
            assert _ours(text, False, dayfirst) == _whoosh(text, False, dayfirst)


def test_the_tree_holds_words_as_indexed_and_no_engine_object() -> None:
    tree = parse('Drones "Air Defence" title:Kyiv').tree
    assert tree == t.All(
        (
            t.Any((t.Term("title", "drone"), t.Term("body", "drone"))),
            t.Any((t.Phrase("title", ("air", "defenc")), t.Phrase("body", ("air", "defenc")))),
            t.Term("title", "kyiv"),
        )
    )
    for leaf in t.leaves(tree):
        assert type(leaf).__module__ == "conflictcli.query.tree"


def test_explain_shows_a_word_in_two_fields_once() -> None:
    node = explained(parse("drones NOT russia").tree)
    assert node.op == "all"
    assert [(c.op, c.text, c.fields, c.role) for c in node.children] == [
        ("term", "drone", ["title", "body"], "required"),
        ("not", "", [], "excluded"),
    ]


def test_normalise_merges_what_means_the_same() -> None:
    a = t.Term("body", "kyiv")
    assert t.normalise(t.All((t.All((a,)), t.Any(()), a))) == a
    assert t.normalise(t.Any((a, t.Every()))) == t.Every()
    assert t.normalise(t.Phrase("body", ("kyiv",), boost=2.0)) == a  # as Whoosh does
    assert re.fullmatch(r"\w+", "kyiv")
