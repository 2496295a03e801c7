"""The search index's folder on disk: Whoosh's FileStorage, made safe for an archive
that may come from someone else.

- Every commit is sealed (keys.py): before a new table of contents takes its name, a
  seal beside it records the hash of its bytes and the names and sizes of the index's
  files, tagged with this user's key. `verify` checks the seal of the latest commit
  before Whoosh reads anything, and the index is then pinned to that commit.
- No link is followed: files are opened with O_NOFOLLOW, new files are created with
  O_EXCL (a name that is there is unlinked first, never written through), the write
  lock is a flock on a file opened the same way, and temporary folders get random
  names.
"""

from __future__ import annotations

import conflictcli.engine.whoosh.loading  # noqa: F401  (before Whoosh: see there)

# isort: split

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from conflictcli import keys
from conflictcli.errors import Foreign, OtherLayout
from conflictcli.keys import linked, open_lock

INDEXNAME = "MAIN"
_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")
_SEGMENT = re.compile(r"^(MAIN_[0-9a-z]+)\.[A-Za-z0-9_.]+$")  # Whoosh's segment files
_SEAL = re.compile(r"^conflict-seal-([0-9]+)\.json$")
TOC_LIMIT = 64 << 20  # a table of contents lists segments: a few kilobytes
SEAL_LIMIT = 16 << 20
SEAL_WAIT_S = 5.0  # a commit's seal is written before its table of contents: a reader
# finds none only in an archive sealed elsewhere, or one whose writer died between the two


def seal_name(gen: int) -> str:
    return f"conflict-seal-{gen}.json"


class SealedStorage(FileStorage):
    def __init__(self, path: str | Path, seals: bool = True) -> None:
        super().__init__(str(path), supports_mmap=True)
        self.seals = seals
        self.pinned: int | None = None  # the one commit Whoosh may see (verified)
        self._temps: dict[str, SealedStorage] = {}

    # -- reading ---------------------------------------------------------------------
    def open_file(self, name: str, **kwargs: Any) -> Any:
        fd = os.open(self._fpath(name), os.O_RDONLY | keys.NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, f"{name} in the index is not a regular file")
            f = os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise
        return StructFile(f, name=name, **kwargs)

    def list(self) -> list[str]:
        names = super().list()
        if self.pinned is None:
            return names
        keep = f"_MAIN_{self.pinned}.toc"
        return [n for n in names if n == keep or not _TOC.match(n)]

    # -- writing ---------------------------------------------------------------------
    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
        path = self._fpath(name)
        flags = os.O_CREAT | os.O_EXCL | keys.NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        flags |= os.O_RDWR if "+" in mode or "r" in mode else os.O_WRONLY
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            if excl:
                raise
            os.unlink(path)  # a file (or a link) of that name: replaced, not written through
            fd = os.open(path, flags, 0o644)
        return StructFile(os.fdopen(fd, mode), name=name, **kwargs)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        found = _TOC.match(newname)
        if found and self.seals:
            self._seal(oldname, int(found.group(1)))
        new = self._fpath(newname)
        if safe and os.path.lexists(new):
            raise NameError(f"File {newname!r} exists")
        os.replace(self._fpath(oldname), new)
        if found and self.seals:
            gen = int(found.group(1))
            if self.pinned is not None:
                self.pinned = gen
            self._drop_seals_before(gen - 1)  # the one before stays for readers opening it

    def _seal(self, tocfile: str, gen: int) -> None:
        from conflictcli.engine.whoosh.layout import LAYOUT as INDEX_LAYOUT

        folder = Path(self.folder)
        body = {
            "sealed_by": "conflict",
            "index_layout": INDEX_LAYOUT,
            "generation": gen,
            "toc": hashlib.sha256(keys.read_small(folder / tocfile, TOC_LIMIT)).hexdigest(),
            "files": _segment_files(folder),
        }
        text = json.dumps({**body, "tag": keys.seal(body)}, sort_keys=True)
        keys.write_file(folder / seal_name(gen), lambda f: f.write(text))

    def _drop_seals_before(self, gen: int) -> None:
        for n in super().list():
            found = _SEAL.match(n)
            if found and int(found.group(1)) < gen:
                with contextlib.suppress(OSError):
                    os.unlink(self._fpath(n))

    def lock(self, name: str) -> Any:
        return _Flock(self._fpath(name))

    def temp_storage(self, name: str | None = None) -> Any:
        """A new folder of a random name (nothing of that name was there to follow);
        asked for by the same name again while it is there, the same folder (a
        checkpoint's writer and its batch's share Whoosh's one temporary folder)."""
        kept = self._temps.get(name) if name else None
        if kept is not None and os.path.isdir(kept.folder):
            return kept
        path = os.path.join(self.folder, f"{name or 'tmp'}-{secrets.token_hex(8)}")
        os.mkdir(path, 0o700)
        made = SealedStorage(path, seals=False)
        if name:
            self._temps[name] = made
        return made


