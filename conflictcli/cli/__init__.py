"""The `conflict` command line: commands and options only; each hands off to the core
(archive, ingest, check) and to output for rendering. Errors become messages and exit
codes in one place, group.ConflictGroup.

- group.py    the app and ConflictGroup
- options.py  the options several commands take, declared once; Filters from options
- archive.py  ingest, reindex, rm, check, copy, stats, show, open
- completion.py  what the shell offers at a Tab (sources, places, watches, ids)
- search.py   search (one query or a file of them), export
- analyst.py  count, timeline, places, sources, dupes, similar
- watch.py    watch add, list, rm, run
- serve.py    serve (the reading room: conflictcli/web)
- config.py   config, where (the settings, and where conflict keeps things)
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Annotated

import typer

from conflictcli import __version__
from conflictcli.cli import analyst, archive, completion, config, search, serve
from conflictcli.cli.group import app
from conflictcli.cli.watch import watch_app
from conflictcli.errors import ExitCode

__all__ = ["app", "main"]

# in the order `conflict --help` lists them
COMMANDS = (
    archive.ingest,
    archive.reindex,
    archive.rm,
    search.search,
    archive.show,
    archive.open_article,
    analyst.dupes,
    archive.stats,
    archive.check,
    archive.copy,
    analyst.sources,
    analyst.count,
    analyst.timeline,
    analyst.similar,
    search.export,
    analyst.places,
    serve.serve,
    config.config,
    config.where,
    completion.completion_script,
)
# the commands whose function is named otherwise (open is Python's)
NAMED: dict[Callable[..., None], str] = {
    archive.open_article: "open",
    completion.completion_script: "completion",
}
for _command in COMMANDS:
    app.command(NAMED.get(_command))(_command)
app.add_typer(watch_app)


def _version(value: bool) -> None:
    if value:
        print(f"conflict {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Archive and search news about armed conflicts."""


def main() -> None:
    kept = app.registered_commands[:], app.registered_groups[:]
    _only_the_command_run(sys.argv[1:2])
    try:
        app(prog_name="conflict")
    except Exception:  # only with CONFLICT_DEBUG=1 does ConflictGroup let a bug through
        traceback.print_exc()
        sys.exit(ExitCode.BUG)
    finally:
        app.registered_commands[:], app.registered_groups[:] = kept


def _only_the_command_run(first: list[str]) -> None:
    """Typer turns every command's signature into Click's on each run, about 20 ms for
    all of them: when the first argument names a command, only that one is built. Any
    other start (none, --help, --version, a typo) keeps them all, so the usage and its
    suggestions list every command."""
    from typer.main import get_command_name

    if not first or first[0].startswith("-"):
        return
    name = first[0]
    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name
    ]
    groups = [
        g for g in app.registered_groups if g.typer_instance and g.typer_instance.info.name == name
    ]
    if commands or groups:
        app.registered_commands[:], app.registered_groups[:] = commands, groups
