"""The Article record, and how the text of one file becomes one.

A file in the archive format starts with a header line ` date YYYY-MM-DD`, followed by
the body on the same line; paragraphs are separated by blank lines and there is no
title line. This module is tolerant of variations (`Date:`, `date 27 March 2024`, no
date at all), derives a title, and drops scraped noise lines (`Advertisment`, ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

# Lines that scrapers leave in and no reader wants: matched against a whole line.
NOISE_LINE = re.compile(
    r"""^(?:
        advert(?:is(?:e)?ment|isment|orial)s?
      | sponsored(?:\ content)?
      | read\ more(?:\ ?[:>].{0,80})?
      | read\ next(?:\ ?[:>].{0,80})?
      | continue\ reading
      | skip\ (?:advertisement|ad)
      | story\ continues\ below(?:\ advertisement)?
      | share\ this\ (?:article|story)
      | (?:share|tweet|print|email)
      | click\ here\ to\ (?:get|download|subscribe|sign\ up).{0,60}
      | sign\ up\ (?:to|for)\ our\ newsletter.{0,40}
    )[.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)

HEADER = re.compile(r"^\s*date\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
MONTHS = {
    m.lower()
    for m in [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
}
TITLE_MAX = 90
MAX_ARTICLE_CHARS = 4_000_000  # a longer text is not an article (a dump, a book, junk)
# The years an article's date may fall in. A day outside them (0001-01-01, 9999-12-31,
# 99999-01-01: a placeholder, a typo, a hostile file) is kept as written but the article
# is undated: date filters, timelines and stats never see it.
FIRST_YEAR, LAST_YEAR = 1800, 2200
YEARS = f"the years {FIRST_YEAR}–{LAST_YEAR}"


@dataclass
class Article:
    """One article as the archive keeps it. `id` is derived from the content, so the
    same text found at two paths is one article."""

    id: str
    date: dt.date | None
    title: str
    body: str
    source: str | None = None
    url: str | None = None
    author: str | None = None
    title_derived: bool = True
    paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    row: int = 0  # where in its file: 0 the whole file, n row n of a CSV, line n of JSONL
    cluster: str | None = None  # its story: the id of the story's first article
    # the date as written when it is outside FIRST_YEAR..LAST_YEAR (the article is then
    # undated); not kept by the catalogue: a file's date line keeps it in the body
    date_written: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []

    @property
    def words(self) -> int:
        return len(self.body.split())


def content_id(date: dt.date | None, body: str) -> str:
    """A stable id for a text: whitespace differences do not change it."""
    canon = (date.isoformat() if date else "") + "\n" + " ".join(body.split())
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


def _looks_like_date_end(token: str) -> bool:
    word = token.strip(",.").lower()
    return any(c.isdigit() for c in word) or word in MONTHS


def _read_date(tokens: list[str]) -> dt.date | None:
    if not _looks_like_date_end(tokens[-1]):
        return None
    return read_date(" ".join(tokens).strip(" ,"))


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# a day of a year past 9999, which no date type holds (99999-01-01)
_FAR_DAY = re.compile(r"[+-]?0*[1-9][0-9]{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])\b")
DATE_MAX_CHARS = 100  # a longer text is no date (dateutil reads it slowly, a character at a time)


def read_date(text: str) -> dt.date | None:
    """A date in any form python-dateutil reads (2022-08-01T16:23:25Z, 2022/06/23,
    June 23, 2022), as the day written: no time zone is applied. None without a year:
    not a date we can trust. Any year a date type holds (1 to 9999): `in_years` says
    whether the day may be an article's."""
    if len(text) > DATE_MAX_CHARS:
        return None
    if _ISO_DAY.match(text):  # the seed format's own: read as dateutil reads it, 50x faster
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None  # 2024-02-30: dateutil refuses it too
    from dateutil import parser as dateparser  # only when a date must be read

    try:
        when = dateparser.parse(text, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if when.year == 1900 and "1900" not in text:
        return None
    return when.date()


def in_years(day: dt.date) -> bool:
    """Whether a day may be an article's date (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def beyond_years(written: str, day: dt.date | None) -> bool:
    """Whether a date as written (read as `day`, or None) names a day outside
    FIRST_YEAR..LAST_YEAR: one that reads (0001-01-01, 9999-12-31), or one of a year
    past 9999 (99999-01-01)."""
    if day is not None:
        return not in_years(day)
    return bool(_FAR_DAY.match(written.strip()))


def day_of(written: str) -> tuple[dt.date | None, str | None, bool]:
    """The date of a field as written, the warning when it gives none (no date, one
    that does not read, a day outside the years), and whether it was outside them."""
    written = written.strip()
    if not written:
        return None, "no date: indexed with an unknown date", False
    day = read_date(written)
    if day is not None and in_years(day):
        return day, None, False
    shown = repr(written[:40])
    if beyond_years(written, day):
        why = f"unreadable date {shown} (outside {YEARS}): indexed with an unknown date"
        return None, why, True
    return None, f"unreadable date {shown}: indexed with an unknown date", False


def _parse_date_prefix(rest: str) -> tuple[dt.date | None, str, str | None, str]:
    """Split `27 March 2024 Body text...` into (date, body, problem, date as written).

    The date may take one to five words; the longest run of words that dateutil reads
    wins. When nothing reads, a leading date-looking word is dropped and reported."""
    tokens = rest.split(" ", 5)  # the date is in the first five words
    found: tuple[dt.date, int] | None = None
    for k in range(min(5, len(tokens)), 0, -1):
        when = _read_date(tokens[:k])
        # The longest reading wins, then the fewest words giving that same day, so
        # that `2024-03-27 12 drones` keeps "12" in the body.
        if when and (found is None or when == found[0]):
            found = (when, k)
    if found:
        written = " ".join(tokens[: found[1]])
        return found[0], " ".join(tokens[found[1] :]).lstrip(), None, written
    first = tokens[0] if tokens else ""
    if first and any(c.isdigit() for c in first):
        return None, " ".join(tokens[1:]).lstrip(), f"unreadable date {first[:40]!r}", first
    return None, rest, "date line without a date", ""


def _header(text: str) -> tuple[dt.date | None, str, str | None, str]:
    """(date, remaining text, problem, the date as written) for a file's full text."""
    first, _, remainder = text.partition("\n")
    m = HEADER.match(first)
    if not m:
        return None, text, "no date line", ""
    date, first_body, problem, written = _parse_date_prefix(m.group("rest").strip())
    if not first_body:
        return date, remainder, problem, written
    return date, first_body + "\n" + remainder, problem, written


def split_header(text: str) -> tuple[dt.date | None, str, str | None]:
    """Return (date, remaining text, problem) for a file's full text."""
    date, rest, problem, _ = _header(text)
    return date, rest, problem


def clean_body(text: str) -> str:
    """Paragraphs separated by one blank line, noise lines dropped, line ends trimmed."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [ln.rstrip() for ln in block.split("\n")]
        kept = [ln for ln in lines if ln.strip() and not NOISE_LINE.match(ln.strip())]
        if kept:
            paragraphs.append("\n".join(kept).strip("\n"))
    return "\n\n".join(p.lstrip() if i == 0 else p for i, p in enumerate(paragraphs))


SENTENCE_END = re.compile(r"(?<=[a-z0-9\)\"'”’])[.!?](?=[\"'”’]?\s+[A-Z\"“‘(]|$)")


def derive_title(body: str) -> str:
    """The first sentence of the first paragraph, cut at a word near TITLE_MAX."""
    first = body.split("\n\n", 1)[0].split("\n", 1)[0].strip()
    m = SENTENCE_END.search(first)
    sentence = first[: m.start() + 1] if m else first
    sentence = " ".join(sentence.split())
    if len(sentence) <= TITLE_MAX:
        return sentence.rstrip(".")
    cut = sentence[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


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


def outlet_key(source: str | None) -> str:
    """How an outlet is matched by --source: case and spacing do not count."""
    return " ".join((source or "").split()).casefold()


def domain_of(url: str | None) -> str | None:
    """The outlet a url names: its host without www. (www.bbc.co.uk -> bbc.co.uk)."""
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def parse_article(
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    date: dt.date | None = None,
    author: str | None = None,
) -> Article:
    """Turn a file's text into an Article. Keyword arguments are metadata known from
    elsewhere (a sidecar file): a title given is used as is, a date only when the
    text has none."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    found, rest, problem, written = _header(text)
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
    derived = not title
    return Article(
        id=content_id(when, body),
        date=when,
        title=title or derive_title(body),
        body=body,
        source=source,
        url=url,
        author=author,
        title_derived=derived,
        warnings=warnings,
        date_written=written if beyond else None,
    )
