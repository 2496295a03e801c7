"""A query's text read into the query tree (tree.py): words, "phrases"~slop, field:value,
wildcards (* ?), fuzzy words (word~2/1), boosts (^2), [ranges TO them], date:>2024,
*:* for every article, brackets, and AND, OR and NOT (NOT binds first, then AND, then
OR; words side by side are all required, or any of them with --any).

The grammar is the one users of the archive have always typed (Whoosh's query
language, which the archive started with), read here step by step in the same order,
so that a query means what it meant: tests/test_query_tree.py holds every reading to
Whoosh's own parser. The text is first read by reading.py (which colons are fields,
which AND are operators); a word is then analysed as its field indexes words.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from conflictcli import analysis
from conflictcli.errors import QueryError
from conflictcli.query import tree as t
from conflictcli.query.request import read_days

# the fields of an article a query can name, and how each reads a value
SCHEMA_FIELDS = ("id", "title", "body", "source", "outlet", "date", "undated", "story", "key")
_QUOTED_DATE = re.compile(r'(date:[<>]?=?)"([^"]*)"', re.IGNORECASE)


@dataclass
class _Node:
    """One piece of the query's syntax, before it becomes part of the tree."""

    kind: str  # word, phrase, wild, prefix, fuzzy, range, every, field, boost, fuzziness,
    #            rel, op, ws, open, close, group
    text: str = ""
    original: str = ""
    field: str | None = None
    boost: float = 1.0
    slop: int = 1
    maxdist: int = 1
    prefix: int = 0
    end: str | None = None  # ranges: text is the start
    start_excluded: bool = False
    end_excluded: bool = False
    group: str = ""  # all, any, not (group nodes); AND, OR, NOT (operators)
    nodes: list[_Node] = dataclasses.field(default_factory=list)

    @property
    def texty(self) -> bool:  # a word of some kind: takes a field, a boost, joins wildcards
        return self.kind in ("word", "phrase", "wild", "prefix", "fuzzy")

    @property
    def takes_field(self) -> bool:
        return self.texty or self.kind == "range"

    @property
    def takes_boost(self) -> bool:
        return self.takes_field or self.kind == "group"


_QMARKS = "?\u055e\u061f\u1367"
_TAGS: list[tuple[str, re.Pattern[str]]] = [
    ("every", re.compile(r"[*]:[*]")),
    ("squote", re.compile(r"(^|(?<=\W))'(?P<text>.*?)'(?=\s|\]|[)}]|$)")),
    ("field", re.compile(r"(?P<text>\w+|[*]):")),
    ("wild", re.compile(f"(?P<text>[*{_QMARKS}])")),
    ("phrase", re.compile(r'"(?P<text>.*?)"(~(?P<slop>[1-9][0-9]*))?')),
    ("open", re.compile(r"[(]")),
    ("close", re.compile(r"[)]")),
    ("boost", re.compile(r"\^(?P<boost>[0-9]*(\.[0-9]+)?)($|(?=[ \t\r\n)]))")),
    ("fuzziness", re.compile(r"(?<=\S)~(?P<maxdist>[0-9])?(/(?P<prefix>[1-9][0-9]*))?")),
    ("rel", re.compile(r"(?P<rel>(<=|>=|<|>|=<|=>))")),
    ("NOT", re.compile(r"(^|(?<=(\s|[()])))NOT(?=\s)")),
    ("AND", re.compile(r"(?<=\s)AND(?=\s)")),
    ("OR", re.compile(r"(?<=\s)OR(?=\s)")),
    (
        "range",
        re.compile(
            r"(?P<open>\{|\[)(?P<start>('[^']*?'\s+)|([^\]}]+?(?=[Tt][Oo])))?[Tt][Oo]"
            r"(?P<end>(\s+'[^']*?')|([^\]}]+?))?(?P<close>}|])"
        ),
    ),
    ("ws", re.compile(r"\s+")),
]


