"""The query tree: what the user asked for, in words as the index holds them (analysis.py),
with no engine in it. parse.py reads a query's text into it; names.py and within.py
read and rewrite it; each engine translates it into its own query (never the user's
string); explain.py shows it.

Leaves look in one field each: a word typed without a field is an `Any` of the same
leaf in the title and in the body, which an engine may weigh apart. `normalise` gives
one form to trees that mean the same (nested groups flattened, parts that ask nothing
dropped, repeated parts once), so that two readings of a query compare equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

TEXT_FIELDS = ("title", "body")  # the words of an article: where a plain word looks


@dataclass(frozen=True)
class Term:
    """One word of one field, as indexed."""

    field: str
    text: str  # as indexed: lower case, accents folded, stemmed in the text fields
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words of one field standing together, in order."""

    field: str
    words: tuple[str, ...]
    slop: int = 1  # how far apart the words may stand (1: side by side, in order)
    boost: float = 1.0


@dataclass(frozen=True)
class Pattern:
    """A word with wildcards: * any letters, ? one letter (`ukrain*`, `kh?rkiv`)."""

    field: str
    text: str
    boost: float = 1.0

    @property
    def prefix(self) -> bool:
        """Only one * at the end: the words that start with the rest."""
        return "?" not in self.text and self.text.find("*") == len(self.text) - 1


@dataclass(frozen=True)
class Fuzzy:
    """The words within `maxdist` edits of `text` that share its first `prefix` letters."""

    field: str
    text: str
    maxdist: int = 1
    prefix: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class Dates:
    """The articles dated from `first` to `last`, inclusive (None: open)."""

    field: str
    first: dt.date | None
    last: dt.date | None
    boost: float = 1.0


@dataclass(frozen=True)
class Range:
    """The words of a field from `start` to `end` in sort order (`title:[a TO c]`)."""

    field: str
    start: str | None
    end: str | None
    start_excluded: bool = False
    end_excluded: bool = False
    boost: float = 1.0


