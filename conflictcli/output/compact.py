"""Search results on a narrow terminal: two lines a result, so that ten of them fit a
24-line screen. The first line holds the number, the date, the id's first eight
characters (what `show`, `similar` and `open` take), the source and the title; the
second the snippet, cut to the width around the first of the query's words, which stay
marked. Every piece of text goes through safe() as in the full table.

Only a terminal gets it: into a pipe or a file results are the full table, as ever."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conflictcli.choices import Layout
from conflictcli.output.console import marked, safe

if TYPE_CHECKING:
    from rich.text import Text

    from conflictcli.records.search import Result, SearchResult

COMPACT_BELOW = 120  # columns: a narrower terminal gets two lines a result
ID_SHOWN = 8  # characters of an id: show takes a unique prefix of 4 or more
SOURCE_ROOM = 14  # at most, for the source's name
SOURCE_FROM = 60  # columns: a terminal narrower than this leaves the source out
LEAD = 24  # characters of the snippet kept before its first mark, when it must be cut
_FLAT = str.maketrans("\n\t\r\v\f", "     ")  # one line however the text runs


def wanted(layout: Layout, width: int) -> bool:
    """Whether results on a terminal `width` columns wide are drawn compact."""
    if layout is Layout.auto:
        return width < COMPACT_BELOW
    return layout is Layout.compact


def results(res: SearchResult, width: int) -> list[Text]:
    """The page of results as lines, two a result; partial matches (those holding only
    some of the terms) dim, after a line that says what they are."""
    from rich.text import Text

    lines: list[Text] = []
    indent = len(str(res.offset + len(res.results))) + 1
    sources = [_source(r) for r in res.results] if width >= SOURCE_FROM else []
    room = max((s.cell_len for s in sources), default=0)
    partial_started = False
    for n, r in enumerate(res.results, res.offset + 1):
        if r.partial and not partial_started:
            lines.append(_fitted(Text("partial matches, holding some of the terms:"), width))
            partial_started = True
        source = sources[n - res.offset - 1] if sources else None
        first = _head(n, r, width, indent, (source, room))
        second = _snippet(r, width - indent)
        second = Text(" " * indent) + second
        for line in (first, second):
            if r.partial:
                line.stylize("dim")
            lines.append(_fitted(line, width))
    return lines


def _source(r: Result) -> Text:
    from rich.text import Text

    source = Text(safe((r.source or "").translate(_FLAT)), style="dim")
    source.truncate(SOURCE_ROOM, overflow="ellipsis")
    return source


def _head(n: int, r: Result, width: int, indent: int, source: tuple[Text | None, int]) -> Text:
    """Number, date, id, source (padded to `source`'s room, so that the titles line
    up) and title, the title cut to what is left of the line (its '+N similar' kept)."""
    from rich.text import Text

    line = Text(f"{n:>{indent - 1}} ")
    line.append(r.date or "—".ljust(10))
    line.append(f" {r.id[:ID_SHOWN]}", style="cyan")
    name, room = source
    if name is not None and room:
        line.append(" ")
        line.append_text(name)
        line.pad_right(room - name.cell_len)
    line.append(" ")
    more = Text(f"  +{r.similar} similar", style="dim") if r.similar else Text()
    title = marked(r.title.translate(_FLAT), r.title_highlights)
    title.stylize("bold")
    title.truncate(max(1, width - line.cell_len - more.cell_len), overflow="ellipsis")
    return line + title + more


def _snippet(r: Result, room: int) -> Text:
    """The snippet on one line of `room` columns, its marks kept: when the first mark
    would fall past the end, the snippet starts a little before it instead."""
    text, spans = r.snippet.translate(_FLAT), sorted(r.highlights)
    if spans and spans[0][1] > room - 1 and len(text) > room:
        cut = max(0, spans[0][0] - LEAD)
        space = text.find(" ", cut, spans[0][0])  # a whole word first
        cut = space + 1 if space >= 0 else cut
        text = "…" + text[cut:]
        spans = [(s - cut + 1, e - cut + 1) for s, e in spans if s >= cut]
    line = marked(text, spans)
    line.truncate(max(1, room), overflow="ellipsis")
    return line


def _fitted(line: Text, width: int) -> Text:
    """One line of the terminal: never wrapped, cut with an ellipsis."""
    line.truncate(width, overflow="ellipsis")
    line.no_wrap, line.overflow = True, "ellipsis"
    return line