class _Flock:
    """Whoosh's write lock (flock), on a file opened without following a link."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, blocking: bool = False) -> bool:
        import fcntl

        fd = open_lock(Path(self.path))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # and with it the lock
            self.fd = None


def _segment_files(folder: Path) -> dict[str, int]:
    out = {}
    for entry in os.scandir(folder):
        if _SEGMENT.match(entry.name) and entry.is_file(follow_symlinks=False):
            out[entry.name] = entry.stat(follow_symlinks=False).st_size
    return out


def latest(folder: Path) -> int | None:
    gens = [int(m.group(1)) for n in os.listdir(folder) if (m := _TOC.match(n))]
    return max(gens) if gens else None


def verify(folder: Path, schema: Any) -> int:
    """The generation of the index's latest commit, once its seal holds: made with
    this user's key over this table of contents and these files. Foreign otherwise;
    Whoosh reads nothing of the index before (the table of contents is parsed only once
    its hash matches the sealed one)."""
    from conflictcli.engine.whoosh.layout import LAYOUT as INDEX_LAYOUT

    deadline = time.monotonic() + SEAL_WAIT_S
    while True:
        gen = latest(folder)
        if gen is None:
            raise Foreign(f"The search index in {folder} has no table of contents.")
        try:
            raw = keys.read_small(folder / seal_name(gen), SEAL_LIMIT)
            break
        except FileNotFoundError:
            if time.monotonic() >= deadline or not _writer_busy(folder):
                raise Foreign(
                    f"The search index in {folder} was not built by this user of conflict "
                    "(it has no seal)"
                ) from None
            time.sleep(0.05)
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
    if record.get("generation") != gen:
        raise Foreign(f"The search index in {folder} is sealed for another commit")
    if record.get("index_layout") != INDEX_LAYOUT:
        raise OtherLayout(
            f"The search index in {folder} was built by another version of conflict "
            f"(index layout {record.get('index_layout')!r})"
        )
    toc = keys.read_small(folder / f"_MAIN_{gen}.toc", TOC_LIMIT)
    if hashlib.sha256(toc).hexdigest() != record.get("toc"):
        raise Foreign(f"The search index in {folder} has a table of contents that was changed")
    from whoosh.index import TOC

    storage = SealedStorage(folder)
    storage.pinned = gen
    segments = TOC.read(storage, INDEXNAME, gen, schema=schema).segments
    present = _segment_files(folder)
    for seg in segments:
        prefix = f"{seg.segment_id()}."
        for name, size in files.items():
            if name.startswith(prefix) and present.get(name) != size:
                raise Foreign(f"The search index in {folder} has a file changed: {name}")
        for name in present:
            if name.startswith(prefix) and name not in files:
                raise Foreign(f"The search index in {folder} has a file that was added: {name}")
    for entry in os.scandir(folder):
        if entry.is_symlink():
            raise linked(Path(entry.path))
    return gen


def _writer_busy(folder: Path) -> bool:
    """Whether a writer holds the index's write lock (an ingest between a commit's seal
    and its table of contents is only ever a moment)."""
    return keys.lock_held(folder / f"{INDEXNAME}_WRITELOCK")


def tidy(folder: Path, schema: Any) -> None:
    """After a write that failed (a full disk, an interrupt): every file that the
    latest commit does not hold is removed: segments never committed, temporary
    folders, a table of contents or a seal written for a commit that did not happen.
    The caller holds the write lock."""
    import shutil

    from whoosh.index import TOC

    gen = latest(folder)
    if gen is None:
        return
    store = SealedStorage(folder)
    store.pinned = gen
    keep = {
        f"{seg.segment_id()}." for seg in TOC.read(store, INDEXNAME, gen, schema=schema).segments
    }
    for entry in os.scandir(folder):
        name = entry.name
        seal = _SEAL.match(name)
        if entry.is_dir(follow_symlinks=False):
            if name.startswith(f"{INDEXNAME}.tmp-"):
                shutil.rmtree(entry.path, ignore_errors=True)
        elif (
            (_SEGMENT.match(name) and not any(name.startswith(k) for k in keep))
            or (name.startswith(f"_{INDEXNAME}_") and not _TOC.match(name))  # a TOC half-written
            or (seal is not None and int(seal.group(1)) > gen)
            or (name.startswith(".conflict-seal-") and name.endswith(".part"))
        ):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def open_sealed(folder: Path, schema: Any) -> Any:
    """Whoosh's index in `folder`, pinned to its latest commit once that commit's seal
    holds (a commit made after is seen by the next command, not half-way)."""
    from whoosh.index import FileIndex

    for attempt in range(3):
        try:
            gen = verify(folder, schema)
            store = SealedStorage(folder)
            store.pinned = gen
            return FileIndex(store, schema, INDEXNAME)
        except FileNotFoundError:  # a writer's commit replaced it meanwhile: once more
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
