"""Faults of the machine are faults, not bugs: a full disk during an ingest is one clear
message (exit 1), nothing of the failed write is left behind, and the archive is as it
was at its last checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE, write


class _Done:
    def __init__(self, p: subprocess.CompletedProcess[str]) -> None:
        self.exit_code, self.stdout, self.stderr = p.returncode, p.stdout, p.stderr


def run(*args: str) -> _Done:
    """The command as a user runs it, a process of its own (the space of the files a
    failed write had open comes back when the process ends, as it does for a user)."""
    cmd = [sys.executable, "-m", "conflictcli", *args]
    return _Done(subprocess.run(cmd, capture_output=True, text=True, timeout=600))


def as_json(done: _Done) -> dict:  # type: ignore[type-arg]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB file system of its own (tmpfs): room for one small archive (2.7 MB for
    sample_data, most of it the gazetteer's spellings as the catalogue stores them), not
    two."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _texts(folder: Path, n: int) -> Path:
    for i in range(n):
        words = " ".join(f"word{i}x{j} Kharkiv report{j % 97}" for j in range(400))
        write(folder / f"{i:04d}.txt", f" date 2024-0{1 + i % 9}-1{i % 9} {words}\n")
    return folder


def test_a_full_disk_is_a_clear_message_and_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    archive = small_disk / "archive"
    assert run("ingest", str(SAMPLE), "--index", str(archive), "--quiet").exit_code == 0
    want = as_json(run("search", "Belgorod", "--json", "--limit", "0", "--index", str(archive)))
    before = sorted(p.name for p in (archive / "whoosh").iterdir())
    r = run("ingest", str(_texts(tmp_path / "big", 300)), "--index", str(archive))
    assert r.exit_code == 1, r.stderr
    assert "No space left" in r.stderr and "Free some space" in r.stderr
    assert "This is a bug" not in r.stderr and "Traceback" not in r.stderr
    after = sorted(p.name for p in (archive / "whoosh").iterdir())
    assert not [n for n in after if ".tmp" in n or n.endswith(".part")]
    assert set(after) <= set(before) | {n for n in after if n.startswith("conflict-seal-")}
    got = as_json(run("search", "Belgorod", "--json", "--limit", "0", "--index", str(archive)))
    assert got["total"] == want["total"] == len(got["results"])
    # with room again, the same ingest completes, and the archive agrees with itself
    shutil.rmtree(tmp_path / "big")
    small = _texts(tmp_path / "small", 5)
    r = run("ingest", str(small), "--index", str(archive), "--quiet")
    assert r.exit_code == 0, r.stderr
    assert run("check", "--index", str(archive)).exit_code == 0
    assert as_json(run("stats", "--json", "--index", str(archive)))["articles"] == 55
    assert os.path.ismount(small_disk)


def test_each_fault_of_the_machine_is_named_with_the_next_step() -> None:
    import errno
    import sqlite3

    from conflictcli.errors import DataError, fault

    full = fault(OSError(errno.ENOSPC, "No space left on device", "/arch/whoosh/MAIN_x.pst"))
    assert isinstance(full, DataError) and "/arch/whoosh/MAIN_x.pst" in full.message
    assert full.hint and "Free some space" in full.hint
    denied = fault(OSError(errno.EACCES, "Permission denied", "/arch/catalogue.sqlite"))
    assert isinstance(denied, DataError) and "refused access" in denied.message
    assert denied.hint and "--index" in denied.hint
    assert "read-only" in fault(OSError(errno.EROFS, "Read-only file system")).hint  # type: ignore[union-attr]
    sql = fault(sqlite3.OperationalError("database or disk is full"))
    assert isinstance(sql, DataError) and "catalogue" in sql.message
    ro = fault(sqlite3.OperationalError("attempt to write a readonly database"))
    assert isinstance(ro, DataError) and "read-only" in ro.message
    # anything else is not a fault of the machine: it stays a bug to report
    assert fault(ValueError("x")) is None and fault(OSError(errno.EINVAL, "Invalid")) is None
    assert fault(sqlite3.OperationalError("no such table: articles")) is None