@dataclass(frozen=True)
class Every:
    """Every article (`*:*`), or every article with a value in `field`."""

    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class All:
    """Every part matches (AND)."""

    parts: tuple[Part, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Any:
    """At least one part matches (OR)."""

    parts: tuple[Part, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """The part does not match (used within All)."""

    part: Part
    boost: float = 1.0


@dataclass(frozen=True)
class Spellings:
    """Every spelling of one name (names.py), or every form of one word that the index
    holds: any of them, scored as one word. `name` says what they are of."""

    parts: tuple[Part, ...]
    name: str = ""
    boost: float = 1.0


Leaf = Term | Phrase | Pattern | Fuzzy | Dates | Range | Every
Group = All | Any | Not | Spellings
Part = Leaf | Group
GROUPS = (All, Any, Not, Spellings)


def children(q: Part) -> tuple[Part, ...]:
    if isinstance(q, Not):
        return (q.part,)
    if isinstance(q, (All, Any, Spellings)):
        return q.parts
    return ()


def leaves(q: Part) -> Iterator[Leaf]:
    if isinstance(q, GROUPS):
        for c in children(q):
            yield from leaves(c)
    else:
        yield q


def rewrite(q: Part, fn: Callable[[Leaf], Part], keep: type | None = None) -> Part:
    """`q` with `fn` applied to each leaf outside the parts of type `keep`."""
    if keep is not None and isinstance(q, keep):
        return q
    if isinstance(q, Not):
        return replace(q, part=rewrite(q.part, fn, keep))
    if isinstance(q, (All, Any, Spellings)):
        return replace(q, parts=tuple(rewrite(c, fn, keep) for c in q.parts))
    return fn(q)


@dataclass(frozen=True)
class Word:
    """A part of a conjunction that is one word of the text fields: `kyiv` (in the title
    and the body), `title:kyiv`, or a word of `Kryvyi-Rih` (the All of its words)."""

    fields: tuple[str, ...]
    text: str
    boost: float


def word(q: Part) -> Word | None:
    """The word `q` is, or None."""
    if isinstance(q, Term) and q.field in TEXT_FIELDS:
        return Word((q.field,), q.text, q.boost)
    if not isinstance(q, Any) or not q.parts:
        return None
    terms = [p for p in q.parts if isinstance(p, Term) and p.field in TEXT_FIELDS]
    fields = tuple(p.field for p in terms)
    if (
        len(terms) == len(q.parts)
        and len({p.text for p in terms}) == 1
        and len(set(fields)) == len(fields)
        and all(p.boost == 1.0 for p in terms)
    ):  # the word in each field, as parse.py makes a word typed without one
        return Word(fields, terms[0].text, q.boost)
    return None


def word_runs(q: All) -> dict[int, list[Word]]:
    """Each part of `q` that starts a run of two or more words side by side, of the same
    fields and boost, with the words from it to the run's end."""
    runs: list[tuple[int, list[Word]]] = []
    for n, part in enumerate(q.parts):
        w = word(part)
        if w is None:
            continue
        start, words = runs[-1] if runs else (-1, [])
        if start + len(words) == n and (words[0].fields, words[0].boost) == (w.fields, w.boost):
            words.append(w)
        else:
            runs.append((n, [w]))
    return {n + k: words[k:] for n, words in runs for k in range(len(words) - 1)}


def conjunctions(q: Part) -> Iterator[All]:
    """Every All in `q`, outermost first."""
    if isinstance(q, All):
        yield q
    for c in children(q):
        yield from conjunctions(c)


def boosted(q: Part, boost: float) -> Part:
    return replace(q, boost=boost)


def normalise(q: Part | None) -> Part | None:
    """One form for trees that mean the same; None for a tree that asks for nothing
    (only stop words, say)."""
    if q is None:
        return None
    if isinstance(q, Not):
        inner = normalise(q.part)
        return None if inner is None else Not(inner, q.boost)
    if isinstance(q, Phrase):
        if not q.words:
            return None
        if len(q.words) == 1:  # a phrase of one word is the word
            return Term(q.field, q.words[0])
        return q
    if isinstance(q, Pattern):
        if q.text == "*":
            return Every(q.field, q.boost)
        if "*" not in q.text and "?" not in q.text:
            return Term(q.field, q.text, q.boost)
        return q
    if isinstance(q, Range):
        if q.start in ("", None) and q.end in ("\uffff", None):
            return Every(q.field, q.boost)
        if q.start == q.end:
            return (
                None
                if q.start_excluded or q.end_excluded
                else Term(q.field, q.start or "", q.boost)
            )
        return q
    if isinstance(q, (All, Any)):
        return _normalise_group(q)
    return q


def _normalise_group(q: All | Any) -> Part | None:
    parts: list[Part] = []
    for c in q.parts:
        n = normalise(c)
        if isinstance(n, type(q)):  # nested: its parts join this group, boosts multiplied
            parts += [boosted(p, p.boost * n.boost) for p in n.parts]
        elif n is not None:
            parts.append(n)
    if not parts:
        return None
    if any(isinstance(p, Every) and p.field is None for p in parts):
        return Every()
    parts = _merge_ranges(parts, intersect=isinstance(q, All))
    every = {p.field for p in parts if isinstance(p, Every)}
    out: list[Part] = []
    for p in parts:
        if not isinstance(p, Every) and _field(p) in every:
            continue  # every article with a value there is asked for already
        if isinstance(p, Every) and any(isinstance(o, Every) and o.field == p.field for o in out):
            continue  # the same articles again, whatever its boost (the first one's stays)
        if p not in out:
            out.append(p)
    if len(out) == 1:
        only = out[0]
        return only if q.boost == 1.0 and only.boost == 1.0 else boosted(only, only.boost * q.boost)
    return type(q)(tuple(out), q.boost)


def _field(q: Part) -> str | None:
    return getattr(q, "field", None) if not isinstance(q, GROUPS) else None


def _merge_ranges(parts: list[Part], intersect: bool) -> list[Part]:
    """Word ranges of one field that overlap, as one (as the grammar always merged them:
    where one holds the other, the larger stands, in an All as in an Any)."""
    out = list(parts)
    i = 0
    while i < len(out):
        a = out[i]
        if isinstance(a, Range):
            j = i + 1
            while j < len(out):
                b = out[j]
                if isinstance(b, Range) and b.field == a.field and _overlap(a, b):
                    out.pop(j)
                    a = _merged(a, b, intersect)
                else:
                    j += 1
            out[i] = normalise(a)  # type: ignore[assignment]
        i += 1
    return [p for p in out if p is not None]


_Bound = tuple[tuple[int, str], int]


def _start(r: Range) -> _Bound:
    return ((0, "") if r.start is None else (1, r.start)), (1 if r.start_excluded else 0)


def _end(r: Range) -> _Bound:
    return ((2, "") if r.end is None else (1, r.end)), (-1 if r.end_excluded else 0)


def _overlap(a: Range, b: Range) -> bool:
    s1, s2, e1, e2 = _start(a), _start(b), _end(a), _end(b)
    return s2 <= s1 <= e2 or s2 <= e1 <= e2 or s1 <= s2 <= e1 or s1 <= e2 <= e1


def _merged(a: Range, b: Range, intersect: bool) -> Range:
    s1, s2, e1, e2 = _start(a), _start(b), _end(a), _end(b)
    if s1 >= s2 and e1 <= e2:
        start, end = s2, e2
    elif s2 >= s1 and e2 <= e1:
        start, end = s1, e1
    elif intersect:
        start, end = max(s1, s2), min(e1, e2)
    else:
        start, end = min(s1, s2), max(e1, e2)
    return Range(
        a.field,
        None if start[0][0] == 0 else start[0][1],
        None if end[0][0] == 2 else end[0][1],
        start[1] == 1,
        end[1] == -1,
        a.boost,
    )
