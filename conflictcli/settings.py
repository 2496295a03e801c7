"""Settings: the defaults a user chooses once (the archive, day-first dates, colour, a
search's page size), and where each value comes from. A value is taken from, in order:
the command line (the option itself), an environment variable, the config file, and
conflict's own default. The command line asks `default_for()` (cli.group hands the
settings to Click as its default_map, which Click reads after the command line and
before an option's own default); `conflict config` shows and edits them.

The config file is TOML, flat `key = value` lines, read by the standard library's
tomllib and written by conflict itself a line at a time (comments and the other lines
kept), into a file that appears whole or not at all. It is input from outside like any
other: read bounded in size, every key and value checked, and what is wrong named with
the file, its line and the key (SettingError, a usage error), never a traceback.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conflictcli.errors import SettingError
from conflictcli.folders import CONFIG_ENV, config_file, default_archive
from conflictcli.keys import read_small, write_file

Scalar = str | bool | int
MAX_BYTES = 64 * 1024  # a config file is a few lines: more is not one
MAX_TEXT = 4096  # an archive's folder or URL
MAX_PAGE = 1_000_000
COLORS = ("auto", "always", "never")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HEADER = (
    "# conflict's settings: 'conflict config' lists them, 'conflict config KEY VALUE' sets one\n"
)


def _archive(value: object, typed: str) -> Scalar:
    """A folder or a team archive's URL. In the file a folder is absolute (or from ~);
    typed to `conflict config` a relative one is made absolute, as the shell would."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("is not a folder or a team archive's URL")
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise ValueError(f"is longer than {MAX_TEXT:,} characters or holds control characters")
    if "://" in value or value.strip().startswith("service=") or typed == "env":
        return value
    if typed == "typed":
        return str(Path(value).expanduser().absolute())
    if not (value.startswith("~") or Path(value).is_absolute()):
        raise ValueError("is a relative folder: write it whole (/home/me/news) or from ~")
    return value


def _bool(value: object, typed: str) -> Scalar:
    if isinstance(value, bool):
        return value
    if typed != "file" and isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("is not true or false")


def _color(value: object, typed: str) -> Scalar:
    if isinstance(value, str) and value.strip().lower() in COLORS:
        return value.strip().lower()
    raise ValueError("is not auto, always or never")


def _count(value: object, typed: str) -> Scalar:
    if typed != "file" and isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAGE:
        raise ValueError(f"is not a whole number from 0 to {MAX_PAGE:,}")
    return value


@dataclass(frozen=True)
class Setting:
    key: str
    env: str  # the environment variable that sets it
    option: str  # the option it is the default of, as help names it
    param: str  # that option's parameter
    check: Callable[[object, str], Scalar]  # (a value, "file" | "typed" | "env") -> checked
    example: str  # a value as typed (to `conflict config`, or in its variable)
    default: Scalar | None = None  # None: the archive's, found when asked (folders)
    commands: tuple[str, ...] = ()  # the commands whose option it is (none: every one)


