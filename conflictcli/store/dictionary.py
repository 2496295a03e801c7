"""The bodies as the catalogue keeps them: compressed with zlib and the archive's own
dictionary (Dictionary), and read back no further than any article's text can be."""

from __future__ import annotations

import itertools
import sqlite3
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

from conflictcli.articles import Article
from conflictcli.store.connection import Connection
from conflictcli.store.damage import MAX_TEXT_BYTES, MAX_TEXT_CHARS, FlawFound, shown

ZLIB_LEVEL = 6
_PRIMED: dict[bytes, Any] = {}

Packed = tuple[bytes, int]


def pack(a: Article, zdict: bytes | None = None) -> Packed:
    """The body as the catalogue stores it, compressed (zlib: news text takes about
    half its size; with the archive's dictionary, see Dictionary, a sixth less again),
    and its word count; made in a worker process at ingest."""
    data = a.body.encode("utf-8")
    if zdict is None:
        return zlib.compress(data, ZLIB_LEVEL), a.words
    primed = _PRIMED.get(zdict)
    if primed is None:  # the dictionary read into a compressor once; each body a copy
        _PRIMED.clear()
        primed = _PRIMED[zdict] = zlib.compressobj(ZLIB_LEVEL, zdict=zdict)
    c = primed.copy()
    return c.compress(data) + c.flush(), a.words


class Dictionary:
    """The archive's zlib dictionary: the word pairs most frequent in the first
    SAMPLE articles it stored, the most frequent last (nearest the text, so the
    cheapest to point back to), at most zlib's 32 KiB window. A news body of a few KB
    compresses by a sixth to a fifth more with it (on ukraine-media-2022 0.461 -> 0.388
    of the raw text, on the Kremlin's press releases 0.428 -> 0.352). It is made from
    the archive's own articles, kept in its catalogue (table dictionaries, by the
    Adler-32 checksum that a zlib stream made with it names), and never replaced, so
    every body can be read back; bodies stored before it are plain zlib."""

    SAMPLE = 300  # articles the dictionary is made from
    PAIRS = 8_000  # word pairs it may hold
    SIZE = 32 * 1024

    @classmethod
    def make(cls, bodies: list[str]) -> bytes:
        pairs: Counter[str] = Counter()
        for body in bodies:
            words = body.split()
            pairs.update(f"{a} {b}" for a, b in itertools.pairwise(words))
        common = [p for p, n in pairs.most_common(cls.PAIRS) if n > 1]
        return " ".join(reversed(common)).encode("utf-8")[-cls.SIZE :]


class Texts(Connection):
    """The dictionary new bodies are compressed with, made once SAMPLE bodies are in,
    and every dictionary a stored body may name, read once."""

    def _start(self, path: Path) -> None:
        super()._start(path)
        self._zdict: bytes | None = None
        self._zdicts: dict[int, bytes] | None = None
        self._samples: list[str] = []

    def rollback(self) -> None:
        super().rollback()
        self._zdict = self._zdicts = None  # a dictionary made in it is gone with it

    def dictionary(self) -> bytes | None:
        """The dictionary new bodies are compressed with (None until it is made)."""
        if self._zdict is None:
            found = self._dictionaries()
            self._zdict = min(found.items())[1] if found else None
        return self._zdict

    def _dictionaries(self) -> dict[int, bytes]:
        """Every dictionary of the catalogue, by its Adler-32 checksum. A row that is
        no dictionary (not bytes, longer than zlib's window) is passed over: the texts
        that name it are damaged."""
        if self._zdicts is None:
            try:
                rows = self.conn.execute(
                    "SELECT id, data FROM dictionaries WHERE typeof(id) = 'integer'"
                    " AND typeof(data) = 'blob' AND length(data) <= ?",
                    (Dictionary.SIZE,),
                ).fetchall()
            except sqlite3.OperationalError:  # a catalogue made before dictionaries
                rows = []
            self._zdicts = {int(i): bytes(d) for i, d in rows}
        return self._zdicts

    def _sample(self, body: str) -> None:
        """Keep the body towards the dictionary; make it once SAMPLE bodies are in."""
        self._samples.append(body)
        if len(self._samples) < Dictionary.SAMPLE:
            return
        zdict = Dictionary.make(self._samples)
        self._samples = []
        if not zdict:
            return
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"
        )
        key = zlib.adler32(zdict)
        self.conn.execute("INSERT OR IGNORE INTO dictionaries VALUES (?, ?)", (key, zdict))
        self._zdicts = None  # read again when a text names it
        self._zdict = zdict

    def text(self, body: bytes | str, article: str | None = None) -> str:
        """A body as stored, read back: compressed (with the dictionary its zlib stream
        names, or none), or plain text (catalogues made before compression). One that
        cannot be read, or is longer than any article, is Damaged (naming `article`)."""
        try:
            return self._inflate(body)
        except FlawFound as f:
            raise self.damaged(f.kind, f.why, article) from None

    def _inflate(self, body: object) -> str:
        """A body read back, or FlawFound saying why it cannot be."""
        if type(body) is not bytes:
            if type(body) is str:  # a catalogue made before compression
                if len(body) > MAX_TEXT_CHARS:
                    raise FlawFound("text_too_long", f"its text is {len(body):,} characters long")
                return body
            raise FlawFound("text_unreadable", f"its text is {shown(body)}, not compressed text")
        zdict = None
        if len(body) > 5 and body[1] & 0x20:  # FDICT: a dictionary, named by checksum
            key = int.from_bytes(body[2:6], "big")
            zdict = self._dictionaries().get(key)
            if zdict is None:
                raise FlawFound(
                    "text_unreadable",
                    "its text cannot be read back: the catalogue lacks the dictionary "
                    f"({key:08x}) it was compressed with",
                )
        try:
            d = zlib.decompressobj() if zdict is None else zlib.decompressobj(zdict=zdict)
            # no further than any article's text: a small body may inflate to gigabytes
            data = d.decompress(body, MAX_TEXT_BYTES + 1)
        except zlib.error as e:
            raise FlawFound("text_unreadable", f"its text cannot be read back ({e})") from None
        if len(data) > MAX_TEXT_BYTES:
            raise FlawFound(
                "text_too_long",
                f"its text inflates past {MAX_TEXT_BYTES:,} bytes, more than an article holds",
            )
        if not d.eof:
            raise FlawFound("text_unreadable", "its text cannot be read back: it is cut short")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FlawFound(
                "text_unreadable", f"its text cannot be read back: it is not UTF-8 ({e.reason})"
            ) from None
        if len(text) > MAX_TEXT_CHARS:
            raise FlawFound("text_too_long", f"its text is {len(text):,} characters long")
        return text
