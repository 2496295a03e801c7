"""The app, and the one place where errors become messages and exit codes (ConflictGroup)."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from types import ModuleType
from typing import Any

import typer
from typer.core import TyperGroup

from conflictcli.errors import ConflictError, ExitCode, Notice, UntestedWhoosh, fault


class ConflictGroup(TyperGroup):
    """The one place where errors become messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        rendering().reset()  # a run's --color and --quiet are its own (tests run many)
        ctx.default_map = Defaults(
            {n: frozenset(c.commands) for n, c in self.commands.items() if hasattr(c, "commands")}
        )
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                value = super().invoke(ctx)
            sys.stdout.flush()  # inside the try: a reader gone at the last write is no error
            return value
        except ConflictError as e:
            _debug_traceback()
            rendering().error(e)
            ctx.exit(e.code)
        except BrokenPipeError:
            # the reader went away (`| head`): that is not an error; stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt:
            rendering().note(
                "Interrupted. The archive holds what was committed before: an ingest commits "
                "as it goes (checkpoints); run it again to go on from there."
            )
            ctx.exit(ExitCode.INTERRUPTED)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own usage errors and exits keep their messages and codes
        except Exception as e:
            if os.environ.get("CONFLICT_DEBUG"):
                raise  # main() shows the traceback and exits with ExitCode.BUG
            known = fault(e)
            if known is not None:  # a full disk, a folder it may not write
                rendering().error(known)
                ctx.exit(known.code)
            rendering().error(
                ConflictError(
                    f"Unexpected {type(e).__name__}: {e}",
                    "This is a bug in conflict: run again with CONFLICT_DEBUG=1 and report the traceback.",
                )
            )
            ctx.exit(ExitCode.BUG)


class Defaults(dict[str, Any]):
    """Click's default_map for one run: the defaults the settings give each command's
    options (settings.default_for: from the environment and the config file), read when
    an option first asks. Click reads it after the command line and before an option's
    own default, which is the settings' order. `conflict config` asks nothing of it: it
    runs with a config file it cannot read, to mend it."""

    def __init__(
        self, groups: dict[str, frozenset[str]], command: str = "", values: list[Any] | None = None
    ) -> None:
        super().__init__()
        self._groups, self._command = groups, command
        self._values = values if values is not None else []  # shared by the run's commands

    def get(self, name: str, default: Any = None) -> Any:
        if not self._command:  # the app asks for a command's
            return None if name == "config" else Defaults(self._groups, name, self._values)
        if name in self._groups.get(self._command, ()):  # a group for one of its commands'
            return Defaults(self._groups, f"{self._command} {name}", self._values)
        from conflictcli import settings

        if not self._values:
            self._values.extend(settings.resolved())
        return settings.default_for(self._values, name, self._command)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """conflict's own warnings as its other messages are shown (one line on stderr);
    any other the way Python shows it."""
    from conflictcli.store import DamagedWarning  # loaded already when one is shown

    if issubclass(category, (UntestedWhoosh, DamagedWarning, Notice)):
        rendering().warning(str(message))
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _debug_traceback() -> None:
    if os.environ.get("CONFLICT_DEBUG"):
        traceback.print_exc()


def rendering() -> ModuleType:
    """Rendering (the output package), loaded when something is shown: not for --help."""
    from conflictcli import output

    return output


def subcommands(name: str, help: str) -> typer.Typer:
    """A group of commands under the app (watch), with the app's help flags."""
    return typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )


app = typer.Typer(
    cls=ConflictGroup,
    name="conflict",
    help="Archive and search news about armed conflicts.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
