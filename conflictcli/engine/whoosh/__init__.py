"""Whoosh, the default engine: the archive's search index in a folder beside its
catalogue. This module is what the archive knows of it without loading Whoosh."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conflictcli.articles import Article
    from conflictcli.engine.whoosh.engine import WhooshEngine

from conflictcli.engine.whoosh.layout import FOLDER, LAYOUT, NAME

__all__ = ["FOLDER", "LAYOUT", "NAME", "create", "open", "prepare", "present"]


def open(folder: Path, create: bool = False) -> WhooshEngine:
    from conflictcli.engine.whoosh.engine import WhooshEngine

    return WhooshEngine.open(folder, create)


def create(folder: Path) -> WhooshEngine:
    from conflictcli.engine.whoosh.engine import WhooshEngine

    return WhooshEngine.create(folder)


def present(folder: Path) -> bool:
    """Whether an index is there (a table of contents), told without loading Whoosh."""
    return any(folder.glob("_MAIN_*.toc"))


def prepare(articles: list[Article], bodies: list[Any]) -> list[Any]:
    """The postings of each article, made in a worker process (Writer.add takes them)."""
    from conflictcli.engine.whoosh.writer import prepare as made

    return made(articles, bodies)
