"""A team archive in PostgreSQL (`--index postgresql://...`), used through the CLI as a
person would, against a real server (tests/pgserver.py, or $CONFLICT_TEST_POSTGRES):
the same numbers as a local archive of the same articles under every filter; count =
the full list = export's rows = the timeline's sum; show, stats, check; no folder made
for a URL; a password never printed; a role that may only read can search but not
ingest, and is told why; a server that cannot be reached is an error, not a traceback."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import ROOT, invoke

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

SAMPLE = ROOT / "sample_data"
SECRET = "n0t-the-pw-91"  # trust logins ignore it: it must still never be shown
QUERIES = [
    "Kyiv",
    "drones Belgorod",
    '"air defence"',
    "drone*",
    "kharkiv~",
    "Kyiv NOT Kharkiv",
    "Kyiv OR Odesa",
    "title:Ukraine",
    "shelling",
]
FILTERS: list[list[str]] = [
    [],
    ["--since", "2024-01-01", "--until", "2024-06-30"],
    ["--place", "Kharkiv"],
    ["--lang", "en"],
    ["--any"],
]


def _with_password(url: str, schema: str) -> str:
    head, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    options = quote(f"-csearch_path={schema}")
    return f"{head}://{user}:{SECRET}@{host}?options={options}"


@pytest.fixture(scope="module")
def team(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A team archive and a local one of sample_data: (URL, folder)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = _with_password(postgres_server, schema)
    local = str(tmp_path_factory.mktemp("local") / "archive")
    for where in (url, local):
        r = invoke("ingest", str(SAMPLE), "--index", where, "-q")
        assert r.exit_code == 0, r.stderr
        assert SECRET not in r.stdout + r.stderr
    yield url, local
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _json(*args: str) -> Any:
    r = invoke(*args)
    assert r.exit_code in (0, 1), r.stderr
    assert SECRET not in r.stdout + r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("text", QUERIES)
def test_counts_lists_exports_and_timelines_agree_with_a_local_archive(
    team: tuple[str, str], text: str
) -> None:
    url, local = team
    for extra in FILTERS:
        counts = {}
        for where in (url, local):
            ix = ["--index", where]
            n = _json("count", text, *extra, *ix, "--json")["count"]
            listed = _json("search", text, *extra, *ix, "--json", "-n", "0", "--fields", "id")
            assert len(listed["results"]) == listed["total"] == n, (text, extra, where)
            exported = invoke("export", text, *extra, *ix).stdout.splitlines()
            assert len(exported) == n, (text, extra, where)
            tl = _json("timeline", text, *extra, *ix, "--json", "--by", "month")
            assert sum(b["count"] for b in tl["buckets"]) + tl["undated"] == n
            counts[where] = (n, {r["id"] for r in listed["results"]})
        assert counts[url] == counts[local], (text, extra)


def test_places_sources_stats_and_show(team: tuple[str, str]) -> None:
    url, local = team
    for cmd in (["places", "-n", "10"], ["count", "Kyiv", "--by", "source"], ["stats"]):
        a, b = _json(*cmd, "--json", "--index", url), _json(*cmd, "--json", "--index", local)
        for k in ("took_ms", "location", "index_bytes", "last_ingest"):
            a.pop(k, None), b.pop(k, None)
        assert a == b, cmd
    hit = _json("search", "Belgorod", "--json", "-n", "1", "--index", url)["results"][0]
    shown = _json("show", hit["id"], "--json", "--index", url)
    assert shown["id"] == hit["id"] and len(shown["body"]) > 200
    r = invoke("check", "--index", url)
    assert r.exit_code == 0 and "agree" in r.stdout + r.stderr


def test_no_folder_is_made_for_a_url(team: tuple[str, str], tmp_path: Path) -> None:
    import os

    url, _ = team
    before = set(os.listdir("."))
    assert invoke("count", "Kyiv", "--index", url).exit_code == 0
    assert not [n for n in set(os.listdir(".")) - before if n.startswith("postgres")]


def test_an_engine_named_for_a_team_archive_is_refused(team: tuple[str, str]) -> None:
    """A team archive's engine is PostgreSQL: ingest --engine with its URL is a usage
    error, and nothing is added."""
    url, _ = team
    before = _json("stats", "--json", "--index", url)["articles"]
    for engine in ("whoosh", "tantivy"):
        r = invoke("ingest", str(SAMPLE), "--index", url, "--engine", engine, "-q")
        assert r.exit_code == 2, r.stderr
        assert "--engine is for an archive in a folder" in r.stderr
    assert _json("stats", "--json", "--index", url)["articles"] == before


def test_a_server_that_cannot_be_reached(postgres_server: str) -> None:
    r = invoke("search", "Kyiv", "--index", f"postgresql://someone:{SECRET}@127.0.0.1:1/none")
    assert r.exit_code == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert SECRET not in r.stdout + r.stderr
    assert "postgresql://someone:***@127.0.0.1:1/none" in r.stderr


def test_a_role_that_may_only_read(team: tuple[str, str], postgres_server: str) -> None:
    url, _ = team
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        if not conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            pytest.skip("the test server's role cannot make roles")
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT pg_read_all_data TO {role}")
    try:
        head, rest = url.split("://", 1)
        reader = f"{head}://{role}:{SECRET}@{rest.split('@', 1)[1]}"
        r = invoke("search", "Kyiv", "--json", "--index", reader)
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["total"] > 0
        r = invoke("ingest", str(SAMPLE), "--index", reader, "-q")
        assert r.exit_code == 1
        assert "Traceback" not in r.stdout + r.stderr and SECRET not in r.stdout + r.stderr
        assert "may not be changed by this role" in r.stderr
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE articles; --",
        'Kyiv") OR 1=1 --',
        "$$; select pg_sleep(5); $$",
        "x' OR 'a'='a",
    ],
)
def test_hostile_queries_change_nothing(team: tuple[str, str], text: str) -> None:
    url, _ = team
    before = _json("stats", "--json", "--index", url)["articles"]
    r = invoke("search", text, "--json", "--index", url)
    assert r.exit_code in (0, 1, 2) and "Traceback" not in r.stdout + r.stderr
    assert _json("stats", "--json", "--index", url)["articles"] == before


def test_copy_into_a_team_archive_and_back(
    team: tuple[str, str], postgres_server: str, tmp_path: Path
) -> None:
    """conflict copy moves a local archive into a team archive and back, without the
    files: every count the same after each move; a second copy adds nothing."""
    _, local = team
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        moved = _with_password(postgres_server, schema)
        back = str(tmp_path / "back")
        for source, target in ((local, moved), (moved, back)):
            r = invoke("copy", "--from", source, "--to", target, "-q", "--json")
            assert r.exit_code == 0, r.stderr
            assert SECRET not in r.stdout + r.stderr
            assert json.loads(r.stdout)["articles_added"] == 50
        for text in ("Kyiv", "drones Belgorod", "NOT Ukraine"):
            counts = {
                _json("count", text, "--json", "--index", w)["count"] for w in (local, moved, back)
            }
            assert len(counts) == 1, text
        assert _json("stats", "--json", "--index", back)["articles"] == 50
        stories = [_json("dupes", "--json", "--index", w) for w in (local, back)]
        assert stories[0] == stories[1]
        again = invoke("copy", "--from", local, "--to", moved, "-q", "--json")
        assert json.loads(again.stdout)["articles_added"] == 0
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def schema(postgres_server: str) -> Iterator[tuple[str, str]]:
    """A schema of its own on the test server: (its name, a URL that uses it)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield name, _with_password(postgres_server, name)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def test_an_older_team_archive_is_upgraded_and_a_newer_one_refused(
    schema: tuple[str, str], postgres_server: str, articles_dir: Path
) -> None:
    """A team archive made before columns and tables that this version has (dropped
    here, its schema version set back) is brought up to date by the next ingest, its
    articles kept; one made by a newer version is refused by every command; a column
    of another type is named by check."""
    name, url = schema
    assert invoke("ingest", str(SAMPLE), "--index", url, "-q").exit_code == 0
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"SET search_path = {name}")
        conn.execute("ALTER TABLE articles DROP COLUMN meta, DROP COLUMN lang")
        conn.execute("DROP TABLE watch_seen")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    assert _json("count", "Kyiv", "--json", "--index", url)["count"] > 0  # read as it is
    r = invoke("ingest", str(articles_dir), "--index", url, "-q")
    assert r.exit_code == 0, r.stderr
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"SET search_path = {name}")
        got = {
            c
            for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'articles'",
                (name,),
            )
        }
        assert {"meta", "lang"} <= got
        assert conn.execute("SELECT to_regclass('watch_seen')").fetchone()[0] is not None
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(version[0]) > 1
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    for args in (["count", "Kyiv"], ["ingest", str(articles_dir)], ["stats"]):
        refused = invoke(*args, "--index", url)
        assert refused.exit_code == 1, (args, refused.stderr)
        assert "newer version of conflict" in refused.stderr, args
        assert "Traceback" not in refused.stderr and SECRET not in refused.stderr
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"SET search_path = {name}")
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", version)
        conn.execute("ALTER TABLE files ALTER COLUMN size TYPE text")
    checked = invoke("check", "--index", url)
    assert checked.exit_code != 0 and "files.size is TEXT, not INTEGER" in checked.stderr


