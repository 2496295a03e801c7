"""PostgreSQL, the engine of a team's shared archive (the `postgres` extra: psycopg 3):
the archive's search rows in a database many people reach, beside its catalogue.
This module is what the archive knows of it without loading psycopg.

connect.py    where the archive is (postgresql://..., service=NAME), connecting, errors
schema.py     the tables: docs (partitioned by month, GIN indexes), words, engine_meta
documents.py  each article as its row: a tsvector of our own terms, title A, body B
translate.py  the query tree as a WHERE clause, its words as a quoted tsquery
ranking.py    pages (ts_rank_cd, or by date), stories folded, partial matches, similar
writer.py     checkpoints: COPY into staging, INSERT ... ON CONFLICT DO NOTHING
engine.py     the Engine protocol over them
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conflictcli.articles import Article

NAME = "postgres"
FOLDER = "postgres"  # never made: a team archive has no folder (team.py)
LAYOUT = 1

__all__ = ["FOLDER", "LAYOUT", "NAME", "create", "open", "prepare", "present"]


def open(folder: Path, create: bool = False) -> Any:
    """A team archive is opened by its URL (team.TeamArchive), never in a folder."""
    raise ValueError("the PostgreSQL engine has no index in a folder")


def create(folder: Path) -> Any:
    raise ValueError("the PostgreSQL engine has no index in a folder")


def present(folder: Path) -> bool:
    return False


def prepare(articles: list[Article], bodies: list[Any]) -> list[Any]:
    """What each article's row holds, made in a worker process (Writer.add takes it)."""
    from conflictcli.engine.postgres.documents import prepare as made

    return made(articles, bodies)
