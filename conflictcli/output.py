"""Every rendering: Rich tables for people, JSON, JSON Lines and CSV for scripts.

Data goes to stdout; messages, warnings and progress go to stderr. Machine formats do
not change with the terminal; human ones may.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from enum import Enum
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from conflictcli.archive import Result, SearchResult, Stats
from conflictcli.articles import Article
from conflictcli.errors import ConflictError
from conflictcli.ingest import IngestSummary

JSON_SCHEMA_VERSION = 1
MARK = "bold black on yellow"
RESULT_FIELDS = ["id", "date", "title", "source", "url", "path", "score", "snippet"]


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    # soft_wrap: a message is one line however narrow the terminal or pipe, so it greps
    return Console(stderr=True, highlight=False, soft_wrap=True)


# -- messages ---------------------------------------------------------------------
def error(e: ConflictError) -> None:
    msg = Text("Error: ", style="bold red")
    msg.append(e.message)
    if e.hint:
        msg.append(" " + e.hint)
    stderr().print(msg)


def note(message: str) -> None:
    stderr().print(Text(message, style="dim"))


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


# -- ingest -----------------------------------------------------------------------
class IngestProgress:
    """A progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        console = stderr()
        self._bar = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not (enabled and console.is_terminal),
        )
        self._task: Any = None

    def __enter__(self) -> IngestProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def start(self, total: int) -> None:
        self._task = self._bar.add_task("ingest", total=total)

    def advance(self) -> None:
        self._bar.advance(self._task)


def ingest_summary(s: IngestSummary, fmt: Format, quiet: bool = False) -> None:
    if fmt is Format.json:
        _emit_json({"schema": JSON_SCHEMA_VERSION, **dataclasses.asdict(s)})
        return
    err = stderr()
    line = (
        f"added {s.added}, updated {s.updated}, unchanged {s.unchanged}, "
        f"removed {s.removed}, skipped {len(s.skipped)} in {s.took_s:.1f} s"
        f" — {s.articles} articles in the archive"
    )
    if s.duplicates:
        line += f" ({s.duplicates} added files repeat a text already there)"
    err.print(line, markup=False)
    for sk in s.skipped:
        err.print(Text.assemble(("skipped ", "yellow"), sk.path, ": ", sk.reason))
    if quiet:
        return
    for w in s.warnings[:20]:
        err.print(Text.assemble(("warning ", "yellow"), w))
    if len(s.warnings) > 20:
        err.print(
            f"… {len(s.warnings) - 20} more warnings (see them all with --json)", markup=False
        )


# -- search -----------------------------------------------------------------------
def result_record(r: Result) -> dict[str, Any]:
    rec = {k: getattr(r, k) for k in RESULT_FIELDS}
    rec["highlights"] = [list(span) for span in r.highlights]
    if r.partial:
        rec["partial"] = True
    return rec


