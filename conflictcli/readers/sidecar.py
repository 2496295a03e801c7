"""Metadata beside the articles: a `metadata.jsonl` in a file's folder or the folder
above, one object per article with `file` (relative to the metadata file) and any of
`title`, `source`, `url`, `date`. The corpora this tool meets in the wild ship their
titles, outlets and links this way; without it, titles are derived from the text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from conflictcli.dates import YEARS, in_years, read_when
from conflictcli.readers.base import JsonLines, Unread, as_text

SIDECAR_NAME = "metadata.jsonl"
MAX_META_LINE = 1 << 20  # characters: a metadata line is a few hundred
MAX_WARNED = 100  # warnings about one metadata file; the rest are counted


class Sidecars:
    """What is known about the files beyond their bytes: metadata.jsonl files, the
    columns the user named with --map (field -> column or key), and whether numeric
    dates are day first in every file (ingest --dayfirst; dates.settle)."""

    def __init__(self, columns: dict[str, str] | None = None, dayfirst: bool = False) -> None:
        self._by_folder: dict[Path, dict[Path, dict[str, Any]]] = {}
        self.warnings: list[str] = []
        self.columns = dict(columns or {})
        self.dayfirst = dayfirst

    def lookup(self, path: Path) -> dict[str, Any]:
        """The known metadata for one article file, as parse_article keywords."""
        for folder in (path.parent, path.parent.parent):
            entry = self._load(folder).get(path)
            if entry is not None:
                return entry
        return {}

    def _load(self, folder: Path) -> dict[Path, dict[str, Any]]:
        if folder in self._by_folder:
            return self._by_folder[folder]
        table: dict[Path, dict[str, Any]] = {}
        self._by_folder[folder] = table
        meta = folder / SIDECAR_NAME
        try:
            if not meta.is_file():  # a pipe, a device, a link loop: not read
                return table
            fh = meta.open(encoding="utf-8", errors="replace", newline="\n")
        except OSError as e:
            self.warnings.append(f"{meta}: cannot read: {e.strerror}; ignored")
            return table
        warned = 0

        def warn(n: int, why: str) -> None:
            nonlocal warned
            warned += 1
            if warned <= MAX_WARNED:
                self.warnings.append(f"{meta}:{n}: {why}")

        try:
            with fh:
                for n, line in enumerate(JsonLines(fh.readline, MAX_META_LINE), 1):
                    if isinstance(line, Unread):
                        warn(n, f"a line of more than {MAX_META_LINE:,} characters, ignored")
                        continue
                    try:
                        obj = json.loads(line)
                        target = (folder / obj["file"]).resolve()
                    except (ValueError, KeyError, TypeError, RecursionError, RuntimeError, OSError):
                        if line.strip():
                            warn(n, "not a metadata line, ignored")
                        continue
                    table[target] = _keywords(obj)
                    day = _day(obj.get("date"))
                    if day is not None and not in_years(day):
                        warn(n, f"date {day.isoformat()} is outside {YEARS}, not used")
                    elif day is not None:
                        table[target]["date"] = day
                        clock = _time(obj.get("date"))
                        if clock is not None:
                            table[target]["time"] = clock
        except OSError as e:
            self.warnings.append(f"{meta}: stopped reading: {e.strerror}")
        if warned > MAX_WARNED:
            self.warnings.append(f"{meta}: {warned - MAX_WARNED:,} more warnings like these")
        return table


def _keywords(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("title", "source", "url", "author"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = " ".join(as_text(value).split())
    return out


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _time(value: object) -> dt.time | None:
    """The time of day of a date that has one (2024-11-21T14:35:00)."""
    text = str(value)
    if len(text) <= 10:
        return None
    when = read_when(text, words=False)
    return when.time if when else None
