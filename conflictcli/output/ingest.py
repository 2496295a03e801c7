"""The rendering of the commands that build and mend the archive: the progress bar of
ingest, reindex and export, what an ingest did, what rm removed, and what check found."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from conflictcli.choices import Format
from conflictcli.errors import ConflictError
from conflictcli.output import data
from conflictcli.output.console import emit, emit_json, error, safe, say, stderr

if TYPE_CHECKING:
    from conflictcli.records.upkeep import CheckReport, IngestSummary, RemoveSummary

WARNINGS_SHOWN = 20  # an ingest's warnings listed; --json gives them all
LISTED = 10  # ids and paths rm lists on stderr; --json gives them all


class IngestProgress:
    """A progress bar on stderr, shown only when stderr is a terminal (Rich is not
    even loaded otherwise)."""

    def __init__(self, enabled: bool, what: str = "ingesting") -> None:
        self._bar: Any = None
        self._task: Any = None
        self._what = what
        if not (enabled and sys.stderr.isatty()):
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr(),
            transient=True,
        )

    def __enter__(self) -> IngestProgress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self._what, total=total)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._what)

    def rows(self, name: str, rows: int, done: int, size: int) -> None:
        """A large file read a batch of rows at a time: the rows so far, and how far
        into the file they reach."""
        if self._bar is not None:
            share = f" ({done * 100 // size}% of the file)" if size > 0 else ""
            self._bar.update(
                self._task, description=f"ingesting {safe(name)}: {rows:,} rows{share}"
            )


def ingest_summary(s: IngestSummary, fmt: Format, quiet: bool = False) -> None:
    if fmt is Format.json:
        emit_json(data.with_schema(s))
    if s.nothing_read:
        _nothing_read(s)
    elif fmt is not Format.json:
        say((_summary_line(s), None))
    if fmt is Format.json:
        return
    for sk in s.skipped:
        say(("skipped ", "yellow"), (sk.path, None), (": " + sk.reason, None))
    if quiet:
        return
    for ig in s.ignored if not s.nothing_read else []:
        say((f"passed over {_files(ig.files, ig.what)}: {ig.reason}", "dim"))
    for w in s.warnings[:WARNINGS_SHOWN]:
        say(("warning ", "yellow"), (w, None))
    if len(s.warnings) > WARNINGS_SHOWN:
        more = len(s.warnings) - WARNINGS_SHOWN
        say((f"… {more} more warnings (see them all with --json)", None))


def _summary_line(s: IngestSummary) -> str:
    """`articles: 5 added, 0 updated, 0 removed, 12 unchanged — 17 in the archive; files:
    added 1, …`: the articles first, the files they came in after."""
    line = (
        f"articles: {s.articles_added:,} added, {s.articles_updated:,} updated, "
        f"{s.articles_removed:,} removed, {s.articles_unchanged:,} unchanged — "
        f"{s.articles:,} in the archive; files: added {s.added}, updated {s.updated}, "
        f"unchanged {s.unchanged}, removed {s.removed}, skipped {len(s.skipped)} "
        f"in {s.took_s:.1f} s"
    )
    if s.duplicates:
        texts = "1 text read was" if s.duplicates == 1 else f"{s.duplicates} texts read were"
        line += f" ({texts} already there: one article, one more place)"
    if s.messages_skipped:  # Telegram's: service messages, a photo with no text, ...
        kinds = sorted(s.messages_skipped.items(), key=lambda kv: (-kv[1], kv[0]))
        line += "; messages that are not articles: " + ", ".join(f"{n:,} {k}" for k, n in kinds)
    return line


def _files(n: int, what: str = "files") -> str:
    """`1 file ending in .csv`, `12 files ending in .csv`."""
    return f"{n} {what.replace('files', 'file').replace('folders', 'folder') if n == 1 else what}"


def _nothing_read(s: IngestSummary) -> None:
    seen = [f"{_files(len(s.skipped))} could not be read (listed below)"] if s.skipped else []
    seen += [f"{_files(ig.files, ig.what)}: {ig.reason}" for ig in s.ignored]
    what = "; ".join(seen) if seen else "no files at all"
    error(
        ConflictError(
            f"Nothing was ingested: {what}.",
            "Give folders of articles: .txt or .md files that start with a date line, "
            "CSV, JSON Lines or web pages (README: Input formats).",
        )
    )


# -- rm ---------------------------------------------------------------------------
def removal(s: RemoveSummary, fmt: Format) -> None:
    """What rm removed (or would): on stdout as JSON with --json, else on stderr, one
    line an article or a file (LISTED of each)."""
    if fmt is Format.json:
        emit_json(data.with_schema(s))
        return
    files = f"{len(s.paths):,} file{'' if len(s.paths) == 1 else 's'}"
    articles = f"{s.removed:,} article{'' if s.removed == 1 else 's'}"
    if s.dry_run:
        head = f"would remove {articles} and forget {files} (--dry-run: nothing was changed)"
        say((f"{head}; {s.articles:,} in the archive", None))
    else:
        say((f"removed {articles}, forgot {files} — {s.articles:,} in the archive", None))
    _listed("article", s.ids)
    _listed("file", s.paths)
    _listed("kept", s.kept, " (a file not named holds it too)")
    _listed("read again", s.read_again, " (by the next ingest: it holds other articles)")
    if s.regrouped:
        one = s.regrouped == 1
        what = f"{s.regrouped:,} article{'' if one else 's'} whose story's first article goes"
        done = ("would be" if s.dry_run else "was" if one else "were") + " put in a story again"
        say((f"  {what} {done}", None))
    if s.paths and not s.dry_run:
        say(("  a later 'conflict ingest' of these files brings their articles back", "dim"))
    for w in s.warnings:
        say(("warning ", "yellow"), (w, None))
    for u in s.not_found:
        say(("not found ", "yellow"), (u.ref, None), (": " + u.reason, None))


def _listed(label: str, items: list[str], why: str = "") -> None:
    for item in items[:LISTED]:
        say((f"  {label:<8} ", "dim"), (item, None), (why, "dim"))
    if len(items) > LISTED:
        say((f"  … and {len(items) - LISTED:,} more {label}s (--json lists them all)", "dim"))


# -- check ------------------------------------------------------------------------
def check_report(report: CheckReport, fmt: Format) -> None:
    if fmt is not Format.table:
        emit_json(data.check(report))
        return
    from rich.table import Table
    from rich.text import Text

    indexed = f"{report.indexed:,}" if report.indexed >= 0 else "cannot be read"
    head = Text(
        f"{report.articles:,} articles in the catalogue, {indexed} in the search index "
        f"(catalogue schema {report.catalogue_schema}, index layout {report.index_layout})"
    )
    if not report.problems:
        emit(head, Text("catalogue and index agree", style="green"))
        return
    table = Table(box=None, pad_edge=False)
    for name in ("problem", "count", "first of them", "repair" if report.repaired else "--repair"):
        table.add_column(name, overflow="fold")
    for p in report.problems:
        done = "done" if p.repaired else ("not done" if report.repaired else p.repair)
        table.add_row(p.kind, f"{p.count:,}", safe(", ".join(p.examples)), done)
    emit(head, table)