SETTINGS = (  # key, variable, option, parameter, check, example, default, commands
    Setting("archive", "CONFLICT_INDEX", "--index", "index", _archive, "~/news-archive"),
    Setting("dayfirst", "CONFLICT_DAYFIRST", "--dayfirst", "dayfirst", _bool, "true", False),
    Setting("color", "CONFLICT_COLOR", "--color", "color", _color, "never", "auto"),
    Setting(
        "page_size", "CONFLICT_PAGE_SIZE", "search --limit", "limit", _count, "25", 10, ("search",)
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Value:
    """A setting's value in effect, and where it came from."""

    key: str
    value: Scalar
    source: str  # "default", "config" (the file) or "environment"
    variable: str | None = None  # the environment variable it came from
    line: int | None = None  # the config file's line it came from


@dataclass(frozen=True)
class Config:
    """The config file as read: its text (None: there is none) and each key's value
    with its line."""

    path: Path
    text: str | None
    values: dict[str, tuple[Any, int | None]]


def read_config(path: Path | None = None, strict: bool = True) -> Config:
    """The config file, every key known and every value good (`strict`), or only its
    TOML read (to edit it: an unknown key can then be unset)."""
    path = path if path is not None else config_file()
    text = _read_text(path)
    if text is None:
        return Config(path, None, {})
    values: dict[str, tuple[Any, int | None]] = {}
    for key, value in _parse(path, text).items():
        line = line_of(text, key)
        if isinstance(value, (dict, list)) and (strict or isinstance(value, dict)):
            raise SettingError(
                f"{_where(path, line)}: {key} is a table or a list: conflict's settings are "
                "key = value lines of one value each.",
                f"Take {key} out of the file (conflict config lists the settings).",
            )
        if strict:
            setting = known(key, path, line)
            try:
                value = setting.check(value, "file")
            except ValueError as e:
                raise _bad(path, line, key, f"= {_shown(value)} {e}", setting) from None
        values[key] = (value, line)
    return Config(path, text, values)


def resolved(config: Config | None = None) -> list[Value]:
    """Every setting's value in effect, in the order of SETTINGS."""
    config = read_config() if config is None else config
    return [_resolve(s, config) for s in SETTINGS]


def _resolve(s: Setting, config: Config) -> Value:
    raw = os.environ.get(s.env, "")
    if raw.strip():
        try:
            got = Value(s.key, s.check(raw, "env"), "environment", variable=s.env)
        except ValueError as e:
            raise SettingError(
                f"{s.env}={raw!r} {e}.", f"Give it a value such as {s.example}, or unset it."
            ) from None
    elif s.key in config.values:
        value, line = config.values[s.key]
        got = Value(s.key, value, "config", line=line)
    else:
        got = Value(
            s.key, s.default if s.default is not None else str(default_archive()), "default"
        )
    if s.key == "color" and got.value == "always" and os.environ.get("NO_COLOR"):
        return Value(s.key, "auto", "environment", variable="NO_COLOR")  # NO_COLOR wins, as ever
    return got


def default_for(values: list[Value], param: str, command: str) -> Scalar | None:
    """The default the settings give the parameter `param` of `command` ("watch run"),
    None where it keeps its own."""
    for s, v in zip(SETTINGS, values, strict=True):
        if s.param == param and (not s.commands or command in s.commands):
            return None if v.source == "default" else v.value
    return None


def shadowed(s: Setting, value: Scalar) -> str | None:
    """The environment variable that wins over `value` in the config file, if one is set."""
    if os.environ.get(s.env, "").strip():
        return s.env
    if s.key == "color" and value == "always" and os.environ.get("NO_COLOR"):
        return "NO_COLOR"
    return None


def known(key: str, path: Path | None = None, line: int | None = None) -> Setting:
    """The setting `key` names, or a SettingError that names the settings."""
    if key in BY_KEY:
        return BY_KEY[key]
    import difflib

    near = difflib.get_close_matches(key, list(BY_KEY), n=1)
    said = f" (did you mean {near[0]}?)" if near else ""
    settings = ", ".join(BY_KEY)
    if path is None:
        raise SettingError(f"{key!r} is not a setting{said}.", f"The settings: {settings}.")
    raise SettingError(
        f"{_where(path, line)}: {key!r} is not a setting{said}.",
        f"The settings: {settings}. Fix the line, or remove it: conflict config --unset {key}",
    )


# -- editing ----------------------------------------------------------------------
def set_value(key: str, text: str) -> tuple[Path, Scalar]:
    """Write `key = value` into the config file (made if missing); returns the file and
    the value as written."""
    s = known(key)
    try:
        value = s.check(text, "typed")
    except ValueError as e:
        raise SettingError(
            f"{key} {text!r} {e}.", f"Example: conflict config {key} {s.example}"
        ) from None
    config = read_config(strict=False)
    line = f"{key} = {toml_value(value)}"
    _rewrite(config, key, line, {**_plain(config), key: value})
    return config.path, value


def unset(key: str) -> tuple[Path, bool]:
    """Remove `key` from the config file (an unknown key too); False if it is not there."""
    config = read_config(strict=False)
    if key not in config.values:
        return config.path, False
    _rewrite(config, key, None, {k: v for k, v in _plain(config).items() if k != key})
    return config.path, True


def _rewrite(config: Config, key: str, line: str | None, expected: dict[str, Any]) -> None:
    """The file with `key`'s line replaced by `line` (added if missing; None: removed),
    written once TOML reads it back as `expected`."""
    text = config.text if config.text is not None else HEADER
    lines = text.splitlines(keepends=True)
    at = line_of(text, key)
    if at is None and line is not None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(line + "\n")
    elif at is not None:
        lines[at - 1 : at] = [line + "\n"] if line is not None else []
    new = "".join(lines)
    if _parse(config.path, new) != expected:
        raise SettingError(
            f"conflict cannot edit {config.path} by its lines (the key {key} spans more than one).",
            "Edit the file by hand: one key = value a line.",
        )
    _write(config.path, new)


def _write(path: Path, text: str) -> None:
    """The file written whole (keys.write_file); a link's target is written, the link
    kept; the file keeps its mode, a new one readable by this user alone (a team URL
    may hold a password)."""
    real = Path(os.path.realpath(path))
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(os.stat(real).st_mode)
        except FileNotFoundError:
            mode = 0o600
        write_file(real, lambda f: f.write(text), mode)
    except OSError as e:
        raise SettingError(
            f"Cannot write the config file {path}: {e.strerror or e}.",
            f"Check that folder's permissions, or set {CONFIG_ENV} to a file you can write.",
        ) from e


# -- reading ----------------------------------------------------------------------
def _read_text(path: Path) -> str | None:
    try:
        data = read_small(path, MAX_BYTES, follow=True)
    except FileNotFoundError:
        return None
    except OSError as e:
        why = f"{path}: {e.strerror}" if e.strerror else str(e)
        raise SettingError(
            f"The config file cannot be read: {why}.",
            f"It is a small text file of key = value lines; set {CONFIG_ENV} to use another.",
        ) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SettingError(
            f"{_where(path, line)}: the config file is not UTF-8 text.",
            "Save it as UTF-8, or move it away: conflict then uses its defaults.",
        ) from e


def _parse(path: Path, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the same parser, before the standard library took it in
        import tomli as tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        why, line = _decode_error(str(e), text)
        raise SettingError(
            f"{_where(path, line)}: the config file is not TOML ({why}).",
            'Write one key = value a line, text in quotes (archive = "~/news-archive"); or '
            "move the file away: conflict then uses its defaults.",
        ) from None


def _decode_error(message: str, text: str) -> tuple[str, int | None]:
    """tomllib's message without its place, and the line it names."""
    found = re.match(r"(.*) \(at (?:line (\d+), column \d+|(end of document))\)$", message)
    if found is None:
        return message, None
    why = found.group(1)[:1].lower() + found.group(1)[1:]
    if found.group(3):
        return f"{why}, at its end", text.count("\n") + (not text.endswith("\n"))
    return why, int(found.group(2))


def line_of(text: str, key: str) -> int | None:
    """The line (from 1) where a top-level `key` is set, if one can be found."""
    k = re.escape(key)
    named = rf"[ \t]*(?:{k}|\"{k}\"|'{k}')[ \t]*"
    found = re.search(rf"^(?:{named}[=.]|[ \t]*\[\[?{named}[\].])", text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _where(path: Path, line: int | None) -> str:
    return f"{path}, line {line}" if line else str(path)


def _bad(
    path: Path, line: int | None, key: str, why: str, s: Setting | None = None
) -> SettingError:
    example = f" ({key} = {toml_value(s.check(s.example, 'env'))})" if s else ""
    return SettingError(
        f"{_where(path, line)}: {key} {why}.",
        f"Fix the line{example}, or remove it: conflict config --unset {key}",
    )


def _shown(value: object) -> str:
    text = toml_value(value) if isinstance(value, (str, bool, int)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def toml_value(value: object) -> str:
    """A scalar as TOML writes it (a string as a basic string: JSON's escapes are TOML's)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _plain(config: Config) -> dict[str, Any]:
    return {k: v for k, (v, _) in config.values.items()}
