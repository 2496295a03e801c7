"""Input formats. Each reader turns the bytes of one file into Articles; this module
finds the files and picks the reader by the file's suffix. A new format (CSV, JSON
Lines, HTML) is one more module and one more entry in READERS."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from conflictcli.articles import Article
from conflictcli.errors import UsageError
from conflictcli.readers import text
from conflictcli.readers.base import SkipFile
from conflictcli.readers.sidecar import Sidecars

Reader = Callable[[Path, bytes, Sidecars], list[Article]]

READERS: dict[str, Reader] = {".txt": text.read, ".md": text.read}

__all__ = ["READERS", "Sidecars", "SkipFile", "discover", "read"]


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every readable file named by `paths` (folders are walked recursively, hidden
    files and folders skipped), absolute, sorted, each once."""
    found: set[Path] = set()
    for given in paths:
        p = Path(given).expanduser()
        if not p.exists():
            raise UsageError(f"Path not found: {given}", "Check the path and run the ingest again.")
        p = p.resolve()
        if p.is_file():
            found.add(p)  # named explicitly: read it whatever its suffix, or report it
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.startswith(".") and Path(name).suffix.lower() in READERS:
                    found.add(Path(root) / name)
    return sorted(found)


def read(path: Path, data: bytes, sidecars: Sidecars) -> list[Article]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise SkipFile(f"not a supported format (reads {', '.join(sorted(READERS))})")
    return reader(path, data, sidecars)
