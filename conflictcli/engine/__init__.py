"""Where the archive meets a search engine: the protocol every engine implements
(base.py), the records it gives back (records.py), what --explain shows (explain.py),
snippets (snippets.py), and the engines, each in its own package: whoosh/ (the
default), tantivy/ (big archives: the `tantivy` extra) and postgres/ (a team's archive
in PostgreSQL: the `postgres` extra). An archive records its
engine in its catalogue when it is made."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.engine.base import Engine

ENGINES = ("whoosh", "tantivy")  # the engines of an archive in a folder (--engine)
TEAM = "postgres"  # the engine of a team archive (--index postgresql://...)
DEFAULT = "whoosh"
ENV = "CONFLICT_ENGINE"  # the engine of archives made from now on, without --engine
# the module an engine needs beyond the package's own
_NEEDS = {"tantivy": "tantivy", "postgres": "psycopg"}


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
    if name not in ENGINES and name != TEAM:
        raise ValueError(f"no engine called {name!r}")
    return importlib.import_module(f"conflictcli.engine.{name}")


def chosen(name: str | None) -> str:
    """The engine a new archive gets: `name` (--engine), else $CONFLICT_ENGINE, else
    the default; UsageError for one this version does not have."""
    from conflictcli.errors import UsageError

    picked = (name or os.environ.get(ENV) or DEFAULT).strip().lower()
    if picked not in ENGINES:
        raise UsageError(
            f"There is no engine called {picked!r}.", f"Choose one of: {', '.join(ENGINES)}."
        )
    return picked


def installed(name: str) -> bool:
    """Whether what the engine needs is installed (an extra of the package)."""
    needs = _NEEDS.get(name)
    return needs is None or importlib.util.find_spec(needs) is not None
