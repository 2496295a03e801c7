"""What every reader shares: text out of bytes in any encoding, and an article out of
the fields a row or a record carries."""

from __future__ import annotations

import codecs
from collections.abc import Mapping

from conflictcli.articles import (
    Article,
    clean_body,
    content_id,
    day_of,
    derive_title,
    domain_of,
)


class SkipFile(Exception):
    """This file cannot be read as articles; the message says why. The batch goes on."""


Problems = list[tuple[int, str]]  # (row or line, why it gave no article): the rest goes on

_BOMS = [  # longest first: a UTF-32 LE mark starts like a UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


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
}


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
    date, warning, beyond = day_of(raw_date)
    warnings = [warning] if warning else []
    return Article(
        id=content_id(date, body),
        date=date,
        title=title or derive_title(body),
        body=body,
        source=source or None,
        url=url,
        author=author,
        title_derived=not title,
        warnings=warnings,
        row=row,
        date_written=raw_date if beyond else None,
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # a text given as a list of paragraphs
        return "\n\n".join(_text(v) for v in value)
    return str(value)
