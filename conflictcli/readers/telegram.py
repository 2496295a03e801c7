"""Telegram, as researchers export it, recognised by its structure (not its file's name):

- Telegram Desktop's export of one chat or channel (`result.json`: {"name", "type", "id",
  "messages": [...]}) and its export of all data ({"about", ..., "chats": {"list": [chat,
  ...]}, "left_chats": {...}}), walked a message at a time whatever the file's size;
- the messages of such an export, and Telethon's Message.to_dict() objects, one per line
  of JSON Lines or in a JSON array; the scrapers' records of a channel's posts
  ({"message_id", "channel", "text", "date"}, or a t.me post's url beside the text).

telegram_messages.py makes their messages articles, and counts those that are not. Every
other JSON object goes to records.py, as it always did: this module is the front of the
.json, .jsonl and .ndjson readers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conflictcli.articles import Article
from conflictcli.readers import records
from conflictcli.readers.base import CHUNK, Problems, Readline, SkipFile, Unread, decode
from conflictcli.readers.sidecar import Sidecars
from conflictcli.readers.telegram_messages import Chat, Posts

HEAD = 256 << 10  # the start of a JSON file that tells whether it is a Telegram export
# the keys of Telegram Desktop's export of all data (tdesktop's export_output_json.cpp)
ALL_DATA = {"about", "personal_information", "profile_pictures", "stories", "contacts"}
ALL_DATA |= {"frequent_contacts", "sessions", "web_sessions", "chats", "left_chats", "other_data"}
MAX_KEY = 4_096  # a key of an export's object longer than this: not an export
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:]')
_SPACE = re.compile(r"[ \t\n\r]*")
# Telegram Desktop's \xHH after an even run of backslashes (an escaped backslash is \\)
_X_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")
_CUT_ESCAPE = re.compile(r"\\+(?:x[0-9A-Fa-f]?)?\Z")  # a piece's end that may be one, cut
# where JsonItems says an item is, counted from where it was handed the file
_WHERE = re.compile(r" at line [0-9]+, column [0-9]+| \(character [0-9,]+\)")


# -- reading files -----------------------------------------------------------------------
def read_json(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    """A .json file held whole: a Telegram Desktop export, or what records.py reads,
    the Telegram messages among its objects read as such."""
    if is_export(data[:HEAD].decode("utf-8", "replace")):
        text = decode(data).lstrip("\ufeff")
        return list(export_articles(_pieces(text), problems))
    posts = Posts(problems)
    try:
        return records.read_json(path, data, sidecars, problems, add=posts.add)
    finally:
        posts.close()


def read_lines(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    """A JSON Lines file held whole, its Telegram messages read as such."""
    posts = Posts(problems)
    try:
        return records.read_lines(path, data, sidecars, problems, add=posts.add)
    finally:
        posts.close()


def stream_json(
    read: Readline, head: str, sidecars: Sidecars, problems: Problems, close: Callable[[], None]
) -> Iterator[Article]:
    """A large .json file as it is read: a Telegram export a message at a time, or what
    records.json_articles reads (`head`: the file's start, which tells)."""
    if is_export(head):
        return export_articles(read, problems, close)
    posts = Posts(problems)
    return posts.closing(records.json_articles(read, sidecars, problems, close, add=posts.add))


def stream_lines(
    lines: records.JsonLines, sidecars: Sidecars, problems: Problems, close: Callable[[], None]
) -> Iterator[Article]:
    """A large JSON Lines file as it is read, its Telegram messages read as such."""
    posts = Posts(problems)
    return posts.closing(records.articles(lines, sidecars, problems, close, add=posts.add))


def _pieces(text: str) -> Readline:
    """read(n) over a text held whole."""
    at = 0

    def read(n: int) -> str:
        nonlocal at
        piece = text[at : at + n]
        at += len(piece)
        return piece

    return read


def is_export(head: str) -> bool:
    """Whether a JSON text that starts with `head` is a Telegram Desktop export: an
    object whose keys are a chat's (name, type or id, and messages), or the keys of the
    export of all data (about, then personal_information, chats, ...)."""
    keys = top_keys(head)
    if "messages" in keys:
        return bool({"name", "type", "id"} & set(keys))
    return len(keys) > 1 and keys[0] == "about" and set(keys) <= ALL_DATA


def top_keys(head: str) -> list[str]:
    """The keys of the JSON object that `head` starts, in order, as far as it goes."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return []
    keys: list[str] = []
    depth, last = 0, ""
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
            if depth <= 0:
                break
        elif token == ":" and depth == 1 and last.startswith('"'):
            try:
                keys.append(str(json.loads(last)))
            except ValueError:
                return []
        last = token
    return keys


# -- a Telegram Desktop export, a message at a time ---------------------------------------
def escaped(read: Readline) -> Readline:
    """read(n) of an export with Telegram Desktop's own escape of a control character
    (`\\x0B`, which JSON has not) made JSON's (`\\u000B`): a message holding one would
    end the file's reading there. An escape cut between two pieces waits for the next."""
    held = ""

    def read_on(n: int) -> str:
        nonlocal held
        while True:
            more = read(n)
            piece, held = held + more, ""
            if not more:  # the end of the file
                return _X_ESCAPE.sub(r"\1\\u00\2", piece)
            cut = _CUT_ESCAPE.search(piece)
            if cut:
                piece, held = piece[: cut.start()], piece[cut.start() :]
            if piece:
                return _X_ESCAPE.sub(r"\1\\u00\2", piece)

    return read_on


class _Broken(Exception):
    """The export is not what its start said (a syntax error, a key where none may be)."""


def export_articles(
    read: Readline, problems: Problems, close: Callable[[], None] | None = None
) -> Iterator[Article]:
    """The articles of a Telegram Desktop export read with `read(n)`, a message at a
    time: memory holds one message and a piece of the file, whatever its size. A
    message that cannot be read costs only itself; after a syntax error the messages
    before it are kept. `close` is called once the file is read."""
    posts = Posts(problems)
    try:
        yield from _Walk(escaped(read), posts).export()
    except (_Broken, records.JsonSyntax) as e:
        why = e.why if isinstance(e, records.JsonSyntax) else str(e)
        why = _WHERE.sub("", why)  # JsonItems counts from where it was handed the file
        if not posts.row:
            raise SkipFile(f"not JSON as a Telegram export is: {why}") from None
        posts.listed.add(
            posts.row + 1,
            f"not JSON from the file's message #{posts.row + 1:,} on: {why}; "
            "the messages before it are read",
        )
    else:
        if not posts.row:  # the file's reason, when it is read whole
            problems.append((0, "a Telegram export that holds no message"))
    finally:
        posts.close()
        if close is not None:
            close()


class _Walk:
    """The keys of an export's objects read one at a time, and the values that matter
    (a chat's name, type, id and messages; the list of chats) walked into; every other
    value is read and dropped by records.JsonItems, within its bounds."""

    def __init__(self, read: Readline, posts: Posts) -> None:
        self._read, self.posts = read, posts
        self.buf, self.at = "", 0
        self._array = False  # the value handed to JsonItems is an array

    def export(self) -> Iterator[Article]:
        self._take("{")
        yield from self._object(Chat(), 0)

    def _object(self, chat: Chat, depth: int) -> Iterator[Article]:
        """An object's keys, from after its `{` to after its `}`: at depth 0, a chat or
        the export of all data; at 1, its chats or left_chats; at 2, a chat of theirs."""
        if self._peek() == "}":
            self.at += 1
            return
        while True:
            key = self._key()
            self._take(":")
            start = self._peek()
            if key == "messages" and start == "[" and depth in (0, 2):
                yield from self._messages(chat)
            elif key in ("chats", "left_chats") and start == "{" and depth == 0:
                self.at += 1
                yield from self._object(Chat(), 1)
            elif key == "list" and start == "[" and depth == 1:
                yield from self._chats()
            else:
                chat.take(key, self._value())
            if not self._next("}"):
                return

    def _chats(self) -> Iterator[Article]:
        """The list of chats of an export of all data, each a chat object."""
        self.at += 1  # [
        if self._peek() == "]":
            self.at += 1
            return
        while True:
            if self._peek() == "{":
                self.at += 1
                yield from self._object(Chat(), 2)
            else:
                self._value()
            if not self._next("]"):
                return

    def _messages(self, chat: Chat) -> Iterator[Article]:
        items = records.JsonItems(self._handoff())
        for _, item in items:
            got = self.posts.desktop(item, chat, self.posts.row + 1, self.posts.listed)
            if got is not None:
                yield got
        self._resume(items)
        self._take("]")

    def _value(self) -> Any:
        """The value at hand, read whole (None when it cannot be): an array is read an
        item at a time and dropped."""
        items = records.JsonItems(self._handoff())
        if self._array:
            for _ in items:
                pass
            self._resume(items)
            self._take("]")
            return None
        got = next(iter(items), None)
        if got is None:
            raise _Broken("the file ends before its objects close")
        self._resume(items)
        return None if isinstance(got[1], Unread) else got[1]

    def _next(self, close: str) -> bool:
        """Past a `,` (True: another key or item follows) or the `close` (False)."""
        c = self._peek()
        self.at += 1
        if c == ",":
            return True
        if c == close:
            return False
        raise _Broken(f"{c!r} where a ',' or {close!r} should be" if c else "the file ends early")

    def _handoff(self) -> Readline:
        """read(n) for JsonItems, from the value at hand: what is held, then the file."""
        held, self.buf, self.at = self.buf[self.at :], "", 0
        self._array = held.startswith("[")

        def read(n: int) -> str:
            nonlocal held
            if held:
                piece, held = held, ""
                return piece
            return self._read(n)

        return read

    def _resume(self, items: records.JsonItems) -> None:
        self.buf, self.at = items.rest(), 0

    def _fill(self) -> bool:
        piece = self._read(CHUNK)
        if not piece:
            return False
        self.buf, self.at = self.buf[self.at :] + piece, 0
        return True

    def _peek(self) -> str:
        """The next character past white space ('' at the end of the file)."""
        while True:
            self.at = _SPACE.match(self.buf, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.buf):
                return self.buf[self.at]
            if not self._fill():
                return ""

    def _take(self, c: str) -> None:
        got = self._peek()
        if got != c:
            raise _Broken(f"{got!r} where {c!r} should be" if got else "the file ends early")
        self.at += 1

    def _key(self) -> str:
        if self._peek() != '"':
            raise _Broken(f"{self._peek()!r} where a key should be")
        while True:
            m = _STRING.match(self.buf, self.at)
            if m:
                self.at = m.end()
                try:
                    return str(json.loads(m.group()))
                except ValueError as e:
                    raise _Broken(f"a key that is not JSON: {e}") from None
            if len(self.buf) - self.at > MAX_KEY or not self._fill():
                raise _Broken("a key that does not end")
