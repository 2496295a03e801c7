"""The archive's own format: ` date YYYY-MM-DD <body>`, paragraphs split by blank lines."""

from __future__ import annotations

from pathlib import Path

from conflictcli.articles import Article, parse_article
from conflictcli.readers.base import Problems, SkipFile, decode
from conflictcli.readers.sidecar import Sidecars


def read(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data)
    if not text.strip():
        raise SkipFile("empty file")
    meta = sidecars.lookup(path)
    article = parse_article(text, **meta)
    if not article.body:
        raise SkipFile("no article text after the date line")
    return [article]
