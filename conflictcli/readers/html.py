"""Saved web pages (.html, .htm): the article's main text without navigation, ads and
footers, with its title, date and site from the page's metadata, as trafilatura (the
field's standard main-text extractor) finds them. Loaded only when a page is read."""

from __future__ import annotations

import logging
from pathlib import Path

from conflictcli.articles import Article
from conflictcli.readers import telegram_html
from conflictcli.readers.base import Problems, SkipFile, decode, from_fields
from conflictcli.readers.sidecar import Sidecars

# the date a page's metadata gives, from 1900 (htmldate's own floor is 1995: a saved
# page of 1994 lost its date); a date guessed from the text keeps htmldate's defaults,
# where a year in a sentence is more often history than the day of the article. The
# metadata's time of day is asked for too (midnight when it gives none: no time, dates.When)
DATE_PARAMS = {
    "original_date": True,
    "extensive_search": False,
    "min_date": "1900-01-01",
    "outputformat": "%Y-%m-%dT%H:%M:%S",
}


def read(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    page = decode(data)
    if not page.strip():
        raise SkipFile("empty file")
    if telegram_html.is_export(page):  # a page of Telegram Desktop's export: its messages
        return telegram_html.read(page, problems)
    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # its notes are not ours to show
    doc = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=DATE_PARAMS,
    )
    found = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    if not found.get("date"):  # none in the page's metadata: its text and markup, as usual
        from htmldate import find_date

        found["date"] = find_date(page, original_date=True, extensive_search=True) or ""
    title = " ".join(str(found.get("title") or "").split())
    lines = [line.strip() for line in str(found.get("text") or "").split("\n") if line.strip()]
    if lines and title and lines[0] == title:  # the headline, repeated as the first line
        lines = lines[1:]
    if not lines:
        raise SkipFile("no article text found in the page")
    fields = {
        "text": "\n\n".join(lines),
        "title": title,
        "date": found.get("date") or "",
        "url": found.get("url") or "",
        "source": found.get("sitename") or found.get("hostname") or "",
        "author": found.get("author") or "",
    }
    meta = sidecars.lookup(path)
    fields.update({k: v for k, v in meta.items() if k in ("title", "source", "url")})
    article = from_fields(fields)
    if article.date is None and "date" in meta:
        article = from_fields({**fields, "date": meta["date"].isoformat()})
    return [article]
