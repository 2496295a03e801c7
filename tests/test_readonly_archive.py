"""A read-only archive (a DVD, a read-only share, a folder without write permission)
can be searched, shown and exported as it is (issue 25): commands that only read open
the catalogue read-only, and an ingest into it is a clear error that changes nothing.
conftest's readonly_dir makes the folder read-only for root too (a read-only bind
mount), as CI runs as root and root may write anywhere else."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from test_hostile_catalogue import VICTIM_FILE, at_rest, victim_of, zlib_bomb

from conflictcli.archive import CATALOGUE
from conflictcli.errors import DataError
from conflictcli.store import Store

from conftest import SAMPLE, ReadonlyDir, Run, as_json

VOLATILE = ("took_ms", "location", "index_bytes")


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under the folder with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def _steady(data: Any) -> Any:
    """JSON output without what differs between two copies of an archive."""
    if isinstance(data, dict):
        return {k: _steady(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_steady(v) for v in data]
    return data


READS = [
    ["search", "drone", "--json", "--limit", "0"],
    ["search", "Belgorod", "--jsonl", "--since", "2024-03"],
    ["show", str(VICTIM_FILE), "--json"],
    ["export", "--all"],
    ["export", "Kyiv", "--format", "csv", "--fields", "id,title,body"],
    ["stats", "--json"],
    ["sources", "--json"],
    ["count", "drone", "--by", "month", "--json"],
    ["timeline", "drone", "--json"],
    ["dupes", "--json"],
    ["check", "--json"],
]


@pytest.fixture
def read_only(readonly_dir: ReadonlyDir, sample_archive: Path, tmp_path: Path) -> Path:
    return readonly_dir(at_rest(sample_archive, tmp_path / "at-rest"))


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_archive_reads_as_the_writable_one(
    run: Run, args: list[str], read_only: Path, sample_archive: Path
) -> None:
    before = _listing(read_only)
    got = run(*args, "--index", str(read_only))
    want = run(*args, "--index", str(sample_archive))
    assert got.exit_code == want.exit_code == 0, got.stderr
    assert "Traceback" not in got.stderr and got.stderr == want.stderr
    if "--json" in args:
        assert _steady(as_json(got)) == _steady(as_json(want))
    else:
        assert got.stdout == want.stdout
    assert _listing(read_only) == before


def test_the_catalogue_of_a_read_only_archive_is_opened_read_only(read_only: Path) -> None:
    store = Store(read_only / CATALOGUE)
    try:
        assert not store.writable and store.immutable  # no -shm can be made beside it
        assert store.article_count() == 50
        with pytest.raises(DataError, match="is read-only"):
            store.begin()
    finally:
        store.close()
    with pytest.raises(DataError, match=f"The archive at {read_only} is read-only"):
        Store(read_only / CATALOGUE, write=True)


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", str(SAMPLE / "other")],
        ["ingest", "--rebuild"],
        ["reindex"],
        ["check", "--repair"],
        ["watch", "add", "drones", "drone"],
        ["rm", str(SAMPLE / "other")],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_write_to_a_read_only_archive_names_the_folder_and_changes_nothing(
    run: Run, args: list[str], read_only: Path
) -> None:
    before = _listing(read_only)
    r = run(*args, "--index", str(read_only))
    assert r.exit_code == 1, r.stdout + r.stderr
    assert f"Error: The archive at {read_only} is read-only" in r.stderr
    assert "--index" in r.stderr  # the next step: a writable copy
    assert "Traceback" not in r.stderr and "This is a bug" not in r.stderr
    assert _listing(read_only) == before


def test_a_damaged_read_only_archive_names_the_damage(
    run: Run, readonly_dir: ReadonlyDir, sample_archive: Path, tmp_path: Path
) -> None:
    copy = at_rest(sample_archive, tmp_path / "copy")
    victim = victim_of(copy)
    with closing(sqlite3.connect(copy / CATALOGUE)) as db, db:
        db.execute("UPDATE articles SET body = ? WHERE id = ?", (zlib_bomb(), victim))
    archive = readonly_dir(copy)
    shown = run("show", victim, "--index", str(archive))
    assert shown.exit_code == 1 and "its text inflates past" in shown.stderr
    found = run("search", "Belgorod", "--json", "--limit", "0", "--index", str(archive))
    assert found.exit_code == 0 and victim not in found.stdout
    report = run("check", "--json", "--index", str(archive))
    assert report.exit_code == 1
    assert [p["kind"] for p in as_json(report)["problems"]] == ["text_too_long"]
    repair = run("check", "--repair", "--index", str(archive))
    assert repair.exit_code == 1 and "is read-only" in repair.stderr


def _copied_mid_write(archive: Path, to: Path, keep_shm: bool) -> str:
    """A copy of the archive taken while a writer has a change committed to the -wal
    file, not yet into the catalogue itself (as `cp -r` during an ingest may take it);
    returns the id of the article whose title the change set to 'Changed'."""
    at_rest(archive, to)
    victim = victim_of(to)
    writer = sqlite3.connect(to / CATALOGUE)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE articles SET title = 'Changed' WHERE id = ?", (victim,))
    writer.commit()
    copy = to.with_name(to.name + "-copy")
    shutil.copytree(to, copy)
    writer.close()
    assert (copy / f"{CATALOGUE}-wal").stat().st_size > 0
    if not keep_shm:
        (copy / f"{CATALOGUE}-shm").unlink()
    shutil.rmtree(to)
    copy.rename(to)
    return victim


def test_a_read_only_copy_with_its_wal_is_read_with_the_changes(
    run: Run, readonly_dir: ReadonlyDir, sample_archive: Path, tmp_path: Path
) -> None:
    victim = _copied_mid_write(sample_archive, tmp_path / "copy", keep_shm=True)
    archive = readonly_dir(tmp_path / "copy")
    shown = run("show", victim, "--json", "--index", str(archive))
    assert shown.exit_code == 0, shown.stderr
    assert as_json(shown)["title"] == "Changed"


def test_a_read_only_copy_whose_wal_cannot_be_read_says_so(
    run: Run, readonly_dir: ReadonlyDir, sample_archive: Path, tmp_path: Path
) -> None:
    _copied_mid_write(sample_archive, tmp_path / "copy", keep_shm=False)
    archive = readonly_dir(tmp_path / "copy")
    r = run("stats", "--index", str(archive))
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert f"has changes in {CATALOGUE}-wal that cannot be read" in r.stderr
    assert "Copy the archive's folder somewhere writable" in r.stderr


def test_reading_a_writable_archive_changes_nothing_in_it(
    sample_archive: Path, tmp_path: Path
) -> None:
    """Each command in a process of its own, as the user runs it: the catalogue is read
    read-only, and the -wal and -shm files a reader makes are gone when it is done."""
    archive = at_rest(sample_archive, tmp_path / "archive")
    before = (archive / CATALOGUE).read_bytes()
    names = sorted(p.name for p in archive.iterdir())
    victim = victim_of(archive)
    for args in (["search", "drone"], ["show", victim], ["stats"], ["export", "--all"]):
        done = subprocess.run(
            [sys.executable, "-m", "conflictcli", *args, "--index", str(archive)],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "120"},
        )
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in archive.iterdir()) == names
    assert (archive / CATALOGUE).read_bytes() == before
    assert json.loads(
        subprocess.run(
            [sys.executable, "-m", "conflictcli", "check", "--json", "--index", str(archive)],
            capture_output=True,
            text=True,
        ).stdout
    )["ok"]