def _tag(text: str) -> list[_Node]:
    """The text cut into syntax nodes; what no tag matches is a word."""
    out: list[_Node] = []
    pos = prev = 0
    while pos < len(text):
        for kind, expr in _TAGS:
            m = expr.match(text, pos)
            if m is not None and m.end() > pos:
                if prev < pos:
                    out.append(_Node("word", text[prev:pos], text[prev:pos]))
                out.append(_made(kind, m))
                prev = pos = m.end()
                break
        else:
            pos += 1
    if prev < len(text):
        out.append(_Node("word", text[prev:], text[prev:]))
    return out


def _made(kind: str, m: re.Match[str]) -> _Node:
    whole = m.group(0)
    if kind == "squote":
        return _Node("word", m.group("text"), whole)
    if kind == "phrase":
        return _Node("phrase", m.group("text"), whole, slop=int(m.group("slop") or 1))
    if kind == "boost":
        try:
            return _Node("boost", original=whole, boost=float(m.group("boost")))
        except ValueError:
            return _Node("word", whole, whole)
    if kind == "fuzziness":
        md, pf = m.group("maxdist"), m.group("prefix")
        return _Node("fuzziness", original=whole, maxdist=int(md) if md else 1, prefix=int(pf or 0))
    if kind == "range":
        start, end = m.group("start"), m.group("end")
        if start:
            start = start.rstrip()
            start = start[1:-1] if start.startswith("'") and start.endswith("'") else start
        if end:
            end = end.lstrip()
            end = end[1:-1] if end.startswith("'") and end.endswith("'") else end
        return _Node(  # an end written as '' (or a lone quote) is '', not an open end
            "range",
            start,
            whole,
            end=end,
            start_excluded=m.group("open") == "{",
            end_excluded=m.group("close") == "}",
        )
    if kind in ("field", "wild"):
        return _Node(kind, m.group("text"), whole)
    if kind == "rel":
        return _Node("rel", m.group("rel"), whole)
    if kind in ("NOT", "AND", "OR"):
        return _Node("op", whole, whole, group=kind)
    return _Node(kind, whole, whole)


def _word(n: _Node) -> _Node:
    return _Node("word", n.original, n.original)


# -- the steps, in the order the grammar has always applied them -------------------
def _groups(nodes: list[_Node], default: str) -> _Node:
    stack = [_Node("group", group=default)]
    for n in nodes:
        if n.kind == "open":
            stack.append(_Node("group", group=default))
        elif n.kind == "close":
            if len(stack) > 1:
                last = stack.pop()
                stack[-1].nodes.append(last)
        else:
            stack[-1].nodes.append(n)
    top = stack[0]
    for rest in stack[1:]:  # brackets never closed: their words join the top
        top.nodes.extend(rest.nodes)
    if len(top.nodes) == 1 and top.nodes[0].kind == "group":
        inner = top.nodes[0]
        inner.boost = top.boost
        return inner
    return top


def _each_group(fn: Callable[[list[_Node]], list[_Node]]) -> Callable[[_Node], None]:
    def walk(g: _Node) -> None:
        g.nodes = fn(g.nodes)
        for n in g.nodes:
            if n.kind == "group":
                walk(n)

    return walk


def _clean_boosts(nodes: list[_Node]) -> list[_Node]:
    return [
        _word(n) if n.kind == "boost" and (not i or not nodes[i - 1].takes_boost) else n
        for i, n in enumerate(nodes)
    ]


