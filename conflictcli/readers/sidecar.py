"""Metadata beside the articles: a `metadata.jsonl` in a file's folder or the folder
above, one object per article with `file` (relative to the metadata file) and any of
`title`, `source`, `url`, `date`. The corpora this tool meets in the wild ship their
titles, outlets and links this way; without it, titles are derived from the text."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

SIDECAR_NAME = "metadata.jsonl"


class Sidecars:
    """What is known about the files beyond their bytes: metadata.jsonl files, and the
    columns the user named with --map (field -> column or key)."""

    def __init__(self, columns: dict[str, str] | None = None) -> None:
        self._by_folder: dict[Path, dict[Path, dict[str, Any]]] = {}
        self.warnings: list[str] = []
        self.columns = dict(columns or {})

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
        if not meta.is_file():
            return table
        with meta.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    obj = json.loads(line)
                    target = (folder / obj["file"]).resolve()
                except (ValueError, KeyError, TypeError):
                    if line.strip():
                        self.warnings.append(f"{meta}:{n}: not a metadata line, ignored")
                    continue
                table[target] = _keywords(obj)
        return table


def _keywords(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("title", "source", "url", "author"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = " ".join(value.split())
    with contextlib.suppress(ValueError):
        out["date"] = dt.date.fromisoformat(str(obj.get("date"))[:10])
    return out
