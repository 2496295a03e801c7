"""conflict open: an article's address in the web browser, or its file where it has
none. Python's webbrowser does the opening, so BROWSER is honoured, and a file goes the
same way as a file:// address.

An article's url comes from outside (a CSV column, a post's metadata): only an http or
https address with a host is ever handed on. javascript:, data:, file: and the like
are refused, as is an address holding spaces or control characters."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conflictcli.errors import NotOpened

if TYPE_CHECKING:
    from conflictcli.articles import Article

WEB = ("http", "https")
_UNFIT = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def address(a: Article) -> str:
    """What `open` hands the browser: the article's web address, or its file as a
    file:// address when it has no url."""
    if a.url and a.url.strip():
        return web_address(a.url.strip(), a.id)
    for p in a.paths:
        path = Path(p)
        if path.is_file():
            return path.resolve().as_uri()
    raise NotOpened(
        f"Article {a.id[:8]} has no url, and its file is gone: {', '.join(a.paths) or 'none'}.",
        f"Read it with 'conflict show {a.id[:8]}'.",
    )


def web_address(url: str, article: str) -> str:
    """`url` if it is a web page's address; else NotOpened, whatever the url says."""
    parts = urlsplit(url) if not _UNFIT.search(url) else None
    if parts is None or parts.scheme.lower() not in WEB or not parts.hostname:
        shown = url if len(url) <= 60 else url[:59] + "…"
        raise NotOpened(
            f"Article {article[:8]}'s url is not a web address (http or https): {shown!r}; "
            "it is not opened.",
            f"Read the article with 'conflict show {article[:8]}'.",
        )
    return url


def open_address(where: str) -> None:
    """`where` in the user's browser (BROWSER if set, else the system's)."""
    import webbrowser

    try:
        opened = webbrowser.open(where)
    except webbrowser.Error:
        opened = False
    if not opened:
        raise NotOpened(
            "No web browser could be started.",
            f"Set BROWSER to one (BROWSER=firefox), or open it yourself: {where}",
        )
