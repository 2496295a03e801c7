"""An archive built before this version (index layout 1: Whoosh's own stemmer, plain
text in the catalogue) keeps working: show and stats at once, search after a rebuild
that any ingest does. tests/fixtures/archive-v1.tar.gz was built from sample_data/other
by conflict at commit 946ad30, before index layouts were recorded."""

from __future__ import annotations

import sqlite3
import tarfile
from pathlib import Path

import pytest

from conftest import SAMPLE, Run, as_json

FIXTURE = Path(__file__).parent / "fixtures" / "archive-v1.tar.gz"


@pytest.fixture
def old(tmp_path: Path) -> list[str]:
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    return ["--index", str(tmp_path / "archive")]


def test_show_and_stats_read_an_old_archive(run: Run, old: list[str]) -> None:
    st = as_json(run("stats", "--json", *old))
    assert st["articles"] == 5
    db = sqlite3.connect(Path(old[1]) / "catalogue.sqlite")
    some_id = db.execute("SELECT id FROM articles LIMIT 1").fetchone()[0]
    a = as_json(run("show", some_id, "--json", *old))
    assert a["id"] == some_id and len(a["body"]) > 200


def test_search_refuses_an_old_index_and_names_the_rebuild(run: Run, old: list[str]) -> None:
    r = run("search", "Mali", *old)
    assert r.exit_code == 1
    assert "built by an older version of conflict" in r.stderr
    assert f"conflict reindex --index {old[1]}" in r.stderr
    assert "Traceback" not in r.stderr


def test_rebuild_makes_an_old_archive_searchable_with_nothing_lost(
    run: Run, old: list[str]
) -> None:
    r = run("ingest", "--rebuild", "--json", *old)
    assert r.exit_code == 0, r.stderr
    s = as_json(r)
    assert s["reindexed"] == 5 and s["articles"] == 5
    assert any("older version" in w or "as asked" in w for w in s["warnings"])
    found = as_json(
        run("search", "Mali OR Darfur OR Rafah OR Syria", "--json", "--limit", "0", *old)
    )
    assert found["total"] >= 4
    again = as_json(run("ingest", "--rebuild", "--json", *old))
    assert again["reindexed"] == 5


def test_any_ingest_rebuilds_an_old_index(run: Run, old: list[str]) -> None:
    r = run("ingest", str(SAMPLE / "ukraine"), "--json", *old)
    assert r.exit_code == 0, r.stderr
    s = as_json(r)
    assert s["reindexed"] == 5 and s["added"] == 7 and s["articles"] == 12
    assert any("older version (layout 1)" in w for w in s["warnings"])
    total = as_json(run("search", "Belgorod OR Mali", "--json", *old))["total"]
    assert total > 0


def test_the_catalogue_keeps_text_compressed(run: Run, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run("ingest", str(SAMPLE), "--index", str(ix), "--quiet")
    db = sqlite3.connect(ix / "catalogue.sqlite")
    kinds = {r[0] for r in db.execute("SELECT typeof(body) FROM articles")}
    assert kinds == {"blob"}
    path = SAMPLE / "2024-03-27-belgorod-drones-gladkov.txt"
    body = as_json(run("show", str(path), "--json", "--index", str(ix)))["body"]
    assert "Belgorod" in body and body == body.strip()


def test_ingest_with_no_path_and_no_rebuild_is_a_usage_error(run: Run) -> None:
    r = run("ingest")
    assert r.exit_code == 2 and "Give the files or folders" in r.stderr


def test_this_users_index_of_an_older_layout_is_rebuilt_in_place(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index this user built, sealed with an older layout than this version's, is
    built again where it is: not moved aside as one from elsewhere would be."""
    from conflictcli import archive, ingest
    from conflictcli.engine import whoosh as whoosh_kind
    from conflictcli.engine.whoosh import layout

    ix = ["--index", str(tmp_path / "archive")]
    assert run("ingest", str(SAMPLE / "ukraine"), "--quiet", *ix).exit_code == 0
    newer = layout.LAYOUT + 1  # this version, as the next one will see the archive
    for module in (layout, archive, ingest):
        monkeypatch.setattr(module, "LAYOUT" if module is layout else "INDEX_LAYOUT", newer)
    monkeypatch.setattr(whoosh_kind, "LAYOUT", newer)  # as the archive reads its engine's
    s = as_json(run("ingest", str(SAMPLE / "ukraine"), "--json", *ix))
    assert s["reindexed"] == s["articles"] > 0, s
    assert not any("moved aside" in w for w in s["warnings"]), s["warnings"]
    assert not list((tmp_path / "archive").glob("whoosh-set-aside-*"))
    assert as_json(run("search", "Kherson", "--json", *ix))["total"] > 0
