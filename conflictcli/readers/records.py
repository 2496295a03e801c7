"""JSON Lines (one object per line, as crawlers such as news-please write) and JSON
(an array of objects, or one object): one article per object, its keys recognised by
their usual names. A line that is not JSON, or that cannot be read (too long, nested
too deep, a number of too many digits, bytes that are not UTF-8), is reported with its
number; the rest of the file goes on. Lines and array items are numbered from 1. A JSON
array is read an item at a time, whether its file is held whole or streams (JsonItems):
an item is held only while it is read, and one past MAX_LINE_CHARS is dropped a piece
at a time, never held whole."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from conflictcli.articles import MAX_ARTICLE_CHARS, Article
from conflictcli.readers.base import (
    CHUNK,
    MAX_LINE_CHARS,
    JsonLines,
    Listed,
    Problems,
    Readline,
    SkipFile,
    TextLines,
    Unread,
    decode,
    from_fields,
    has_bom,
    recognise,
)
from conflictcli.readers.sidecar import Sidecars

# what reads one object of a file (a line, an item) into articles: add_object, or another
# reader's that knows more shapes (telegram.py)
Add = Callable[[Any, int, list[Article], Listed, dict[str, str]], None]
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


def read_lines(
    path: Path, data: bytes, sidecars: Sidecars, problems: Problems, add: Add | None = None
) -> list[Article]:
    text = decode_lines(data).lstrip("\ufeff")
    lines = JsonLines(TextLines(text, crlf=False).readline)
    out = list(articles(lines, sidecars, problems, add=add))
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
    add: Add | None = None,
) -> Iterator[Article]:
    """The articles of JSON Lines, as they are read (a file of any size streams).
    `close` is called once the lines are all read; `add` reads each object (add_object
    unless another reader's, such as telegram.py's, is given)."""
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
            (add or add_object)(obj, n, got, listed, sidecars.columns)
            yield from got
    finally:
        listed.close()
        if close is not None:
            close()


def read_json(
    path: Path, data: bytes, sidecars: Sidecars, problems: Problems, add: Add | None = None
) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    if not text.strip():
        raise SkipFile("empty file")
    start = _skip_space(text, 0)
    if text.startswith("[", start):  # read an item at a time, as a large one streams
        return list(json_articles(_Pieces(text).read, sidecars, problems, add=add))
    try:
        doc = loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip().startswith("{") and "\n{" in text:  # JSON Lines named .json
            return read_lines(path, data, sidecars, problems, add)
        raise SkipFile(f"not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from e
    except (ValueError, RecursionError) as e:
        raise SkipFile(unreadable(e)) from e
    out: list[Article] = []
    listed = Listed(problems)
    (add or add_object)(doc, 1, out, listed, sidecars.columns)
    listed.close()
    return out


def _skip_space(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


class _Pieces:
    """read(n) over a text held whole."""

    def __init__(self, text: str) -> None:
        self._text, self._pos = text, 0

    def read(self, n: int) -> str:
        piece = self._text[self._pos : self._pos + n]
        self._pos += len(piece)
        return piece


def json_articles(
    read: Readline,
    sidecars: Sidecars,
    problems: Problems,
    close: Callable[[], None] | None = None,
    add: Add | None = None,
) -> Iterator[Article]:
    """The articles of a JSON file read with `read(n)` (at most n characters, "" at its
    end), an item at a time, as they are read (a file of any size streams): each
    object of an array, or each of a sequence of objects (one object; JSON Lines named
    .json). An item that cannot be read (too long, too many values, nested too deep, a
    number of too many digits, bytes that are not UTF-8) is reported and the next one
    read; after a syntax error, the items before it are kept (a file that is not JSON
    from its first item is skipped). `close` is called once the items are all read;
    `add` reads each object, as in articles()."""
    listed = Listed(problems)
    try:
        for n, item in JsonItems(read):
            if isinstance(item, Unread):
                listed.add(n, item.why)
                continue
            got: list[Article] = []
            (add or add_object)(item, n, got, listed, sidecars.columns)
            yield from got
    except JsonSyntax as e:
        if e.n == 1:
            raise SkipFile(f"not JSON: {e.why}") from None
        listed.add(e.n, f"not JSON from here on: {e.why}; the items before are read")
    finally:
        listed.close()
        if close is not None:
            close()


class JsonSyntax(Exception):
    """Item `n` is not JSON (`why`): nothing after it can be read (a reader that walks a
    JSON file itself, telegram.py, tells the same)."""

    def __init__(self, n: int, why: str) -> None:
        super().__init__(why)
        self.n, self.why = n, why


class JsonItems:
    """The items of a JSON array, or the values of a sequence of JSON values, from
    read(n) of its text: (n, value) each, numbered from 1, or (n, Unread) for an item
    that could not be read. The text is held from the item being read on, a piece
    (CHUNK characters) at a time: an item of more than `limit` characters is read to
    its end and dropped, never held whole. Raises JsonSyntax at a syntax error."""

    def __init__(self, read: Readline, limit: int = MAX_LINE_CHARS) -> None:
        self._read, self._limit = read, limit
        self._buf, self._at, self._eof = "", 0, False
        self._base = self._lines = self._col = 0  # what was dropped before _buf: characters,
        # lines, and the column _buf starts at

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        self._space()
        if self._buf.startswith("\ufeff", self._at):
            self._at += 1
            self._space()
        if self._at >= len(self._buf):
            return
        array = self._buf.startswith("[", self._at)
        if array:
            self._at += 1
            self._space()
            if self._buf.startswith("]", self._at):
                return
        n = 0
        while True:
            n += 1
            yield n, self._item(n)
            self._space()
            if not array:
                if self._at >= len(self._buf):
                    return
                continue
            if self._buf.startswith("]", self._at):
                return
            if not self._buf.startswith(",", self._at):
                where = self._base + self._at + 1
                raise JsonSyntax(n + 1, f"no ',' or ']' after item {n:,} (character {where:,})")
            self._at += 1
            self._space()

    def rest(self) -> str:
        """What was read past the item last given (from the `]` that closes an array):
        a reader that goes on reading the file after it starts there."""
        return self._buf[self._at :]

    def _more(self) -> bool:
        """Another piece read onto what is held from the item on; False at the end."""
        if self._eof:
            return False
        piece = self._read(CHUNK)
        if not piece:
            self._eof = True
            return False
        self._drop()
        self._buf += piece
        return True

    def _drop(self) -> None:
        """What is before the item being read is dropped."""
        gone = self._buf[: self._at]
        if gone:
            nl = gone.rfind("\n")
            self._lines += gone.count("\n")
            self._col = len(gone) - nl - 1 if nl >= 0 else self._col + len(gone)
            self._base += len(gone)
            self._buf, self._at = self._buf[self._at :], 0

    def _space(self) -> None:
        """Past the white space, reading on as far as it goes."""
        while True:
            self._at = _skip_space(self._buf, self._at)
            if self._at < len(self._buf) or not self._more():
                return

    def _where(self, pos: int) -> str:
        line = self._lines + self._buf.count("\n", 0, pos) + 1
        nl = self._buf.rfind("\n", 0, pos)
        column = pos - nl if nl >= 0 else self._col + pos + 1
        return f"line {line}, column {column}"

    def _item(self, n: int) -> Any:
        """The item that starts at _at (read on until it is whole), or an Unread."""
        got = self._decode(n)
        if got is not _MORE:
            return got
        skip = _Skip()  # where it ends, told as pieces are read on
        end = skip.feed(self._buf, self._at)
        while end < 0:
            if len(self._buf) - self._at > self._limit:
                return self._drop_item(skip)
            held = len(self._buf) - self._at
            if not self._more():
                break
            end = skip.feed(self._buf, held)  # the item starts at 0 now
        return self._decode(n, end)

    def _decode(self, n: int, end: int = -1) -> Any:
        """The item at _at: its value, an Unread, or _MORE when it may go on past what is
        held. `end`: where it ends, when that is known."""
        buf, at = self._buf, self._at
        whole = end >= 0 or self._eof
        if end - at > MAX_VALUES and _values_from(buf, at, end) > MAX_VALUES:
            self._at = end
            return Unread(f"JSON of more than {MAX_VALUES:,} values: not read")
        try:
            value, stop = _decoder.raw_decode(buf, at)
        except json.JSONDecodeError as e:
            cut = e.pos >= len(buf) - 12 or e.msg.startswith("Unterminated string")
            if whole or not cut:
                why = f"{e.msg.removesuffix(' at')} at {self._where(e.pos)}"
                raise JsonSyntax(n, why) from None
            return _MORE
        except (ValueError, RecursionError) as e:
            stop = end if end >= 0 else _end_of_value(buf, at)
            if stop >= 0 and (stop < len(buf) or whole):
                self._at = stop
                return Unread(unreadable(e))
            if whole:
                raise JsonSyntax(n, unreadable(e)) from None
            return _MORE
        if not whole and (
            stop == len(buf) or (isinstance(value, (int, float)) and stop + 64 > len(buf))
        ):
            return _MORE  # a number may go on in the next piece ("12." of "12.5")
        self._at = stop
        bad = _BAD_BYTE.search(buf, at, stop)
        if bad:
            where = self._base + bad.start() + 1
            return Unread(f"not UTF-8 (a byte that is no text at character {where:,})")
        return value

    def _drop_item(self, skip: _Skip) -> Unread:
        """The item at _at, longer than the limit, read to its end and dropped a piece at
        a time."""
        self._at = len(self._buf)
        while self._more():
            end = skip.feed(self._buf, 0)
            if end >= 0:
                self._at = end
                break
            self._at = len(self._buf)
        return Unread(
            f"an item of more than {self._limit:,} characters (an article may hold "
            f"{MAX_ARTICLE_CHARS:,}): not read"
        )


_MORE = object()  # an item that may go on past what is held


class _Skip:
    """Where a JSON value ends, told a piece at a time (strings, arrays, objects, and
    numbers or words at the top)."""

    _PLAIN = re.compile(r'[^"\[\]{}]*')
    _IN_STRING = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
    _WORD = re.compile(r"[^\s,\]}]*")

    def __init__(self) -> None:
        self.depth, self.string, self.started, self.escaped = 0, False, False, False

    def feed(self, text: str, at: int) -> int:
        """Where the value ends in `text` (read from `at`), or -1 when it goes on."""
        i, n = at, len(text)
        while i < n:
            if self.string:
                if self.escaped:  # a backslash ended the last piece
                    i, self.escaped = i + 1, False
                    continue
                i = self._IN_STRING.match(text, i).end()  # type: ignore[union-attr]
                if i >= n:
                    break
                if text[i] == "\\":  # the last character: its escape is in the next piece
                    self.escaped, i = True, i + 1
                    continue
                self.string, i = False, i + 1
                if self.depth == 0:
                    return i
                continue
            c = text[i]
            if not self.started:
                self.started = True
                if c not in '"[{':  # a number or a word
                    i = self._WORD.match(text, i).end()  # type: ignore[union-attr]
                    if i < n:
                        return i
                    self.started = False  # it may go on
                    return -1
            if c == '"':
                self.string, i = True, i + 1
            elif c in "[{":
                self.depth, i = self.depth + 1, i + 1
            elif c in "]}":
                self.depth, i = self.depth - 1, i + 1
                if self.depth <= 0:
                    return i
            else:
                i = self._PLAIN.match(text, i).end()  # type: ignore[union-attr]
        return -1


def _values_from(text: str, at: int, end: int | None = None) -> int:
    """_values() of text[at:end], counted where it is."""
    end = len(text) if end is None else end
    return text.count("[", at, end) + text.count("{", at, end) + text.count(",", at, end)


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


def add_object(
    obj: Any, n: int, out: list[Article], problems: Listed, given: dict[str, str]
) -> None:
    """The article of object `n` (a line, an item) added to `out`, its keys recognised
    by their usual names (or --map's, `given`); why it gives none added to `problems`."""
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
