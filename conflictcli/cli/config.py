"""The commands about conflict itself: config (the settings, where each value comes
from; one set or unset in the config file) and where (the archive, the config file,
the key file)."""

from __future__ import annotations

from typing import Annotated

import typer

from conflictcli.choices import Color
from conflictcli.cli.group import rendering
from conflictcli.cli.options import ColorOpt, IndexOpt, JsonOpt, QuietOpt, location, output_format
from conflictcli.errors import UsageError

PLACES = ("archive", "config", "key")


def config(
    key: Annotated[
        str | None,
        typer.Argument(
            metavar="[KEY]",
            help="A setting: archive, dayfirst, color, page_size.",
            show_default=False,
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Argument(metavar="[VALUE]", help="Its new value, written to the config file."),
    ] = None,
    unset: Annotated[
        str | None,
        typer.Option(
            "--unset", metavar="KEY", help="Remove KEY from the config file.", show_default=False
        ),
    ] = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Show the settings and where each value comes from; set one, or unset it.

    A setting is the default of an option: archive (--index), dayfirst (--dayfirst),
    color (--color), page_size (search --limit). Each value comes from the command line,
    else its environment variable (CONFLICT_INDEX, CONFLICT_DAYFIRST, CONFLICT_COLOR,
    CONFLICT_PAGE_SIZE), else the config file, else conflict's default.

    Example: conflict config page_size 25
    """
    from conflictcli import settings
    from conflictcli.folders import config_file

    out = rendering()
    if unset is not None:
        if key is not None:
            raise UsageError(
                "Give --unset KEY alone.", "Example: conflict config --unset page_size"
            )
        path, was = settings.unset(unset)
        out.note(f"{unset} removed from {path}" if was else f"{unset} is not set in {path}")
        return
    if key is not None and value is not None:
        path, written = settings.set_value(key, value)
        s = settings.known(key)
        out.setting_written(s, written, path, settings.shadowed(s, written))
        return
    values = settings.resolved()
    if key is not None:
        values = [v for v in values if v.key == settings.known(key).key]
    out.settings(values, config_file(), output_format(json), key)


def where(
    what: Annotated[
        str | None,
        typer.Argument(
            metavar="[WHAT]",
            help="Only this one, as a plain path: archive, config or key.",
            show_default=False,
        ),
    ] = None,
    json: JsonOpt = False,
    color: ColorOpt = Color.auto,
    index: IndexOpt = None,
) -> None:
    """Print where conflict keeps things: the archive (a folder, or a team archive's URL
    without its password), the config file and this user's key file, one a line.

    Example: conflict where archive
    """
    from conflictcli.folders import config_file
    from conflictcli.keys import key_path

    if what is not None and what not in PLACES:
        raise UsageError(
            f"{what!r} is not one of {', '.join(PLACES)}.", "Example: conflict where archive"
        )
    places = {"archive": location(index), "config": config_file(), "key": key_path()}
    rendering().where(places, output_format(json), what)
