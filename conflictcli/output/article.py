"""The rendering of one article (show): its header, the other articles of its story,
and its whole text with the query's words marked."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from conflictcli.choices import Format
from conflictcli.output import console, data
from conflictcli.output.console import MARK_SGR, colored_pipe, emit_json, marked, safe
from conflictcli.output.pager import emit_paged

if TYPE_CHECKING:
    from rich.text import Text

    from conflictcli.articles import Article
    from conflictcli.records.holdings import Member

SHOW_SIMILAR = 10  # the other articles of a story that `show` lists
# how show's header names what a source says of a post beside its text (Article.meta)
META_LABELS = {"forwarded_from": "forwarded from", "reply_to": "reply to", "message_id": "message"}


def article(
    a: Article,
    fmt: Format,
    spans: list[tuple[int, int]],
    story: list[Member],
    pager: bool = True,
) -> None:
    """One article; on a terminal, through the pager (`pager`, output/pager.py) when it
    is longer than the screen."""
    if fmt is not Format.table:
        emit_json(data.article(a, story))
        return
    if not console.stdout_is_terminal():
        _plain_article(a, spans, story)
        return
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim", no_wrap=True)
    head.add_column(overflow="fold")
    for label, value in _header(a, story):
        head.add_row(label, Text(safe(value)))
    above = [Text(safe(line), style="dim") for line in _above(a)]
    title = Text(safe(a.title), style="bold")
    emit_paged([*above, title, head, Text(), Group(*_paragraphs(a.body, spans))], pager)


def _header(a: Article, story: list[Member]) -> list[tuple[str, str]]:
    rows = [("date", _date(a))]
    rows += [("source", a.source)] if a.source else []
    rows += [("author", a.author)] if a.author else []
    rows += [("url", a.url)] if a.url else []
    rows += [(META_LABELS.get(k, k.replace("_", " ")), v) for k, v in a.meta.items()]
    rows += [("lang", a.lang)] if a.lang else []
    rows += [("path", p) for p in a.paths]
    rows += [("id", a.id), ("words", str(a.words))]
    rows += [("similar", _member(m)) for m in story[:SHOW_SIMILAR]]
    if len(story) > SHOW_SIMILAR:
        rows.append(("similar", f"… {len(story) - SHOW_SIMILAR} more (show --json lists all)"))
    return rows


def _above(a: Article) -> list[str]:
    """What stands above a post's title, as Telegram shows it: whom it was forwarded from
    (the header names it too)."""
    forwarded = a.meta.get("forwarded_from")
    return [f"forwarded from {forwarded}"] if forwarded else []


def _date(a: Article) -> str:
    """The day, and the time of day when the source gave one (2024-11-21 14:35)."""
    if a.date is None:
        return "unknown"
    if a.time is None:
        return a.date.isoformat()
    return f"{a.date.isoformat()} {a.time.isoformat('seconds' if a.time.second else 'minutes')}"


def _member(m: Member) -> str:
    return "  ".join(part for part in (m.id[:8], m.date or "undated", m.source, m.title) if part)


def _plain_article(a: Article, spans: list[tuple[int, int]], story: list[Member]) -> None:
    """Into a pipe or a file: the header, then the body exactly as stored (control
    characters escaped), never wrapped or padded; marks only with --color always."""
    out = [safe(line) for line in _above(a)] + [safe(a.title)]
    out += [f"{label:<7} {safe(value)}" for label, value in _header(a, story)]
    body, at = [], 0
    if colored_pipe():
        for start, end in sorted(spans):
            if start >= at:
                body += [
                    safe(a.body[at:start]),
                    MARK_SGR[0],
                    safe(a.body[start:end]),
                    MARK_SGR[1],
                ]
                at = end
    body.append(safe(a.body[at:]))
    sys.stdout.write("\n".join(out) + "\n\n" + "".join(body) + "\n")


def _paragraphs(body: str, spans: list[tuple[int, int]]) -> list[Text]:
    from rich.text import Text

    parts, start = [], 0
    for para in body.split("\n\n"):
        end = start + len(para)
        local = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        parts += [marked(para, local), Text()]
        start = end + 2
    return parts[:-1]
