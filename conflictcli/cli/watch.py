"""The watch commands: saved searches that show what is new since they last ran."""

from __future__ import annotations

from typing import Annotated

import typer

from conflictcli.choices import Color, Format
from conflictcli.cli import completion
from conflictcli.cli.group import rendering, subcommands
from conflictcli.cli.options import (
    ColorOpt,
    CompactOpt,
    CsvOpt,
    ExcelCsvOpt,
    IndexOpt,
    JsonlOpt,
    JsonOpt,
    QuietOpt,
    WideOpt,
    filtered,
    layout,
    open_archive,
    output_format,
)
from conflictcli.errors import NotFound
from conflictcli.filters import Filters

watch_app = subcommands("watch", "Saved searches that show what is new since they last ran.")


@watch_app.command("add")
@filtered()
def watch_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for the watch.")],
    query: Annotated[str, typer.Argument(metavar="QUERY", help="As for search.")],
    filters: Filters = Filters(),
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Save a search as a watch. What it finds now counts as seen: its first run shows
    the articles ingested after this. Stored in the archive, so it moves with it.

    Example: conflict watch add kherson "Kherson bridge" --source Reuters
    """
    filters.request()  # its dates are read before the archive opens, as every search's
    open_archive(index).watch_add(name, filters)
    rendering().note(
        f"watching {query!r} as {name!r}; 'conflict watch run {name}' shows what is new"
    )


@watch_app.command("list")
def watch_list(
    json: JsonOpt = False,
    quiet: QuietOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """List the watches: name, query, filters, when each last ran."""
    rendering().watches(open_archive(index).watches(), output_format(json))


@watch_app.command("rm")
def watch_rm(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The watch to remove.", autocompletion=completion.watch
        ),
    ],
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Remove a watch, and its record of what it has shown."""
    open_archive(index).watch_rm(name)


@watch_app.command("run")
def watch_run(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]",
            help="One watch (default: every one).",
            autocompletion=completion.watch,
        ),
    ] = None,
    peek: Annotated[
        bool, typer.Option("--peek", help="Show what is new without marking it seen.")
    ] = False,
    json: JsonOpt = False,
    jsonl: JsonlOpt = False,
    csv: CsvOpt = False,
    excel: ExcelCsvOpt = False,
    quiet: QuietOpt = False,
    wide: WideOpt = False,
    compact: CompactOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Show the articles each watch finds that it has not shown before (those ingested
    since it last ran), then mark them seen. Into a pipe or a file it prints JSON Lines,
    one article a line with the 'watch' it belongs to: fit for cron and jq.

    Example: conflict watch run kherson --peek
    """
    fmt, shown = output_format(json, jsonl, csv, excel), layout(wide, compact)
    out = rendering()
    if fmt is Format.table and not out.stdout_is_terminal():
        fmt = Format.jsonl
    archive = open_archive(index)
    watches = archive.watches()
    if name is not None:
        watches = [w for w in watches if w.name == name]
        if not watches:
            raise NotFound(f"No watch named {name!r}.", "'conflict watch list' lists them.")
    # a note a watch has shown is not shown again; one that --quiet kept back is not shown
    ran = [(w.name, archive.watch_run(w, peek, notes_shown=not quiet)) for w in watches]
    out.watch_runs(ran, fmt, shown)
