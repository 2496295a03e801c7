"""Shell completion: `conflict completion SHELL` (the script to load), and what the
shell offers at a Tab (Typer's `autocompletion=` callbacks): outlets for --source,
places for --place, watch names, and the ids of the last search. The archive is the one
--index names on the line typed so far, or CONFLICT_INDEX, or the default.

Each callback loads what it needs only when called (never for `conflict --help`), and
never fails: whatever goes wrong, it offers nothing rather than print a traceback into
the line being typed (completing.py says why each answer is quick)."""

# no `from __future__ import annotations`: Typer reads each callback's signature as
# every command is built, for `conflict --help` too, and types it need not evaluate
# from text make that three times quicker
import warnings
from collections.abc import Callable
from typing import Annotated, Any

import typer

from conflictcli.choices import Shell

PROG = "conflict"
COMPLETE_VAR = "_CONFLICT_COMPLETE"  # what the scripts set to ask for completions


def completion_script(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the completion script of a shell: commands, options, sources, places,
    watch names and the last search's ids at a Tab.

    bash: eval "$(conflict completion bash)" in ~/.bashrc. zsh: the same with zsh, in
    ~/.zshrc after compinit. fish: conflict completion fish >
    ~/.config/fish/completions/conflict.fish. (conflict --install-completion does it
    for the shell it runs in.)

    Example: conflict completion bash >> ~/.bashrc
    """
    from typer.completion import get_completion_script

    print(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell.value))


def source(ctx: typer.Context, incomplete: str) -> list[str]:
    return _quietly(lambda c: c.sources(_where(ctx), incomplete))


def place(incomplete: str) -> list[str]:
    return _quietly(lambda c: c.places(incomplete))


def watch(ctx: typer.Context, incomplete: str) -> list[str]:
    return _quietly(lambda c: c.watch_names(_where(ctx), incomplete))


def article(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The ids of the last search (each with its title, which zsh and fish show); the
    shell's file names instead once a path is being typed."""
    if incomplete[:1] in ("/", ".", "~") or "/" in incomplete:
        return []
    got = _quietly(lambda c: c.recent(_where(ctx)))
    return [(i, title) for i, title in got if i.startswith(incomplete.lower())]


def _quietly(answer: Callable[[Any], list[Any]]) -> list[Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged row's warning: not at a Tab
            from conflictcli import completing

            return answer(completing)
    except Exception:  # nothing to offer; the shell falls back to file names
        return []


def _where(ctx: typer.Context) -> str | None:
    """What --index says on the line typed so far (or CONFLICT_INDEX); None: the default
    archive (completing.location)."""
    at: Any = ctx
    while at is not None:
        index = at.params.get("index")
        if isinstance(index, str):
            return index
        at = at.parent
    return None
