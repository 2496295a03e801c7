"""Text longer than the screen, through a pager (show): $PAGER, else `less -R`, with
LESS=FRX when LESS is not set, as git does (quit if it fits one screen, colours as they
are, the screen not cleared on leaving). Only when stdout is a real terminal: never
into a pipe or a file, never with --no-pager, never when PAGER is empty or `cat`.

The text is drawn by Rich for the terminal's width (Console.pager) and handed to the
pager with its colours: whatever came from an article was made safe() before, so the
pager gets no escape sequence but Rich's own colours."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from contextlib import suppress
from typing import TYPE_CHECKING

from conflictcli.output import console

if TYPE_CHECKING:
    from rich.console import RenderableType

DEFAULT = "less -R"
LESS = "FRX"  # less's options when LESS is not set: git's
NO_PAGER = ("", "cat")


def emit_paged(renderables: list[RenderableType], allowed: bool = True) -> None:
    """Print to stdout as console.emit does; on a real terminal, through the pager when
    `allowed` and the text is longer than the screen."""
    command = command_for(os.environ) if allowed and _real_terminal() else None
    if command is None:
        console.emit(*renderables)
        return
    from rich.pager import Pager

    pager: str = command

    class _Paging(Pager):
        def __init__(self, height: int) -> None:
            self.height = height

        def show(self, content: str) -> None:
            if content.count("\n") < self.height:  # it fits: no pager
                sys.stdout.write(content)
            else:
                run(pager, content)

    out = console.stdout()
    with out.pager(pager=_Paging(out.size.height), styles=True):
        for r in renderables:
            out.print(r)


def _real_terminal() -> bool:
    """stdout is a terminal, and truly one (a test may have the rendering draw for a
    terminal into a buffer: that never starts a pager)."""
    if not console.stdout_is_terminal():
        return False
    try:
        return os.isatty(sys.stdout.fileno()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):  # no file descriptor beneath
        return False


def command_for(env: os._Environ[str] | dict[str, str]) -> str | None:
    """The pager to run: PAGER as given (a shell command line), `less -R` if PAGER is
    not set and less is installed; None for none (PAGER empty or `cat`, or its program
    not found: then a note says so and the text is printed)."""
    given = env.get("PAGER")
    if given is None:
        return DEFAULT if shutil.which("less") else None
    if given.strip() in NO_PAGER:
        return None
    try:
        program = shlex.split(given)[0]
    except (ValueError, IndexError):
        program = ""
    if not program or shutil.which(os.path.expanduser(program)) is None:
        console.note(f"PAGER {given!r}: no such program; the text is printed without a pager.")
        return None
    return given


def run(command: str, content: str) -> None:
    """`content` through the pager `command` (run by the shell, as PAGER is meant to be);
    returns when the pager is left."""
    env = dict(os.environ)
    env.setdefault("LESS", LESS)
    env.setdefault("LV", "-c")  # lv, the other pager that reads an option variable
    sys.stdout.flush()
    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    pipe = proc.stdin
    assert pipe is not None
    with suppress(BrokenPipeError):  # the reader quit before the end: not an error
        pipe.write(content.encode(sys.stdout.encoding or "utf-8", "replace"))
    with suppress(BrokenPipeError):
        pipe.close()
    while True:
        try:
            proc.wait()
            return
        except KeyboardInterrupt:  # Ctrl-C is the pager's to take; wait until it quits
            continue
