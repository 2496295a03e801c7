"""JSON Lines (one object per line, as crawlers such as news-please write) and JSON
(an array of objects, or one object): one article per object, its keys recognised by
their usual names. A line that is not JSON, or that cannot be read (too long, nested
too deep, a number of too many digits, bytes that are not UTF-8), is reported with its
number; the rest of the file goes on. Lines and array items are numbered from 1."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from conflictcli.articles import Article
from conflictcli.readers.base import (
    JsonLines,
    Listed,
    Problems,
    SkipFile,
    TextLines,
    Unread,
    decode,
    from_fields,
    has_bom,
    recognise,
)
from conflictcli.readers.sidecar import Sidecars

MAX_DIGITS = 4_300  # a longer integer is refused (Python's own limit for int(), kept here)
# A JSON line of more values (arrays, objects, items) is not parsed: each takes some 60
# bytes in memory, so a line of MAX_LINE_CHARS characters of "[]," would take 500 MB. An
# article's line has a few dozen, and commas in its text do not come near this.
MAX_VALUES = 1_000_000


class TooManyDigits(ValueError):
    pass


def _int(digits: str) -> int:
    """An integer of JSON, refused past MAX_DIGITS (int() of a million digits takes
    minutes where Python's limit is lifted)."""
    if len(digits) > MAX_DIGITS + 1:  # a minus sign and MAX_DIGITS digits
        raise TooManyDigits(f"a number of more than {MAX_DIGITS:,} digits")
    return int(digits)


_decoder = json.JSONDecoder(parse_int=_int)
_SPACE = re.compile(r"[ \t\n\r]*")
_BAD_BYTE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8 (surrogateescape)


def loads(text: str) -> Any:
    """json.loads, with integers bounded (TooManyDigits)."""
    return _decoder.decode(text)


def _values(text: str) -> int:
    """How many values a JSON text holds at most (every array, object, and item after
    a comma)."""
    return text.count("[") + text.count("{") + text.count(",")


def unreadable(e: Exception) -> str:
    """Why JSON that is well formed could not be read (RecursionError, ValueError)."""
    if isinstance(e, RecursionError):
        return "JSON nested too deep to read"
    if isinstance(e, TooManyDigits):
        return f"JSON holding a number of more than {MAX_DIGITS:,} digits: not read"
    return f"JSON that cannot be read: {e}"


def read_lines(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode_lines(data).lstrip("\ufeff")
    out = list(articles(JsonLines(TextLines(text, crlf=False).readline), sidecars, problems))
    if not out and not problems:
        raise SkipFile("empty file")
    return out


def decode_lines(data: bytes) -> str:
    """The text of a JSON Lines file: UTF-8, as JSON Lines are, where a line that is not
    (a byte that does not decode) is kept for `articles` to report; a byte-order mark's
    encoding; or, for a file most of whose lines are not UTF-8, what decode() finds."""
    if has_bom(data):
        return decode(data)
    text = data.decode("utf-8", "surrogateescape")
    if _BAD_BYTE.search(text):
        lines = bad = 0
        for line in text.split("\n"):
            if line.strip():
                lines += 1
                bad += _BAD_BYTE.search(line) is not None
        if bad * 2 > lines:  # another encoding
            return decode(data)
    if "\x00" in text[:8192]:
        raise SkipFile("binary file (has NUL bytes)")
    return text


def articles(
    lines: Iterable[str | Unread],
    sidecars: Sidecars,
    problems: Problems,
    close: Callable[[], None] | None = None,
) -> Iterator[Article]:
    """The articles of JSON Lines, as they are read (a file of any size streams).
    `close` is called once the lines are all read."""
    listed = Listed(problems)
    try:
        for n, line in enumerate(lines, 1):
            if isinstance(line, Unread):
                listed.add(n, line.why)
                continue
            if n == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            bad = _BAD_BYTE.search(line)
            if bad:
                listed.add(n, f"not UTF-8 (a byte that is no text at column {bad.start() + 1})")
                continue
            if len(line) > MAX_VALUES and _values(line) > MAX_VALUES:
                listed.add(n, f"JSON of more than {MAX_VALUES:,} values: not read")
                continue
            try:
                obj = loads(line)
            except json.JSONDecodeError as e:
                listed.add(n, f"not a JSON line: {e.msg} (column {e.colno})")
                continue
            except (ValueError, RecursionError) as e:
                listed.add(n, unreadable(e))
                continue
            got: list[Article] = []
            _add(obj, n, got, listed, sidecars.columns)
            yield from got
    finally:
        listed.close()
        if close is not None:
            close()


def read_json(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    if not text.strip():
        raise SkipFile("empty file")
    start = _skip_space(text, 0)
    if text.startswith("[", start):
        return _array(text, start + 1, sidecars, problems)
    try:
        doc = loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip().startswith("{") and "\n{" in text:  # JSON Lines named .json
            return read_lines(path, data, sidecars, problems)
        raise SkipFile(f"not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from e
    except (ValueError, RecursionError) as e:
        raise SkipFile(unreadable(e)) from e
    out: list[Article] = []
    listed = Listed(problems)
    _add(doc, 1, out, listed, sidecars.columns)
    listed.close()
    return out


def _skip_space(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _array(text: str, at: int, sidecars: Sidecars, problems: Problems) -> list[Article]:
    """The articles of a JSON array whose first item starts at `at`, an item at a time:
    an item that cannot be read (nested too deep, a number of too many digits) is
    reported and the next one read; after a syntax error, the items before it are kept
    (a file that is not JSON from its first item is skipped)."""
    out: list[Article] = []
    listed = Listed(problems)
    n = 0
    try:
        at = _skip_space(text, at)
        if text.startswith("]", at):
            return out
        while True:
            n += 1
            try:
                obj, at = _decoder.raw_decode(text, at)
                _add(obj, n, out, listed, sidecars.columns)
            except json.JSONDecodeError as e:
                _stop(listed, n, f"{e.msg} at line {e.lineno}, column {e.colno}")
                return out
            except (ValueError, RecursionError) as e:
                end = _end_of_value(text, at)
                if end < 0:
                    _stop(listed, n, unreadable(e))
                    return out
                listed.add(n, unreadable(e))
                at = end
            at = _skip_space(text, at)
            if text.startswith("]", at):
                return out
            if not text.startswith(",", at):
                _stop(listed, n + 1, f"no ',' or ']' after item {n:,} (character {at + 1:,})")
                return out
            at = _skip_space(text, at + 1)
    finally:
        listed.close()


def _stop(listed: Listed, n: int, why: str) -> None:
    if n == 1:
        raise SkipFile(f"not JSON: {why}")
    listed.add(n, f"not JSON from here on: {why}; the items before are read")


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_NUMBER = re.compile(r"-?[0-9][0-9.eE+-]*")


def _end_of_value(text: str, at: int) -> int:
    """Where the value that starts at `at` (an array, an object, a number) ends; -1 when
    it does not. Strings are skipped whole."""
    if not text.startswith(("[", "{"), at):
        m = _NUMBER.match(text, at)
        return m.end() if m else -1
    depth = 0
    for m in _TOKEN.finditer(text, at):
        c = m.group()
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _add(obj: Any, n: int, out: list[Article], problems: Listed, given: dict[str, str]) -> None:
    if not isinstance(obj, Mapping):
        problems.add(n, f"a JSON {type(obj).__name__}, not an object")
        return
    try:
        keys = recognise([k for k in obj if isinstance(k, str)], given)
    except SkipFile as e:  # a --map key this object lacks
        problems.add(n, str(e))
        return
    if "text" not in keys:
        problems.add(n, "no text: name it text, body, content, article or maintext")
        return
    try:
        out.append(from_fields({name: obj[key] for name, key in keys.items()}, row=n))
    except (ValueError, RecursionError) as e:
        problems.add(n, str(e) or type(e).__name__)
