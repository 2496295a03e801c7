"""A PostgreSQL server for the benchmarks, on loopback only: the one a URL names, or one
of our own started for the run (tests/pgserver.py: Debian's postgresql-15) and stopped
after it; and a schema of its own for each archive a benchmark builds.

    with pg.server(None) as base:           # started here, stopped at the end
        index = pg.schema_url(base, "run1")  # an empty schema; the URL that uses it
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pgserver


@contextmanager
def server(url: str | None = None, replica: bool = False) -> Iterator[dict[str, str]]:
    """{"primary": URL[, "replica": URL]}: `url` as given, or servers of our own for the
    run (SystemExit when this machine has no server binaries)."""
    if url:
        yield {"primary": url}
        return
    if pgserver.binaries() is None:
        raise SystemExit(
            "No PostgreSQL server here: apt-get install postgresql-15, or --postgres URL."
        )
    work = Path(tempfile.mkdtemp(prefix="conflict-bench-pg-"))
    os.chmod(work, 0o711)  # the servers' user reaches its folder inside
    try:
        urls = pgserver.start(work / "pg", replica=replica)
        found = {"primary": urls["CONFLICT_TEST_POSTGRES"]}
        if replica:
            found["replica"] = urls["CONFLICT_TEST_POSTGRES_REPLICA"]
        yield found
    finally:
        pgserver.stop(work / "pg")
        shutil.rmtree(work, ignore_errors=True)


def schema_url(base: str, name: str) -> str:
    """An empty schema `name` (dropped first if it was there) and the URL that uses it."""
    import psycopg

    if not name.isidentifier():
        raise ValueError(f"not a schema name: {name!r}")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    return in_schema(base, name)


def in_schema(base: str, name: str) -> str:
    """The URL that uses schema `name` on the server `base` names."""
    return f"{base}?options={quote('-csearch_path=' + name)}"
