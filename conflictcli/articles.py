"""The Article record: one article as the archive keeps it, whatever it was read from
(readers/ make them; readers/text.py reads the archive's own file format)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_ARTICLE_CHARS = 4_000_000  # a longer text is not an article (a dump, a book, junk)


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
    # the date as written when it is outside dates.FIRST_YEAR..LAST_YEAR (the article is
    # undated); not kept by the catalogue: a file's date line keeps it in the body
    date_written: str | None = None
    time: dt.time | None = None  # the time of day the source wrote beside the date, if any
    # a numeric date with the day and the month first (05.11.2024), as written, until its
    # file's dates are put in one order (dates.settle); never kept
    numeric_date: str | None = None
    lang: str | None = None  # its language (ISO 639-1: en, ru, uk, ar), detected at ingest
    # what a source says of a post beside its text (Telegram: forwarded_from, edited,
    # reply_to, views): short strings, kept by the catalogue, shown by show and in JSON
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []

    @property
    def words(self) -> int:
        return len(self.body.split())


def content_id(date: dt.date | None, body: str) -> str:
    """A stable id for a text: whitespace differences do not change it."""
    import hashlib  # loaded by what makes ids (ingest), not by every command

    canon = (date.isoformat() if date else "") + "\n" + " ".join(body.split())
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


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
