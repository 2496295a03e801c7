"""What every reader shares: text out of bytes in any encoding, lines read with a bound,
and an article out of the fields a row or a record carries."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterator, Mapping

from conflictcli.articles import MAX_ARTICLE_CHARS, Article, content_id, domain_of
from conflictcli.dates import dated, time_of
from conflictcli.readers.body import clean_body, derive_title


class SkipFile(Exception):
    """This file cannot be read as articles; the message says why. The batch goes on."""


Problems = list[tuple[int, str]]  # (row or line, why it gave no article): the rest goes on

# -- bounds ----------------------------------------------------------------------------
# A JSON line or a CSV row longer than this is skipped as soon as it is, while it is read:
# room for an article of MAX_ARTICLE_CHARS written with JSON's \u escapes (6 characters
# each) and its other fields, and never more held in memory.
MAX_LINE_CHARS = 6 * MAX_ARTICLE_CHARS
CHUNK = 1 << 20  # characters read from a line at a time
MAX_LISTED = 1_000  # rows or lines of a file listed as skipped; those after are counted
TOO_LONG_FIELD = (
    f"a field of more than the {MAX_ARTICLE_CHARS:,} characters an article may hold: "
    "not read (split it into articles)"
)
TOO_LONG_LINE = (
    f"a line of more than {MAX_LINE_CHARS:,} characters (an article may hold "
    f"{MAX_ARTICLE_CHARS:,}): not read"
)
TOO_LONG_ROW = (
    f"a row of more than {MAX_LINE_CHARS:,} characters (an article may hold "
    f"{MAX_ARTICLE_CHARS:,}): not read"
)


class TooLong(Exception):
    """A row past MAX_LINE_CHARS, already read to its end and dropped (raised through the
    csv reader, which reads on from the next row)."""


class Unread:
    """A line that was not read (too long), in the place of its text."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


class Listed:
    """The rows or lines of one file that gave no article, added to `problems` as (row,
    why): the first MAX_LISTED of them, then one entry that counts the rest (a file of a
    million bad lines is not a million reasons in memory). `close()` adds that entry."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.listed = self.more = self.first_more = 0

    def add(self, n: int, why: str) -> None:
        if self.listed < MAX_LISTED:
            self.problems.append((n, why))
            self.listed += 1
            return
        if not self.more:
            self.first_more = n
        self.more += 1

    def close(self) -> None:
        if self.more:
            self.problems.append(
                (
                    self.first_more,
                    f"and {self.more:,} more rows or lines from here on that gave no "
                    f"article (the first {MAX_LISTED:,} are listed)",
                )
            )
            self.more = 0


Readline = Callable[[int], str]  # readline(limit) of a text: at most `limit` characters


class TextLines:
    """readline(limit) over a text held whole, as a file opened with `newline=""` reads
    it (lines end at \r\n, \r or \n), or with `newline="\n"` (`crlf=False`)."""

    _ANY = re.compile(r"\r\n|\r|\n")
    _LF = re.compile(r"\n")

    def __init__(self, text: str, crlf: bool = True) -> None:
        self._text, self._pos = text, 0
        self._end = self._ANY if crlf else self._LF

    def readline(self, limit: int) -> str:
        text, pos = self._text, self._pos
        stop = pos + limit
        m = self._end.search(text, pos, stop + 1)  # a \r\n across the limit stays whole
        end = m.end() if m and m.start() < stop else min(stop, len(text))
        self._pos = end
        return text[pos:end]


def _ended(piece: str, limit: int) -> bool:
    """Whether a piece read with readline(limit) (lines ended by \n) reaches its line's
    end, or the file's."""
    return piece.endswith("\n") or len(piece) < limit


class JsonLines:
    """The lines of JSON Lines from readline(limit) of a text opened with newline="\n":
    each line whole, or an Unread in its place when it passes MAX_LINE_CHARS (the rest of
    it read and dropped a piece at a time, never held)."""

    def __init__(self, readline: Readline, limit: int = MAX_LINE_CHARS) -> None:
        self._readline, self._limit = readline, limit

    def __iter__(self) -> Iterator[str | Unread]:
        return self

    def __next__(self) -> str | Unread:
        piece = self._readline(CHUNK)
        if not piece:
            raise StopIteration
        if _ended(piece, CHUNK):
            return piece
        parts, size = [piece], len(piece)
        while True:
            piece = self._readline(CHUNK)
            size += len(piece)
            if size > self._limit:
                while not _ended(piece, CHUNK):
                    piece = self._readline(CHUNK)
                return Unread(TOO_LONG_LINE)
            parts.append(piece)
            if _ended(piece, CHUNK):
                return "".join(parts)


# where a CSV scan stands at the end of a piece: a field begins, in an unquoted field, in a
# quoted one, or right after a quote in a quoted one (a quote or the field's end follows)
_START, _PLAIN, _QUOTED, _CLOSED = range(4)


