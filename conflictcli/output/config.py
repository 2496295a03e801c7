"""The rendering of the commands about conflict itself: config (the settings, as lines
of TOML that say where each value comes from) and where (the places it keeps things).
A team archive's URL is shown without its password, here as everywhere."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conflictcli.choices import Format
from conflictcli.output import console
from conflictcli.output.console import emit_json, note, safe
from conflictcli.output.data import JSON_SCHEMA_VERSION, plain

if TYPE_CHECKING:
    from conflictcli.settings import Scalar, Setting, Value


def settings(values: list[Value], path: Path, fmt: Format, key: str | None = None) -> None:
    """Every setting (or the one `key` names): in effect, and from where. As a table,
    TOML that could go into the config file, each line's comment its source; one
    setting alone is its value, plain (true, 25, a folder)."""
    from conflictcli.settings import toml_value

    rows = [
        {**plain(v), "value": _archive(v.value) if v.key == "archive" else v.value} for v in values
    ]
    if fmt is Format.json:
        emit_json({"schema": JSON_SCHEMA_VERSION, "config_file": str(path), "settings": rows})
        return
    if key is not None:
        value = rows[0]["value"]
        _write(str(value).lower() if isinstance(value, bool) else str(value))
        return
    lines = [f"{r['key']} = {toml_value(r['value'])}" for r in rows]
    width = max(map(len, lines))
    there = "" if path.exists() else " (none yet: 'conflict config KEY VALUE' makes it)"
    _write(f"# {path}{there}")
    for line, v in zip(lines, values, strict=True):
        _write(f"{line.ljust(width)}  # {_source(v)}")


def _source(v: Value) -> str:
    if v.source == "environment":
        return f"environment: {v.variable}"
    if v.source == "config":
        return f"config file, line {v.line}" if v.line else "config file"
    return "default"


def setting_written(s: Setting, value: Scalar, path: Path, winner: str | None) -> None:
    """What `conflict config KEY VALUE` wrote, and the variable that wins over it."""
    from conflictcli.settings import toml_value

    shown = _archive(value) if s.key == "archive" else value
    note(f"{s.key} = {toml_value(shown)} written to {path}")
    if winner is not None:
        note(f"{winner} is set, and wins over the config file while it is.")


def where(places: dict[str, Any], fmt: Format, what: str | None = None) -> None:
    """The archive, the config file and the key file: `name: path` a line, or one plain
    path (`what`), or JSON."""
    shown = {
        name: _archive(place) if name == "archive" else str(Path(place).absolute())
        for name, place in places.items()
        if what is None or name == what
    }
    if fmt is Format.json:
        emit_json({"schema": JSON_SCHEMA_VERSION, **shown})
    elif what is not None:
        _write(shown[what])
    else:
        for name, place in shown.items():
            _write(f"{name}: {place}")


def _archive(place: Any) -> str:
    """An archive as shown: a team archive's URL without its password, a folder whole."""
    from conflictcli.engine.postgres.connect import is_location
    from conflictcli.engine.postgres.connect import shown as url_shown

    if isinstance(place, str) and is_location(place):
        return url_shown(place)
    return str(Path(place).expanduser().absolute()) if isinstance(place, Path) else str(place)


def _write(line: str) -> None:
    sys.stdout.write((safe(line) if console.stdout_is_terminal() else line) + "\n")