@pytest.fixture(scope="module")
def primary_and_replica() -> Iterator[tuple[str, str]]:
    """A primary and its streaming replica of our own (tests/pgserver.py)."""
    import shutil
    import sys
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    import pgserver

    if pgserver.binaries() is None:
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql-15)")
    folder = Path(tempfile.mkdtemp(prefix="conflict-pg-replica-"))
    try:
        urls = pgserver.start(folder, replica=True)
        yield urls["CONFLICT_TEST_POSTGRES"], urls["CONFLICT_TEST_POSTGRES_REPLICA"]
    finally:
        pgserver.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _caught_up(replica: str, primary: str, step: str = "replay") -> None:
    """The replica has replayed (or, step="receive", received) all the primary wrote."""
    import time

    with psycopg.connect(primary, autocommit=True) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    sql = f"SELECT pg_last_wal_{step}_lsn() >= %s::pg_lsn"
    with psycopg.connect(replica, autocommit=True) as r:
        for _ in range(100):
            if r.execute(sql, (lsn,)).fetchone()[0]:
                return
            time.sleep(0.1)
    raise AssertionError(f"the replica did not {step} the primary's changes in 10 s")


def test_a_replica_answers_and_says_when_it_lags(
    primary_and_replica: tuple[str, str], monkeypatch: pytest.MonkeyPatch, articles_dir: Path
) -> None:
    from conflictcli.engine.postgres import engine

    primary, replica = primary_and_replica
    r = invoke("ingest", str(SAMPLE), "--index", primary, "-q")
    assert r.exit_code == 0, r.stderr
    _caught_up(replica, primary)
    on = {w: _json("count", "Kyiv", "--json", "--index", w)["count"] for w in (primary, replica)}
    assert on[primary] == on[replica] > 0
    assert "behind" not in invoke("count", "Kyiv", "--index", replica).stderr
    # replay paused, then a change on the primary: the replica is behind, and says so
    with psycopg.connect(replica, autocommit=True) as r_conn:
        r_conn.execute("SELECT pg_wal_replay_pause()")
    try:
        (articles_dir / "new.txt").write_text(" date 2024-12-01\n\nKyiv again, new text.\n")
        assert invoke("ingest", str(articles_dir), "--index", primary, "-q").exit_code == 0
        _caught_up(replica, primary, "receive")  # received, not replayed: it lags
        monkeypatch.setattr(engine, "LAG_NOTED_S", -1)
        got = invoke("count", "Kyiv", "--index", replica)
        assert got.stdout.strip() == str(on[replica])  # as of before the change
        assert "behind its primary" in got.stderr
    finally:
        with psycopg.connect(replica, autocommit=True) as r_conn:
            r_conn.execute("SELECT pg_wal_replay_resume()")


