"""A team archive's search rows and catalogue commit together: an ingest killed (SIGKILL)
at a checkpoint, after the engine wrote its rows and before the catalogue committed,
leaves an archive that agrees with itself (`check` finds nothing; stats, search and
its list agree), not an index ahead of its catalogue until the next ingest; and an
ingest that ends leaves the two recorded in step (no reconcile the next time)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, invoke

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

SAMPLE = ROOT / "sample_data"

# the ingest, in a process of its own that kills itself with SIGKILL when the catalogue
# is about to commit after a checkpoint at which the engine wrote rows
_KILLED_AT_A_CHECKPOINT = """
import os, signal, sys
from conflictcli.engine.postgres.catalogue import TeamStore
from conflictcli.engine.postgres.writer import PostgresWriter

wrote = []
checkpoint, commit = PostgresWriter.checkpoint, TeamStore.commit

def checkpointed(self):
    done = checkpoint(self)
    wrote.append(done)
    return done

def committed(self):
    if any(wrote):
        os.kill(os.getpid(), signal.SIGKILL)
    commit(self)

PostgresWriter.checkpoint, TeamStore.commit = checkpointed, committed
sys.argv = ["conflict", "ingest", sys.argv[1], "--quiet"]
from conflictcli.cli import app
app()
"""


@pytest.fixture
def archive(postgres_server: str) -> Iterator[str]:
    """A team archive's URL, in a schema of its own on the test server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{postgres_server}?options={quote('-csearch_path=' + name)}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def _json(*args: str) -> dict[str, object]:
    r = invoke(*args)
    assert r.exit_code in (0, 1), r.stderr
    return dict(json.loads(r.stdout))


def test_a_kill_between_the_two_commits_leaves_an_archive_that_agrees(
    archive: str, tmp_path: Path
) -> None:
    first, rest = tmp_path / "first", tmp_path / "rest"
    first.mkdir()
    rest.mkdir()
    for k, f in enumerate(sorted(SAMPLE.glob("*.txt"))):
        (first if k < 10 else rest).joinpath(f.name).write_bytes(f.read_bytes())
    assert invoke("ingest", str(first), "--index", archive, "-q").exit_code == 0
    env = dict(os.environ, CONFLICT_INDEX=archive, CONFLICT_CHECKPOINT="5")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_A_CHECKPOINT, str(rest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stats = _json("stats", "--index", archive, "--json")
    report = _json("check", "--index", archive, "--json")
    assert report["ok"], report["problems"]
    assert stats["articles"] == report["indexed"] == 10
    for text in ("Kyiv", "drones", "Ukraine OR Sudan"):
        found = _json("search", text, "--index", archive, "--json", "--limit", "0")
        assert found["total"] == len(found["results"])  # type: ignore[arg-type]
    again = invoke("ingest", str(rest), "--index", archive, "-q")
    assert again.exit_code == 0, again.stderr
    from conflictcli import team

    done = team.open_archive(archive)
    try:
        assert done.in_sync()  # the catalogue committed with the index as it is
        assert done.store.article_count() == done.engine.doc_count() > 10
    finally:
        done.close()


def test_two_checkpoints_in_one_catalogue_transaction_make_a_month_without_waiting(
    archive: str,
) -> None:
    """The rows of a second checkpoint before the catalogue commits need a month the
    first did not: its partition is made in the catalogue's transaction, which holds
    docs already (on the engine's own connection it would wait for that transaction,
    which waits for it; the lock_timeout makes the wait an error, not a hang)."""
    import datetime as dt

    from conflictcli import team
    from conflictcli.articles import Article, content_id

    url = archive + quote(" -clock_timeout=5s")
    made = team.open_archive(url, create=True)
    try:
        engine, store = made.engine, made.store
        store.begin()
        with engine.writer() as writer:
            for day in (dt.date(2021, 3, 4), dt.date(2019, 7, 8)):
                body = f"A report of {day.isoformat()} from Kharkiv."
                writer.add(Article(content_id(day, body), day, "Report", body))
                assert writer.checkpoint()
        store.commit()
        assert engine.doc_count() == 2
    finally:
        made.close()
