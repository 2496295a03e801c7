"""Where the archive meets a search engine: the protocol every engine implements
(base.py), the records it gives back (records.py), what --explain shows (explain.py),
snippets (snippets.py), and the engines, each in its own package (whoosh/)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.engine.base import Engine

ENGINES = ("whoosh",)
DEFAULT = "whoosh"


class Kind(Protocol):
    """An engine as the archive knows it before it loads: a package of engine/ whose
    module-level names are these."""

    NAME: str
    FOLDER: str  # where its index lives in the archive's folder
    LAYOUT: int  # how its index is built: another layout is rebuilt from the catalogue

    def open(self, folder: Path, create: bool = False) -> Engine: ...

    def create(self, folder: Path) -> Engine: ...

    def present(self, folder: Path) -> bool: ...

    def prepare(self, articles: list[Article], bodies: list[Any]) -> list[Any]: ...


def kind(name: str = DEFAULT) -> Kind:
    """The engine called `name` (its package, loaded without the engine itself)."""
    if name not in ENGINES:
        raise ValueError(f"no engine called {name!r}")
    return importlib.import_module(f"conflictcli.engine.{name}")