class CsvLines:
    """The lines of a CSV, from readline(limit) of a text opened with newline="", for
    the csv module (quote '"', doubled inside a quoted field, as in Excel's dialect). A
    long line is handed over in pieces of about CHUNK characters where the csv reader
    takes them as one (inside a quoted field); a row past MAX_LINE_CHARS is read to its
    end, dropped, and TooLong raised through the reader, which goes on with the next row.
    It follows the quotes of each row, so that `skip_row()` can drop the rest of a row the
    csv reader gave up on (a field past its limit), and the next row is read where it
    starts."""

    def __init__(
        self,
        readline: Readline,
        delimiter: str,
        field_limit: int = MAX_ARTICLE_CHARS,
        limit: int = MAX_LINE_CHARS,
    ) -> None:
        self._readline, self._field_limit, self._limit = readline, field_limit, limit
        self._delimiter, self._opens = delimiter, delimiter + '"'
        self._state, self._chars, self._back = _START, 0, ""
        self._run = 0  # characters of the unquoted field the last piece ends in
        self._ended = True  # the last line handed over ended its row

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        piece, cut = self._piece()
        if not piece:
            raise StopIteration
        parts = [piece]
        while True:
            self._scan(piece)
            self._chars += len(piece)
            if self._chars > self._limit:
                self._ended = False
                self.skip_row()
                raise TooLong(TOO_LONG_ROW)
            if not cut:  # a line's end (or the file's): the reader takes it as one
                self._row_ends(piece)
                break
            if self._state == _QUOTED or self._run > self._field_limit:
                # cut inside a quoted field: the reader reads on; or in an unquoted field
                # already past the reader's limit, where it stops
                self._ended = False
                break
            piece, cut = self._piece()  # cut elsewhere, where the reader would end the row
            if not piece:
                self._row_ends("")
                break
            parts.append(piece)
        return parts[0] if len(parts) == 1 else "".join(parts)

    def skip_row(self) -> None:
        """Drop the rest of the row of the last line handed over."""
        while not self._ended:
            piece, cut = self._piece()
            if not piece:
                break
            self._scan(piece)
            if not cut:
                self._row_ends(piece)
        self._state, self._chars, self._ended = _START, 0, True

    def _piece(self) -> tuple[str, bool]:
        """The next piece of a line, and whether it was cut short of the line's end."""
        back, self._back = self._back, ""  # a character read after a \r, or a line end
        if back.endswith("\n"):  # a line of its own
            return back, False
        if back == "\r":
            return self._after_cr(back), False
        piece = back + self._readline(CHUNK - len(back))
        if len(piece) < CHUNK or piece.endswith("\n"):
            return piece, False
        if piece.endswith("\r"):  # cut by the limit: a \n after it is of the same line end
            return self._after_cr(piece), False
        return piece, True

    def _after_cr(self, piece: str) -> str:
        """`piece`, which ends with \r, with the \n that follows it, if one does."""
        after = self._readline(1)
        if after == "\n":
            return piece + after
        self._back = after
        return piece

    def _row_ends(self, piece: str) -> None:
        """After a line's end: the row ends there unless a quoted field goes on."""
        if self._state == _QUOTED and piece.endswith(("\n", "\r")):
            self._ended = False
        else:
            self._state, self._chars, self._ended = _START, 0, True

    def _scan(self, s: str) -> None:
        """Follow the quotes of `s`, the next piece of the row."""
        state, i, n = self._state, 0, len(s)
        plain = -1 if state == _PLAIN else n  # where an unquoted stretch began in s
        while i < n:
            if state == _CLOSED:  # a quote after a quote is one quote of the text
                if s[i] == '"':
                    state, i = _QUOTED, i + 1
                    continue
                state, plain = _PLAIN, i
            if state == _START:
                if s[i] == '"':
                    state, i = _QUOTED, i + 1
                    continue
                state, plain = _PLAIN, i
            if state == _PLAIN:  # quotes count only at a field's start
                j = s.find(self._opens, i)
                if j < 0:
                    state = _START if s.endswith(self._delimiter) else _PLAIN
                    break
                state, i = _QUOTED, j + 2
                continue
            j = s.find('"', i)  # in a quoted field
            if j < 0:
                break
            if j + 1 == n:
                state = _CLOSED
                break
            if s[j + 1] == '"':
                i = j + 2
            else:
                state, i, plain = _PLAIN, j + 1, j + 1
        self._state = state
        if state == _PLAIN:  # how long the unquoted field at the end is, at least
            k = s.rfind(self._delimiter, max(plain, 0))
            self._run = n - k - 1 if k >= 0 else n - plain if plain >= 0 else self._run + n
        else:
            self._run = 0


