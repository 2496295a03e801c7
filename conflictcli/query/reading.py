"""The query text read as a person wrote it, or as text they pasted: which colons
name fields, which AND, OR and NOT are operators, what a trailing ? is."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from conflictcli.errors import QueryError

FIELDS = ("title", "body", "source", "date", "id")
OPERATORS = ("AND", "OR", "NOT")
SENTENCE_WORDS = 6  # an operator word among this many plain words reads as prose


# -- the query text ---------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """How the query text was read: the text handed to the engine, whether its AND, OR
    and NOT are operators, and what the user is told about it."""

    text: str
    operators: bool  # the operator words below are operators (False: they are words)
    notes: tuple[str, ...] = ()
    operator_words: tuple[str, ...] = ()  # AND, OR, NOT as they appear in the query


@dataclass
class _Item:
    """A word, phrase, range or bracket of the query text, where it stands."""

    kind: str  # word, phrase, range, open, close
    text: str
    start: int
    end: int
    group: int = 0  # which bracket group the item stands in
    out: str | None = None  # rewritten text, when it changes

    @property
    def op(self) -> bool:
        return self.kind == "word" and self.text in OPERATORS

    @property
    def term(self) -> bool:
        return self.kind in ("word", "phrase", "range") and not self.op

    @property
    def plain(self) -> bool:
        """A bare word, as in running text: no field, wildcard, fuzziness or quotes."""
        return self.term and self.kind == "word" and _PLAIN.match(self.text) is not None


_FIELD = r"(?:[\w*]+:[<>]?=?)"
_ITEMS = re.compile(
    rf"""(?P<open>\() | (?P<close>\))
    | (?P<phrase>{_FIELD}?"[^"]*"?)
    | (?P<squote>{_FIELD}?'[^']*'(?=[\s)\]}}]|$))
    | (?P<range>{_FIELD}?[\[{{][^\]}}]*[\]}}]?)
    | (?P<word>[^\s()"]+)""",
    re.VERBOSE,
)
_PLAIN = re.compile(r"^[\w'’‘`´.,;!\-–]+$")  # any apostrophe (Куп’янськ, Russia's)
_NAME_COLON = re.compile(r"(?<!\w)(\w+):")  # from a word's start: linear on long words
_TRAILING_QUESTION = re.compile(r"(?<=\w\w)\?+$")


MAX_QUERY_CHARS = 5_000  # longer is not a query (reading one takes time that grows as its square)


def read_query(text: str) -> Reading:
    """Read a query as a person wrote it, or as text they pasted.

    - `word:` is a field only when the word names one (title, body, source, date,
      id) and a value follows; otherwise the colon is punctuation (`Kyiv: explosions`).
    - AND, OR and NOT (upper case) are operators where each stands between terms, unless
      the query reads as a sentence: an operator with no term on one side, an operator
      among SENTENCE_WORDS or more plain words of its bracket group, or a whole query
      in upper case with words side by side. Then they are words.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(text):,} characters long, more than the {MAX_QUERY_CHARS:,} "
            f"a query may hold (it starts {text[:40]!r}).",
            "Search for its key words or a sentence of it; many queries go in with --from-file.",
        )
    items = _scan(text)
    notes = _read_colons(items, text)
    notes += _read_questions(items)
    why = _why_words(items, text)
    ops = sorted({i.text for i in items if i.op}, key=OPERATORS.index)
    if ops and why:
        for i in items:
            if i.op:
                i.out = i.text.lower()
        notes.append(f"Read {_listed(ops)} as {'words' if len(ops) > 1 else 'a word'}: {why}.")
    elif ops:
        notes.append(
            f"Read {_listed(ops)} as {'operators' if len(ops) > 1 else 'an operator'}"
            " (between terms, in a query that does not read as a sentence)."
        )
    if any(i.kind == "word" and i.text == "TO" for i in items):
        notes.append("TO is an operator only in a range, as in date:[2024-03 TO 2024-05].")
    return Reading(_rewrite(text, items), bool(ops) and not why, tuple(notes), tuple(ops))


def _scan(text: str) -> list[_Item]:
    items: list[_Item] = []
    groups, stack = 0, [0]
    for m in _ITEMS.finditer(text):
        kind = m.lastgroup or "word"
        kind = "phrase" if kind == "squote" else kind
        if kind == "open":
            groups += 1
            stack.append(groups)
        item = _Item(kind, m.group(), m.start(), m.end(), group=stack[-1])
        if kind == "close" and len(stack) > 1:
            stack.pop()
        items.append(item)
    return items


def _read_colons(items: list[_Item], text: str) -> list[str]:
    """`Kyiv: explosions` and `10:30` are text; `title:kyiv` is a field; `title:` with
    nothing after it is a mistake worth stopping for."""
    notes: list[str] = []
    for n, item in enumerate(items):
        if item.kind not in ("word", "phrase", "range"):
            continue
        # in a phrase or range only a field before the quote or bracket counts
        head = item.text if item.kind == "word" else re.split(r"[\"'\[{]", item.text, maxsplit=1)[0]
        out = item.text
        for m in reversed(list(_NAME_COLON.finditer(head))):
            name, after = m.group(1), item.text[m.end() :]
            if name.lower() in FIELDS and m.start() == 0:
                if after:
                    out = name.lower() + ":" + out[m.end() :]
                    continue
                nxt = items[n + 1] if n + 1 < len(items) else None
                if nxt is None or nxt.kind == "close" or nxt.op:
                    raise QueryError(
                        f"Field {name}: in query {text!r} has no value.",
                        f"Give one, as in {name.lower()}:belgorod, or leave the colon out.",
                    )
                notes.append(
                    f"Read '{name}:' as the word {name!r}: a space follows the colon "
                    f"(write {name.lower()}:{nxt.text} to search that field)."
                )
            elif m.start() == 0 and not name.isdigit():  # 10:30 is a time, 2:1 a score
                notes.append(
                    f"Read '{name}:' as the word {name!r}, not a field: "
                    f"the fields are {', '.join(FIELDS)}."
                )
            out = out[: m.start()] + name + " " + out[m.end() :]
        if out != item.text:
            item.out = out.rstrip()
    return notes


def _read_questions(items: list[_Item]) -> list[str]:
    """`Is Kyiv next?`: a question mark after a word is punctuation, not a wildcard."""
    notes = []
    for item in items:
        if item.kind == "word" and ":" not in item.text:
            current = item.out if item.out is not None else item.text
            bare = _TRAILING_QUESTION.sub("", current)
            if bare != current:
                item.out = bare
                notes.append(
                    f"Read {item.text!r} as {bare!r}: a ? at the end of a word is punctuation"
                    f" here; write {bare}* to find words that start with it."
                )
    return notes


def _why_words(items: list[_Item], text: str) -> str | None:
    """Why the operator words of a query are words, or None when they are operators."""
    for n, item in enumerate(items):
        if not item.op:
            continue
        left = items[n - 1] if n else None
        if not _right_ok(items, n + 1):
            return f"{item.text} has no term after it"
        if item.text != "NOT" and not (left and (left.term or left.kind == "close")):
            return f"{item.text} has no term before it"
        plain = sum(1 for i in items if i.plain and i.group == item.group)
        if plain >= SENTENCE_WORDS:
            return (
                f"the query reads as a sentence ({plain} plain words around {item.text});"
                f" to keep {item.text} an operator, put the other words in brackets,"
                " as in (a b c) NOT d"
            )
    if _shouting(items, text):
        return (
            "the whole query is in upper case and reads as a sentence;"
            " write the words in lower or mixed case to use operators"
        )
    return None


def _right_ok(items: list[_Item], n: int) -> bool:
    """A term, a bracket group, or NOT followed by one."""
    while n < len(items) and items[n].op and items[n].text == "NOT":
        n += 1
    return n < len(items) and (items[n].term or items[n].kind == "open")


def _shouting(items: list[_Item], text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return False
    return any(a.plain and b.plain for a, b in itertools.pairwise(items))


def _rewrite(text: str, items: list[_Item]) -> str:
    out, at = [], 0
    for item in items:
        if item.out is not None:
            out += [text[at : item.start], item.out]
            at = item.end
    out.append(text[at:])
    return "".join(out)


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
