"""Input formats. Each reader turns the bytes of one file into Articles; this module
finds the files and picks the reader by the file's suffix. A new format (CSV, JSON
Lines, HTML) is one more module and one more entry in READERS."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from conflictcli.articles import Article
from conflictcli.errors import UsageError
from conflictcli.readers import text
from conflictcli.readers.base import SkipFile
from conflictcli.readers.sidecar import Sidecars

Reader = Callable[[Path, bytes, Sidecars], list[Article]]

READERS: dict[str, Reader] = {".txt": text.read, ".md": text.read}

__all__ = ["READERS", "Ignored", "Sidecars", "SkipFile", "discover", "read"]


@dataclass
class Ignored:
    """Files a folder walk passed over, counted by kind, with the reason."""

    what: str  # "files ending in .csv", "hidden files or folders"
    files: int
    reason: str


def discover(paths: Iterable[Path]) -> tuple[list[str], list[Ignored]]:
    """Every readable file named by `paths` (folders are walked recursively, hidden
    files and folders skipped), absolute, sorted, each once; and what was passed over.
    Paths are strings: building a Path object for each of a million files costs more
    than the walk."""
    found: set[str] = set()
    suffixes: Counter[str] = Counter()
    hidden = 0
    for given in paths:
        p = Path(given).expanduser()
        if not p.exists():
            raise UsageError(f"Path not found: {given}", "Check the path and run the ingest again.")
        p = p.resolve()
        if p.is_file():
            found.add(str(p))  # named explicitly: read it whatever its suffix, or report it
            continue
        for root, dirs, files in os.walk(p):
            hidden += sum(d.startswith(".") for d in dirs)
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                suffix = os.path.splitext(name)[1].lower()
                if name.startswith("."):
                    hidden += 1
                elif suffix in READERS:
                    found.add(os.path.join(root, name))
                else:
                    suffixes[suffix] += 1
    ignored = [
        Ignored(f"files ending in {s}" if s else "files without a suffix", n, _unsupported())
        for s, n in sorted(suffixes.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if hidden:
        ignored.append(Ignored("hidden files or folders", hidden, "hidden: skipped"))
    return sorted(found), ignored


def _unsupported() -> str:
    return f"not a supported format (reads {', '.join(sorted(READERS))})"


def read(path: Path, data: bytes, sidecars: Sidecars) -> list[Article]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise SkipFile(_unsupported())
    return reader(path, data, sidecars)