_BOMS = [  # longest first: a UTF-32 LE mark starts like a UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def has_bom(data: bytes) -> bool:
    """Whether the bytes start with a byte-order mark."""
    return data.startswith(tuple(bom for bom, _ in _BOMS))


def decode(data: bytes) -> str:
    """The text of a file in any encoding: UTF-8 (the common case, read at once), a
    byte-order mark's, or what charset-normalizer finds (cp1252, latin-1, KOI8-R,
    UTF-16 without a mark, ...). A file that is no text is skipped with the reason."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise SkipFile(f"starts as {encoding} but is not (bad byte at {e.start})") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _detected(data)
    if "\x00" in text[:8192]:
        raise SkipFile("binary file (has NUL bytes)")
    return text


def _detected(data: bytes) -> str:
    encoding = _detect(data)
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise SkipFile(f"looks like {encoding} but does not decode as it: {e}") from e


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    matches = list(from_bytes(data[: 1 << 20]))  # a megabyte tells the encoding
    if not matches or matches[0].encoding is None:
        raise SkipFile("binary file, or text in an encoding that cannot be told")
    # A short Western European text reads equally well as cp1250 and cp1252 (è or č);
    # on a tie, the encoding that Western news sites and Windows wrote wins.
    top = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (top.chaos, top.coherence)]
    return str(next((m for m in tied if m.encoding == "cp1252"), top).encoding)


def encoding_of(head: bytes) -> str:
    """The encoding of a file that is read as a stream, from its first bytes: a byte-order mark's, UTF-8 if they are (a character cut at the end
    aside), or what charset-normalizer finds."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head[:8192]:
        raise SkipFile("binary file (has NUL bytes)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return _detect(head)


# -- articles from fields ------------------------------------------------------------
# Column and key names recognised without flags, lower case (issue 7 of the project)
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "articles", "article_content", "maintext"),
    "title": ("title", "headline", "headlines", "article_title"),
    "date": ("date", "published", "date_publish", "publish_date", "pubdate", "datetime"),
    "url": ("url", "link"),
    "source": ("source", "outlet", "publisher", "source_domain"),
    "author": ("author", "authors", "byline"),
    # the time of day, when the date column has none (14:35, 2:35 pm)
    "time": ("time", "published_time", "time_published"),
    # the language, as a code (en, ru, uk-UA): kept instead of the one ingest would detect
    "lang": ("lang", "language", "language_code"),
}
_LANG_CODE = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})*\Z")


def lang_code(value: object) -> str | None:
    """The language a source names as an ISO 639-1 code (uk-UA -> uk); None for anything
    else (a name, a three-letter code: ingest detects the language then)."""
    found = _LANG_CODE.match(value.strip()) if isinstance(value, str) else None
    return found[1].lower() if found else None


def recognise(names: list[str], given: dict[str, str] | None = None) -> dict[str, str]:
    """Which of `names` (columns, keys) holds each field: the one `given` (--map), or
    the first name, in the order of FIELD_NAMES, that matches one of them whatever its
    case and spaces. A given name that is not among `names` raises SkipFile."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.strip().lower(), name)
    found = {}
    for field_, name in (given or {}).items():
        if name.strip().lower() not in by_lower:
            shown = ", ".join(repr(n) for n in names[:12])
            raise SkipFile(f"--map {field_}={name}: no such column (it has {shown})")
        found[field_] = by_lower[name.strip().lower()]
    for field_, candidates in FIELD_NAMES.items():
        if field_ in found:
            continue
        for candidate in candidates:
            if candidate in by_lower:
                found[field_] = by_lower[candidate]
                break
    return found


def from_fields(fields: Mapping[str, object], row: int = 0) -> Article:
    """An article from the recognised fields of a row or record (field -> value).
    Raises ValueError with the reason when there is no text. A date outside the years
    an article may have is kept in `date_written`, and the article is undated."""
    body = clean_body(_text(fields.get("text")).replace("\r\n", "\n").replace("\r", "\n"))
    if not body:
        raise ValueError("no text")
    title = " ".join(_text(fields.get("title")).split())
    url = _text(fields.get("url")).strip() or None
    names = fields.get("author")
    if isinstance(names, list):  # news-please's authors
        names = ", ".join(str(n) for n in names if n)
    author = " ".join(_text(names).split()) or None
    source = " ".join(_text(fields.get("source")).split()) or domain_of(url)
    raw_date = _text(fields.get("date")).strip()
    date, time, warning, beyond, numeric = dated(raw_date)
    warnings = [warning] if warning else []
    if time is None and date is not None and fields.get("time") is not None:
        time, warning = time_of(_text(fields.get("time")))
        warnings += [warning] if warning else []
    return Article(
        id=content_id(date, body),
        date=date,
        time=time,
        numeric_date=numeric,
        title=title or derive_title(body),
        body=body,
        source=source or None,
        url=url,
        author=author,
        title_derived=not title,
        warnings=warnings,
        row=row,
        date_written=raw_date if beyond else None,
        lang=lang_code(fields.get("lang")),
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def as_text(value: str) -> str:
    """A text that can be written out: a lone surrogate (JSON's "\\udc80", which
    encodes to no UTF-8) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def _text(value: object, depth: int = 0) -> str:
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, list):  # a text given as a list of paragraphs (not deeper)
        return "\n\n".join(_text(v, depth + 1) for v in value) if depth < 3 else ""
    return as_text(value if isinstance(value, str) else str(value))


def is_utf8(name: str) -> bool:
    """Whether a name the system gave (undecodable bytes as surrogates) is text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: str) -> str:
    """A path as text, its undecodable bytes as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