def search_results(res: SearchResult, fmt: Format) -> None:
    if fmt is Format.json:
        _emit_json(
            {
                "schema": JSON_SCHEMA_VERSION,
                "query": res.query,
                "total": res.total,
                "offset": res.offset,
                "limit": res.limit,
                "took_ms": res.took_ms,
                "results": [result_record(r) for r in res.results],
            }
        )
    elif fmt is Format.jsonl:
        for r in res.results:
            sys.stdout.write(json.dumps(result_record(r), ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([*RESULT_FIELDS, "partial"])
        for r in res.results:
            w.writerow(
                [getattr(r, k) if getattr(r, k) is not None else "" for k in RESULT_FIELDS]
                + ["true" if r.partial else "false"]
            )
    else:
        _search_table(res)
    _search_notes(res, fmt)


def marked(text: str, spans: list[tuple[int, int]]) -> Text:
    t = Text(text)
    for start, end in spans:
        t.stylize(MARK, start, end)
    return t


def _search_table(res: SearchResult) -> None:
    if not res.results:
        return
    with_source = any(r.source for r in res.results)
    table = Table(expand=True, box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True, width=10)
    table.add_column("id", no_wrap=True, width=8)
    if with_source:
        table.add_column("source", ratio=1, overflow="ellipsis", no_wrap=True, max_width=16)
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3, overflow="fold")
    partial_started = False
    for n, r in enumerate(res.results, res.offset + 1):
        if r.partial and not partial_started:
            table.add_section()
            partial_started = True
        cells: list[str | Text] = [str(n), r.date or "—", r.id[:8]]
        if with_source:
            cells.append(Text(r.source or ""))
        title = marked(r.title, r.title_highlights)
        title.stylize("bold")
        cells += [title, marked(r.snippet, r.highlights)]
        table.add_row(*cells, style="dim" if r.partial else None)
    stdout().print(table)


def _search_notes(res: SearchResult, fmt: Format) -> None:
    if not res.results:
        if fmt is Format.table:
            note(f"No articles match {res.query!r}. Try fewer words, --any, or a wider date range.")
        return
    partial = sum(r.partial for r in res.results)
    full = len(res.results) - partial
    if fmt is not Format.table:
        if partial:
            note(
                f"{partial} partial matches (holding some of the terms) follow the {res.total} full ones."
            )
        return
    first, last = res.offset + 1, res.offset + len(res.results)
    if partial:
        shown = f"{first}–{res.offset + full} of {res.total}" if full else f"0 of {res.total}"
        note(
            f"showing {shown}, then {partial} partial matches holding some of the terms "
            f"({res.took_ms:.0f} ms)"
        )
    else:
        note(f"showing {first}–{last} of {res.total} ({res.took_ms:.0f} ms)")


# -- show -------------------------------------------------------------------------
def article_record(a: Article) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA_VERSION,
        "id": a.id,
        "date": a.date.isoformat() if a.date else None,
        "title": a.title,
        "source": a.source,
        "url": a.url,
        "path": a.paths[0] if a.paths else None,
        "score": None,
        "snippet": " ".join(a.body.split())[:220],
        "paths": a.paths,
        "words": a.words,
        "body": a.body,
    }


def article(a: Article, fmt: Format, spans: list[tuple[int, int]]) -> None:
    if fmt is not Format.table:
        _emit_json(article_record(a))
        return
    out = stdout()
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim", no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row("date", a.date.isoformat() if a.date else "unknown")
    if a.source:
        head.add_row("source", Text(a.source))
    if a.url:
        head.add_row("url", Text(a.url))
    for p in a.paths:
        head.add_row("path", Text(p))
    head.add_row("id", a.id)
    head.add_row("words", str(a.words))
    out.print(Text(a.title, style="bold"))
    out.print(head)
    out.print()
    out.print(Group(*_paragraphs(a.body, spans)))


def _paragraphs(body: str, spans: list[tuple[int, int]]) -> list[Text]:
    parts, start = [], 0
    for para in body.split("\n\n"):
        end = start + len(para)
        local = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        parts += [marked(para, local), Text()]
        start = end + 2
    return parts[:-1]


# -- stats ------------------------------------------------------------------------
def stats(s: Stats, fmt: Format) -> None:
    if fmt is not Format.table:
        _emit_json({"schema": JSON_SCHEMA_VERSION, **dataclasses.asdict(s)})
        return
    out = stdout()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("articles", f"{s.articles:,}")
    grid.add_row("dates", f"{s.first_date or '—'} … {s.last_date or '—'}")
    grid.add_row("undated", f"{s.undated:,}")
    grid.add_row("index size", _size(s.index_bytes))
    grid.add_row("last ingest", s.last_ingest or "never")
    grid.add_row("location", Text(s.location))
    out.print(grid)
    if s.by_month:
        out.print()
        out.print(_month_bars(s.by_month, out.width))


def _month_bars(by_month: dict[str, int], width: int) -> Table:
    top = max(by_month.values())
    room = max(10, width - 20)
    bars = Table.grid(padding=(0, 1))
    bars.add_column(style="dim", no_wrap=True)
    bars.add_column(justify="right", no_wrap=True)
    bars.add_column(no_wrap=True)
    for month, n in by_month.items():
        bars.add_row(month, str(n), Text("█" * max(1, round(n / top * room)), style="cyan"))
    return bars


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