def _both(primary: str, replica: str, attrs: str) -> str:
    """One URL naming the primary and the replica, libpq choosing by `attrs`."""
    p, r = psycopg.conninfo.conninfo_to_dict(primary), psycopg.conninfo.conninfo_to_dict(replica)
    hosts = f"{p['host']}:{p['port']},{r['host']}:{r['port']}"
    return f"postgresql://{p['user']}@{hosts}/{p['dbname']}?target_session_attrs={attrs}"


def test_libpq_sends_searches_to_the_standby_and_an_ingest_there_is_refused(
    primary_and_replica: tuple[str, str], monkeypatch: pytest.MonkeyPatch, articles_dir: Path
) -> None:
    """target_session_attrs=prefer-standby: searches go to the replica (held back here,
    so its count is the older one, and it says how far behind it is); an ingest that
    lands on a standby is refused with the next step, and read-write finds the primary."""
    from conflictcli.engine.postgres import engine

    primary, replica = primary_and_replica
    assert invoke("ingest", str(SAMPLE), "--index", primary, "-q").exit_code == 0
    _caught_up(replica, primary)
    before = _json("count", "Kyiv", "--json", "--index", primary)["count"]
    standby = _both(primary, replica, "prefer-standby")
    with psycopg.connect(replica, autocommit=True) as r_conn:
        r_conn.execute("SELECT pg_wal_replay_pause()")
    try:
        (articles_dir / "newer.txt").write_text(" date 2024-12-02\n\nKyiv, once more.\n")
        wrote = invoke(
            "ingest", str(articles_dir), "--index", _both(primary, replica, "read-write")
        )
        assert wrote.exit_code == 0, wrote.stderr
        assert _json("count", "Kyiv", "--json", "--index", primary)["count"] > before
        _caught_up(replica, primary, "receive")  # received, not replayed: it lags
        monkeypatch.setattr(engine, "LAG_NOTED_S", -1)
        got = invoke("count", "Kyiv", "--index", standby)
        assert got.exit_code == 0 and got.stdout.strip() == str(before)
        assert "behind its primary" in got.stderr
        refused = invoke("ingest", str(articles_dir), "--index", replica, "-q")
        assert refused.exit_code == 1, refused.stderr
        assert "read replica" in refused.stderr and "Traceback" not in refused.stderr
        assert "target_session_attrs=read-write" in refused.stderr
    finally:
        with psycopg.connect(replica, autocommit=True) as r_conn:
            r_conn.execute("SELECT pg_wal_replay_resume()")


def test_an_ingest_killed_with_sigkill_loses_nothing_committed(
    postgres_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/crash.py on team archives: ingests into PostgreSQL killed with SIGKILL
    mid-way, in every input format; each archive agrees with itself and holds what was
    committed, and the ingest run again reaches what an uninterrupted one holds."""
    import os
    import shutil
    import sys

    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CONFLICT_CHECKPOINT", "20")  # kills land between checkpoints
    import crash

    report = crash.run(2, 120, 5, crash.DEFAULT_CORPORA, False, team=postgres_server)
    shutil.rmtree(report["work"], ignore_errors=True)
    assert report["trials"] == 2 and report["articles"] == 120
    # every trial's failed checks in full, a line each, those with any first (the line
    # the short test summary shows)
    rows = sorted(report["rows"], key=lambda r: not r["wrong"])
    said = [f"trial {r['trial']} (kill at {r['at']:.0%}): {r['wrong']}" for r in rows]
    assert report["trials_with_losses"] == 0, "\n".join(said)
