"""The archive's own format: a first line ` date YYYY-MM-DD` followed by the body on the
same line; paragraphs separated by blank lines; no title line. Variations are read too
(`Date:`, `date 27 March 2024`, no date at all), and `title:`, `source:`, `url:` and
`author:` lines right after the date line are fields, not body."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple

from conflictcli.articles import Article, content_id, domain_of
from conflictcli.dates import MONTHS, YEARS, When, beyond_years, order_of, read_when, time_in
from conflictcli.readers.base import Problems, SkipFile, decode
from conflictcli.readers.body import clean_body, derive_title
from conflictcli.readers.sidecar import Sidecars

HEADER = re.compile(r"^\s*date\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)


def read(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data)
    if not text.strip():
        raise SkipFile("empty file")
    meta = sidecars.lookup(path)
    article = parse_article(text, **meta)
    if not article.body:
        raise SkipFile("no article text after the date line")
    return [article]


def _looks_like_date_end(token: str) -> bool:
    word = token.strip(",.").lower()
    return any(c.isdigit() for c in word) or word in MONTHS


def _read_date(tokens: list[str], words: bool) -> When | None:
    if not _looks_like_date_end(tokens[-1]):
        return None
    return read_when(" ".join(tokens).strip(" ,"), words=words)


class _Header(NamedTuple):
    """What a file's date line gives: the date, its time of day, the text after it, the
    problem with it, and the date as written."""

    date: dt.date | None
    time: dt.time | None
    rest: str
    problem: str | None
    written: str


_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?,?\Z")


def _parse_date_prefix(rest: str) -> _Header:
    """Split `27 March 2024 Body text...` into the date, its time (`2024-11-21 14:35`),
    the body, the problem and the date as written.

    The date may take one to five words; the longest run of words that dateutil reads
    wins (dateparser is asked only when dateutil reads none: `21 ноября 2024`). A time
    of day right after the date is its time. When nothing reads, a leading date-looking
    word is dropped and reported."""
    tokens = rest.split(" ", 5)  # the date is in the first five words
    found: tuple[When, int] | None = None
    for words in (False, True):
        for k in range(min(5, len(tokens)), 0, -1):
            when = _read_date(tokens[:k], words)
            # The longest reading wins, then the fewest words giving that same day, so
            # that `2024-03-27 12 drones` keeps "12" in the body.
            if when and (found is None or when.day == found[0].day):
                found = (when, k)
        if found:
            break
    if found:
        when, k = found
        time = when.time
        if k < len(tokens) and _CLOCK.match(tokens[k]):  # date 05.11.2024 14:35 Body
            time = time_in(tokens[k].rstrip(",")) or time
            k += 1
        written = " ".join(tokens[: found[1]])
        return _Header(when.day, time, " ".join(tokens[k:]).lstrip(), None, written)
    first = tokens[0] if tokens else ""
    if first and any(c.isdigit() for c in first):
        body = " ".join(tokens[1:]).lstrip()
        return _Header(None, None, body, f"unreadable date {first[:40]!r}", first)
    return _Header(None, None, rest, "date line without a date", "")


def _header(text: str) -> _Header:
    """The date line of a file's full text, and the text after it."""
    first, _, remainder = text.partition("\n")
    m = HEADER.match(first)
    if not m:
        return _Header(None, None, text, "no date line", "")
    got = _parse_date_prefix(m.group("rest").strip())
    if not got.rest:
        return got._replace(rest=remainder)
    return got._replace(rest=got.rest + "\n" + remainder)


def split_header(text: str) -> tuple[dt.date | None, str, str | None]:
    """Return (date, remaining text, problem) for a file's full text."""
    got = _header(text)
    return got.date, got.rest, got.problem


FIELD_LINE = re.compile(r"^(title|source|url|author)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)


def _field_lines(rest: str) -> tuple[dict[str, str], str]:
    """`title:`, `source:`, `url:` and `author:` lines right after the date line: fields,
    not body."""
    fields: dict[str, str] = {}
    lines = rest.split("\n")
    n = 0
    while n < len(lines) and not lines[n].strip():
        n += 1  # blank lines after the date line
    while n < len(lines):
        m = FIELD_LINE.match(lines[n])
        if not m or m.group(1).lower() in fields:
            break
        fields[m.group(1).lower()] = m.group(2)
        n += 1
    return (fields, "\n".join(lines[n:])) if fields else ({}, rest)


def parse_article(
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    date: dt.date | None = None,
    author: str | None = None,
    time: dt.time | None = None,
) -> Article:
    """Turn a file's text into an Article. Keyword arguments are metadata known from
    elsewhere (a sidecar file): a title given is used as is, a date (and its time) only
    when the text has none."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    found, clock, rest, problem, written = _header(text)
    fields, rest = _field_lines(rest)
    title = title or fields.get("title")
    source = source or fields.get("source")
    url = url or fields.get("url")
    author = author or fields.get("author")
    source = source or domain_of(url)
    beyond = beyond_years(written, found)
    if beyond:  # kept as written, as the start of its text; the article is undated
        found = None
        rest = f"{written} {rest.lstrip()}" if rest.strip() else rest
        problem = f"unreadable date {written[:40]!r} (outside {YEARS}), kept in the text as written"
    body = clean_body(rest)
    warnings = []
    if found is None and date is None:
        warnings.append(f"{problem or 'no date'}: indexed with an unknown date")
    elif beyond:
        warnings.append(f"{problem}; dated by its metadata file instead")
    when = found or date
    if found is None or (found == date and clock is None):
        clock = time  # the metadata file's, for its own date
    derived = not title
    return Article(
        id=content_id(when, body),
        date=when,
        time=clock,
        title=title or derive_title(body),
        body=body,
        source=source,
        url=url,
        author=author,
        title_derived=derived,
        warnings=warnings,
        date_written=written if beyond else None,
        numeric_date=written if found and order_of(written) else None,
    )
