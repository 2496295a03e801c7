"""tantivy, the engine for big archives (`conflict ingest --engine tantivy`, the
`tantivy` extra): the archive's search index in a folder beside its catalogue, written
and read by tantivy-py. This module is what the archive knows of it without loading
tantivy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.engine.tantivy.engine import TantivyEngine

from conflictcli.engine.tantivy.layout import FOLDER, LAYOUT, NAME

__all__ = ["FOLDER", "LAYOUT", "NAME", "create", "open", "prepare", "present"]


def open(folder: Path, create: bool = False) -> TantivyEngine:
    from conflictcli.engine.tantivy.engine import TantivyEngine

    return TantivyEngine.open(folder, create)


def create(folder: Path) -> TantivyEngine:
    from conflictcli.engine.tantivy.engine import TantivyEngine

    return TantivyEngine.create(folder)


def present(folder: Path) -> bool:
    """Whether an index is there (its meta.json), told without loading tantivy."""
    return (folder / "meta.json").is_file()


def prepare(articles: list[Article], bodies: list[Any]) -> list[Any]:
    """What each article's document holds, made in a worker process (Writer.add takes it)."""
    from conflictcli.engine.tantivy.documents import prepare as made

    return made(articles, bodies)
