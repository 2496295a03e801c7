"""This user's key, and the seals it makes: how conflict tells an index this user built
from one that came from elsewhere.

Whoosh keeps parts of its index as Python pickles, so an index folder that someone sent
could run code when it is read. The search index is derived data (the catalogue keeps
every text, and `conflict reindex` builds the index again from it), so conflict opens
only the indexes this user built: every commit is sealed with an HMAC-SHA256 over its
table of contents and the names and sizes of its files, under a key kept in the user's
data folder (created on first use, readable by the user alone). An index whose seal is
missing or does not hold is never handed to Whoosh.

Nothing here imports Whoosh: a file open that follows no link, and exclusive creation
under a random name, are also what the archive's own lock and temporary files use.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

from conflictcli.errors import DataError
from conflictcli.folders import data_home

KEY_ENV = "CONFLICT_KEY_FILE"  # where the key is, if not in the user's data folder
KEY_NAME = "conflict-key"
_KEY_BYTES = 32
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def key_path() -> Path:
    given = os.environ.get(KEY_ENV, "").strip()
    return Path(given).expanduser() if given else data_home() / KEY_NAME


_cached: tuple[Path, bytes] | None = None


def key() -> bytes:
    """This user's key: read from key_path(), or made there on first use (mode 0600,
    created exclusively, no link followed)."""
    global _cached
    path = key_path()
    if _cached is not None and _cached[0] == path:
        return _cached[1]
    try:
        text = read_small(path, 1024).decode("ascii").strip()
    except FileNotFoundError:
        text = _make_key(path)
    except (OSError, UnicodeDecodeError) as e:
        raise _bad_key(path, str(e)) from e
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != _KEY_BYTES:
        raise _bad_key(path, f"it does not hold {_KEY_BYTES * 2} hex digits")
    _cached = (path, value)
    return value


def _make_key(path: Path) -> str:
    import secrets

    text = secrets.token_hex(_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC, 0o600)
    except FileExistsError:  # another process made it first
        return read_small(path, 1024).decode("ascii", "replace").strip()
    except OSError as e:
        raise DataError(
            f"Cannot make this user's key at {path}: {e}.",
            f"conflict seals each search index it builds with it; set {KEY_ENV} to a file "
            "in a writable folder.",
        ) from e
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    return text


def _bad_key(path: Path, why: str) -> DataError:
    return DataError(
        f"This user's key at {path} cannot be read: {why}.",
        "Restore it from a copy (see README: Archives from elsewhere), or move it away: a new "
        "key is made, and each archive then needs 'conflict reindex' once.",
    )


def read_small(path: Path, limit: int, follow: bool = False) -> bytes:
    """A file's bytes, at most `limit`: opened without following a link (ELOOP) unless
    `follow`, and refused if it is not a regular file or is larger."""
    fd = os.open(path, os.O_RDONLY | (0 if follow else NOFOLLOW) | _CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path} is not a regular file")
        if st.st_size > limit:
            raise OSError(f"{path} holds {st.st_size:,} bytes, more than {limit:,}")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise OSError(f"{path} grew past {limit:,} bytes while read")
        return data
    finally:
        os.close(fd)


def seal(body: dict[str, Any]) -> str:
    """The tag of a record under this user's key (HMAC-SHA256 of its canonical JSON)."""
    import hashlib  # OpenSSL's hashes load where a seal is made, not for every command
    import hmac

    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(key(), canonical, hashlib.sha256).hexdigest()


def sealed(body: dict[str, Any], tag: object) -> bool:
    import hmac

    return isinstance(tag, str) and hmac.compare_digest(seal(body), tag)


def open_lock(path: Path) -> int:
    """A lock file, opened for flock: created if missing, never through a link (a link
    of that name is refused: DataError), never truncated."""
    flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise linked(path) from e
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DataError(f"{path} is not a regular file.", "Move it away; it is made anew.")
    return fd


def lock_held(path: Path) -> bool:
    """Whether a process holds the flock of this lock file (none there: no)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def linked(path: Path) -> DataError:
    return DataError(
        f"{path} is a symbolic link: an archive holds none, and conflict follows no link out "
        "of an archive.",
        "Remove the link (it is made anew as a file), or ask whoever sent the archive for "
        "its catalogue alone.",
    )


def write_file(path: Path, write: Any, mode: int = 0o644) -> Any:
    """`write(text_file)` into a file that appears at `path` only once complete, and
    leaves nothing behind if the process dies first: on Linux an unnamed file
    (O_TMPFILE) given its name at the end; elsewhere a new file of a random name
    (exclusive, no link followed) beside it, renamed. A link at `path` is replaced,
    never written through. The file is made with `mode` (less the umask). Returns what
    `write` returns."""

    import secrets

    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(8)}.part"
    unnamed = getattr(os, "O_TMPFILE", 0)
    fd = -1
    if unnamed:
        try:
            fd = os.open(folder, unnamed | os.O_RDWR | _CLOEXEC, mode)
        except OSError:
            fd = -1  # a file system without unnamed files
    named = fd < 0
    if named:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC, mode)
    try:
        with open(fd, "w", encoding="utf-8", newline="", closefd=False) as f:
            result = write(f)
            f.flush()
        if not named:
            try:
                os.link(f"/proc/self/fd/{fd}", tmp)
            except OSError:  # a system that cannot name it (no /proc, a sandbox): copied
                _copy_out(fd, tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return result


def _copy_out(fd: int, tmp: Path, mode: int) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC, mode)
    try:
        while chunk := os.read(fd, 1 << 20):
            os.write(out, chunk)
    finally:
        os.close(out)
