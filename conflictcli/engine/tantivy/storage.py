"""The tantivy index's folder on disk, made safe for an archive that may come from
someone else (as the Whoosh engine's storage.py): every commit is sealed with this
user's key (keys.py) over the hash of tantivy's meta.json and the names and sizes of
the files of the segments it lists, and the seal is checked before tantivy reads
anything. No link in the folder is followed.

tantivy merges segments in background threads after a commit and writes a new
meta.json when a merge ends, which the writer seals again at its next checkpoint and
at its end. A reader that finds meta.json and the seal apart while this archive's
writer holds its lock (an ingest running on this machine) opens the index as it is:
only a process of this machine holding the lock can make that so."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from conflictcli import keys
from conflictcli.engine.tantivy.layout import LAYOUT
from conflictcli.errors import Foreign, OtherLayout
from conflictcli.keys import linked, lock_held

SEAL = "conflict-seal.json"
WRITE_LOCK = "conflict-writer.lock"  # a flock held by the writer (in front of tantivy's)
META_LIMIT = 64 << 20  # meta.json lists segments: kilobytes
SEAL_LIMIT = 16 << 20
_SEGMENT_FILE = re.compile(r"^([0-9a-f]{32})\.[A-Za-z0-9_.]+$")


def segment_files(folder: Path) -> dict[str, int]:
    out = {}
    for entry in os.scandir(folder):
        if _SEGMENT_FILE.match(entry.name) and entry.is_file(follow_symlinks=False):
            out[entry.name] = entry.stat(follow_symlinks=False).st_size
    return out


def _listed(meta: bytes) -> set[str]:
    """The segment ids meta.json lists (as its files name them: 32 hex digits)."""
    record = json.loads(meta)
    return {str(s["segment_id"]).replace("-", "") for s in record["segments"]}


def opstamp(folder: Path) -> int:
    """The opstamp of the index's latest commit (0: none)."""
    try:
        record = json.loads(keys.read_small(folder / "meta.json", META_LIMIT))
        return int(record.get("opstamp", 0))
    except FileNotFoundError:
        return 0


def seal(folder: Path) -> None:
    """Seal the commit meta.json names now (the writer holds the lock)."""
    meta = keys.read_small(folder / "meta.json", META_LIMIT)
    listed = _listed(meta)
    files = {
        n: size
        for n, size in segment_files(folder).items()
        if (m := _SEGMENT_FILE.match(n)) and m.group(1) in listed
    }
    body = {
        "sealed_by": "conflict",
        "engine": "tantivy",
        "index_layout": LAYOUT,
        "meta": hashlib.sha256(meta).hexdigest(),
        "files": files,
    }
    text = json.dumps({**body, "tag": keys.seal(body)}, sort_keys=True)
    keys.write_file(folder / SEAL, lambda f: f.write(text))


def verify(folder: Path) -> None:
    """Foreign unless the seal holds: made with this user's key over this meta.json and
    these files (or this archive's writer is at work on it now). tantivy has read
    nothing before."""
    for entry in os.scandir(folder):
        if entry.is_symlink():
            raise linked(Path(entry.path))
    try:
        raw = keys.read_small(folder / SEAL, SEAL_LIMIT)
    except FileNotFoundError:
        raise Foreign(
            f"The search index in {folder} was not built by this user of conflict (it has no seal)"
        ) from None
    except OSError as e:
        raise Foreign(
            f"The search index in {folder} has a seal that cannot be read ({e})"
        ) from None
    try:
        record = json.loads(raw)
        tag = record.pop("tag")
        files = record["files"]
        if not isinstance(files, dict):
            raise TypeError("files")
    except Exception as e:  # whatever a hostile seal holds: deep, huge, wrong types
        raise Foreign(
            f"The search index in {folder} has a seal that cannot be read ({type(e).__name__})"
        ) from None
    if not keys.sealed(record, tag):
        raise Foreign(
            f"The search index in {folder} was not built by this user of conflict, or was "
            "changed since (its seal does not hold under this user's key)"
        )
    if record.get("index_layout") != LAYOUT or record.get("engine") != "tantivy":
        raise OtherLayout(
            f"The search index in {folder} was built by another version of conflict "
            f"(index layout {record.get('index_layout')!r})"
        )
    _check_files(folder, record, files)


def _check_files(folder: Path, record: dict[str, Any], files: dict[str, Any]) -> None:
    deadline = time.monotonic() + 2.0
    while True:
        meta = keys.read_small(folder / "meta.json", META_LIMIT)
        if hashlib.sha256(meta).hexdigest() == record.get("meta"):
            break
        if lock_held(folder / WRITE_LOCK):  # a merge ended since the writer's last seal
            return
        if time.monotonic() >= deadline:
            raise Foreign(f"The search index in {folder} has a meta.json that was changed")
        time.sleep(0.05)  # a writer between its commit and its seal: a moment
    present = segment_files(folder)
    listed = _listed(meta)
    for name, size in files.items():
        if present.get(name) != size:
            raise Foreign(f"The search index in {folder} has a file changed: {name}")
    for name in present:
        m = _SEGMENT_FILE.match(name)
        if m and m.group(1) in listed and name not in files:
            raise Foreign(f"The search index in {folder} has a file that was added: {name}")
