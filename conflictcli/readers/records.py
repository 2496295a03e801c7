"""JSON Lines (one object per line, as crawlers such as news-please write) and JSON
(an array of objects, or one object): one article per object, its keys recognised by
their usual names. A line that is not JSON is reported with its number; the rest of
the file goes on. Lines and array items are numbered from 1."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from conflictcli.articles import Article
from conflictcli.readers.base import Problems, SkipFile, decode, from_fields, recognise
from conflictcli.readers.sidecar import Sidecars


def read_lines(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    out = list(articles(io.StringIO(text), sidecars, problems))
    if not out and not problems:
        raise SkipFile("empty file")
    return out


def articles(lines: Iterable[str], sidecars: Sidecars, problems: Problems) -> Iterator[Article]:
    """The articles of JSON Lines, as they are read (a file of any size streams)."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append((n, f"not a JSON line: {e.msg} (column {e.colno})"))
            continue
        except RecursionError:
            problems.append((n, "JSON nested too deep to read"))
            continue
        got: list[Article] = []
        _add(obj, n, got, problems, sidecars.columns)
        yield from got


def read_json(path: Path, data: bytes, sidecars: Sidecars, problems: Problems) -> list[Article]:
    text = decode(data).lstrip("\ufeff")
    if not text.strip():
        raise SkipFile("empty file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip().startswith("{") and "\n{" in text:  # JSON Lines named .json
            return read_lines(path, data, sidecars, problems)
        raise SkipFile(f"not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from e
    items = doc if isinstance(doc, list) else [doc]
    out: list[Article] = []
    for n, obj in enumerate(items, 1):
        _add(obj, n, out, problems, sidecars.columns)
    return out


def _add(obj: Any, n: int, out: list[Article], problems: Problems, given: dict[str, str]) -> None:
    if not isinstance(obj, Mapping):
        problems.append((n, f"a JSON {type(obj).__name__}, not an object"))
        return
    try:
        keys = recognise([k for k in obj if isinstance(k, str)], given)
    except SkipFile as e:  # a --map key this object lacks
        problems.append((n, str(e)))
        return
    if "text" not in keys:
        problems.append((n, "no text: name it text, body, content, article or maintext"))
        return
    try:
        out.append(from_fields({name: obj[key] for name, key in keys.items()}, row=n))
    except ValueError as e:
        problems.append((n, str(e)))
