"""The tantivy engine as an archive's engine: chosen when the archive is made, kept,
switched by reindex with nothing lost, and its index refused when it is not this
user's (a seal that does not hold, a file changed or added, a link)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import SAMPLE, Run, as_json

pytest.importorskip("tantivy")


def _count(run: Run, ix: Path, query: str = "drones") -> int:
    r = run("count", query, "--index", str(ix))
    assert r.exit_code == 0, r.stderr
    return int(r.stdout.strip())


def test_the_engine_is_chosen_when_the_archive_is_made_and_kept(run: Run, tmp_path: Path) -> None:
    ix = tmp_path / "a"
    assert (
        run("ingest", str(SAMPLE), "--engine", "tantivy", "--index", str(ix), "-q").exit_code == 0
    )
    assert (ix / "tantivy" / "meta.json").is_file() and not (ix / "whoosh").exists()
    r = run("ingest", str(SAMPLE), "--engine", "whoosh", "--index", str(ix))
    assert r.exit_code == 2 and "reindex --engine whoosh" in r.stderr
    assert "Traceback" not in r.stderr
    again = as_json(run("ingest", str(SAMPLE), "--index", str(ix), "--json"))  # its own engine
    assert again["unchanged"] == 50 and again["added"] == 0, again
    r = run("ingest", str(SAMPLE), "--engine", "lucene", "--index", str(tmp_path / "b"))
    assert r.exit_code == 2 and "whoosh, tantivy" in r.stderr


def test_reindex_moves_an_archive_between_engines_with_nothing_lost(
    run: Run, tmp_path: Path
) -> None:
    ix = tmp_path / "a"
    assert run("ingest", str(SAMPLE), "--engine", "whoosh", "--index", str(ix), "-q").exit_code == 0
    before = {q: _count(run, ix, q) for q in ("drones", "Kyiv", '"air defence"', "NOT Ukraine")}
    s = as_json(run("reindex", "--engine", "tantivy", "--index", str(ix), "--json"))
    assert s["reindexed"] == 50
    assert any("now uses the tantivy engine" in w for w in s["warnings"])
    assert (ix / "tantivy").is_dir() and not (ix / "whoosh").exists()
    assert {q: _count(run, ix, q) for q in before} == before
    assert run("reindex", "--engine", "whoosh", "--index", str(ix), "-q").exit_code == 0
    assert (ix / "whoosh").is_dir() and not (ix / "tantivy").exists()
    assert {q: _count(run, ix, q) for q in before} == before


@pytest.fixture
def tantivy_archive(run: Run, tmp_path: Path) -> Path:
    ix = tmp_path / "a"
    assert (
        run("ingest", str(SAMPLE), "--engine", "tantivy", "--index", str(ix), "-q").exit_code == 0
    )
    return ix


def test_an_index_sealed_by_another_user_is_not_read(
    run: Run, tantivy_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seal = tantivy_archive / "tantivy" / "conflict-seal.json"
    record = json.loads(seal.read_text())
    record["tag"] = "0" * 64  # another user's key gives another tag
    seal.write_text(json.dumps(record))
    r = run("search", "drones", "--index", str(tantivy_archive))
    assert r.exit_code != 0 and "not built by this user" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    s = as_json(run("reindex", "--index", str(tantivy_archive), "--json"))
    assert s["reindexed"] == 50
    assert any(w.startswith("the index there was not built by this user") for w in s["warnings"])
    assert _count(run, tantivy_archive) > 0


def test_a_segment_file_changed_or_added_breaks_the_seal(run: Run, tantivy_archive: Path) -> None:
    folder = tantivy_archive / "tantivy"
    store = next(folder.glob("*.store"))
    with store.open("ab") as f:
        f.write(b"\0")
    r = run("search", "drones", "--index", str(tantivy_archive))
    assert r.exit_code != 0 and "file changed" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_link_in_the_index_is_refused(run: Run, tantivy_archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("mine")
    os.symlink(target, tantivy_archive / "tantivy" / "x.fast")
    r = run("search", "drones", "--index", str(tantivy_archive))
    assert r.exit_code != 0 and "symbolic link" in r.stderr, r.stderr
    assert target.read_text() == "mine"