def _fuzzy(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    i = 0
    while i < len(nodes):
        n = nodes[i]
        if i < len(nodes) - 1 and n.kind == "word" and nodes[i + 1].kind == "fuzziness":
            f = nodes[i + 1]
            n = _Node("fuzzy", n.text, n.original, maxdist=f.maxdist, prefix=f.prefix)
            i += 1
        elif n.kind == "fuzziness":
            n = _word(n)
        out.append(n)
        i += 1
    return out


def _wildcards(nodes: list[_Node]) -> list[_Node]:
    i = 0
    while i < len(nodes):
        n = nodes[i]
        if n.kind == "wild":
            if i < len(nodes) - 1 and nodes[i + 1].texty:
                n.text += nodes.pop(i + 1).text
            if i > 0 and nodes[i - 1].texty:
                n.text = nodes.pop(i - 1).text + n.text
            else:
                i += 1
        else:
            i += 1
    for k, n in enumerate(nodes):
        plain = n.kind == "wild" and len(n.text) > 1 and not any(q in n.text for q in _QMARKS)
        if plain and n.text.find("*") == len(n.text) - 1:  # only a * at the end
            nodes[k] = _Node("prefix", n.text[:-1], n.original)
    return nodes


def _relations(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    i = 0
    while i < len(nodes):
        n = nodes[i]
        if n.kind == "rel":
            nxt = nodes[i + 1] if i < len(nodes) - 1 else None
            if nxt is not None and out and out[-1].kind == "field" and nxt.texty:
                out.append(_range_of(nxt, n.text))
                i += 1
        else:
            out.append(n)
        i += 1
    return out


def _range_of(n: _Node, rel: str) -> _Node:
    if rel in ("<", "<=", "=<"):
        return _Node("range", None, n.original, end=n.text, end_excluded=rel == "<")  # type: ignore[arg-type]
    return _Node("range", n.text, n.original, start_excluded=rel == ">")


def _fields(nodes: list[_Node]) -> list[_Node]:
    kept: list[_Node] = []
    unknown: _Node | None = None
    for n in nodes:
        if n.kind == "field" and n.text not in SCHEMA_FIELDS:
            unknown = n
            continue
        if unknown is not None:
            if n.texty:
                n.text = unknown.original + n.text
            else:
                kept.append(_word(unknown))
            unknown = None
        kept.append(n)
    if unknown is not None:
        kept.append(_word(unknown))
    out: list[_Node] = []
    i = len(kept)
    while i > 0:
        i -= 1
        n = kept[i]
        if n.kind == "field":
            n = _word(n)
        if i > 0 and n.kind != "ws" and kept[i - 1].kind == "field":
            _set_field(n, kept[i - 1].text)
            i -= 1
        out.append(n)
    out.reverse()
    return out


def _set_field(n: _Node, name: str) -> None:
    if n.takes_field and n.field is None:
        n.field = name
    for c in n.nodes:
        _set_field(c, name)


def _multifield(nodes: list[_Node]) -> list[_Node]:
    """A word with no field looks in the title and in the body."""
    out = []
    for n in nodes:
        if n.takes_field and n.field is None:
            copies = []
            for name in t.TEXT_FIELDS:
                c = _Node(**{**n.__dict__, "nodes": []})
                c.field, c.boost = name, 1.0
                copies.append(c)
            n = _Node("group", group="any", nodes=copies)
        out.append(n)
    return out


def _boosts(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for n in nodes:
        if n.kind == "boost":
            if out and out[-1].takes_boost:
                out[-1].boost = n.boost
                continue
            n = _word(n)
        out.append(n)
    return out


def _operators(g: _Node) -> None:
    nodes = g.nodes
    for op, kind in (("NOT", "not"), ("AND", "all"), ("OR", "any")):
        i = 0
        while i < len(nodes):
            n = nodes[i]
            if n.kind != "op" or n.group != op:
                i += 1
                continue
            if op == "NOT":
                del nodes[i]
                if i < len(nodes):
                    nodes[i] = _Node("group", group="not", nodes=[nodes[i]])
                i += 1
            elif 0 < i < len(nodes) - 1:
                left, right = nodes[i - 1], nodes[i + 1]
                if left.kind == "group" and left.group == kind:
                    left.nodes.append(right)
                    del nodes[i : i + 2]
                else:
                    nodes[i - 1 : i + 2] = [_Node("group", group=kind, nodes=[left, right])]
            else:
                del nodes[i]
    for n in nodes:
        if n.kind == "group":
            _operators(n)


# -- syntax nodes -> the tree ----------------------------------------------------------
@dataclass
class _Context:
    """What turning syntax into the tree needs to know: operators, date order, notes."""

    any_terms: bool
    dayfirst: bool
    notes: list[str]


def _part(n: _Node, cx: _Context) -> t.Part | None:
    if n.kind == "group":
        if n.group == "not":
            inner = _part(n.nodes[0], cx) if n.nodes else None
            if inner is None or (isinstance(inner, (t.All, t.Any)) and not inner.parts):
                return None
            return t.Not(inner)
        parts = tuple(p for c in n.nodes if (p := _part(c, cx)) is not None)
        return (t.All if n.group == "all" else t.Any)(parts, n.boost)
    if n.kind == "every":
        return t.Every()
    if n.kind == "op":  # an operator with nothing to stand between: nothing asked
        return None
    name = n.field or "body"
    if name == "date":
        return _dates(n, cx)
    if n.kind == "range":
        return t.Range(
            name,
            _one_text(name, n.text) if n.text is not None else None,
            _one_text(name, n.end) if n.end is not None else None,
            n.start_excluded,
            n.end_excluded,
            n.boost,
        )
    if n.kind == "phrase":
        return t.Phrase(name, _terms(name, n.text), n.slop, n.boost)
    if n.kind in ("wild", "prefix"):
        star = "*" if n.kind == "prefix" else ""
        return t.Pattern(name, _one_text(name, n.text) + star, n.boost)
    if n.kind == "fuzzy":
        return t.Fuzzy(name, _one_text(name, n.text), n.maxdist, n.prefix, n.boost)
    words = _terms(name, n.text)
    if not words:
        return None
    if len(words) == 1:
        return t.Term(name, words[0], n.boost)
    group = t.Any if cx.any_terms else t.All
    return group(tuple(t.Term(name, w, n.boost) for w in words))


def _dates(n: _Node, cx: _Context) -> t.Dates:
    import datetime as dt

    def days(text: str) -> tuple[dt.date, dt.date]:
        first, last, note = read_days(text, "date:", cx.dayfirst)
        if note and note not in cx.notes:
            cx.notes.append(note)
        return first, last

    if n.kind != "range":
        first, last = days(n.text)
        return t.Dates("date", first, last, n.boost)
    start = end = None
    if n.text:  # date:>2024-03 starts after March
        start = days(n.text)[1 if n.start_excluded else 0]
        start += dt.timedelta(days=1) if n.start_excluded else dt.timedelta()
    if n.end:  # date:<2024-03 ends before March
        end = days(n.end)[0 if n.end_excluded else 1]
        end -= dt.timedelta(days=1) if n.end_excluded else dt.timedelta()
    if start and end and start > end:
        raise QueryError(
            f"The range date:[{n.text} to {n.end}] ends ({end}) before it starts ({start}).",
            "Swap the two dates.",
        )
    return t.Dates("date", start, end, n.boost)


def _terms(name: str, text: str) -> tuple[str, ...]:
    """The words of `text` as field `name` indexes them."""
    if name in t.TEXT_FIELDS:
        return analysis.query_terms(text)
    if name == "source":
        return tuple(analysis.folded_words(text))
    return (text,)  # id and the other fields: the value whole, as typed


def _one_text(name: str, text: str) -> str:
    """A value read whole (a pattern, a fuzzy word, a range's end) as field `name`
    reads one word: lower case, folded, and in the text fields stemmed."""
    if name in t.TEXT_FIELDS:
        return analysis.one_term(text)
    if name == "source":
        return analysis.folded(text)
    return text


@dataclass(frozen=True)
class Parsed:
    """A query text read into its tree, with the notes on how dates were read."""

    tree: t.Part | None  # None: nothing to search for (only stop words, say)
    notes: tuple[str, ...]  # how dates were read


def quote_dates(text: str) -> str:
    """A date in double quotes is one value, not a phrase of words: date:'27 March 2024'."""
    return _QUOTED_DATE.sub(lambda m: f"{m.group(1)}'{m.group(2)}'", text)


def parse(text: str, any_terms: bool = False, dayfirst: bool = False) -> Parsed:
    """The tree of a query's text, as reading.py rewrote it (`Reading.text`)."""
    text = quote_dates(text)
    default = "any" if any_terms else "all"
    top = _groups(_tag(text), default)
    for step in (_clean_boosts, _fuzzy, _wildcards, _relations, _fields, _multifield):
        _each_group(step)(top)
    _each_group(lambda nodes: [n for n in nodes if n.kind != "ws"])(top)
    _each_group(_boosts)(top)
    _operators(top)
    cx = _Context(any_terms, dayfirst, [])
    return Parsed(t.normalise(_part(top, cx)), tuple(cx.notes))
