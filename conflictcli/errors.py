"""The errors a user may see, and the exit codes they map to.

Every message names what went wrong and the next step; the CLI turns these into
`Error: ...` lines on stderr at one place (cli.group.ConflictGroup) and exits with
`code`.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1  # nothing found, or a data error (missing archive, bad file)
    USAGE = 2  # bad arguments or a query that cannot be parsed
    # an unexpected error: a bug in conflict, not a fault of the data or the arguments
    # (sysexits' EX_SOFTWARE, so a script can tell it from "nothing found")
    BUG = 70
    INTERRUPTED = 130


class ConflictError(Exception):
    """Base of every error meant for the user."""

    code: ExitCode = ExitCode.NOT_FOUND

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DataError(ConflictError):
    """The archive or an input cannot be read or written."""


WAIT_S = 60.0  # how long a write (ingest, reindex, check --repair) waits for another


class ArchiveBusy(DataError):
    def __init__(
        self, pid: int | None = None, since: dt.datetime | None = None, what: str = "ingest"
    ) -> None:
        who = f"{what} by PID {pid}" if pid else f"another {what} is writing"
        when = f" since {since:%H:%M}" if since else ""
        super().__init__(
            f"archive is busy: {who}{when}.",
            "Wait for it to finish, or give --wait SECONDS to wait longer (0: fail at once).",
        )


class Foreign(DataError):
    """A search index this user did not build here (or that changed since): never read."""


class OtherLayout(Foreign):
    """A search index this user built (its seal holds) in another layout: an older
    version's, rebuilt from the catalogue, or a newer one's. Never read either."""


class ArchiveMissing(DataError):
    def __init__(self, where: str) -> None:
        super().__init__(f"No archive at {where}.", "Run 'conflict ingest <folder>' first.")


class NotFound(ConflictError):
    """An id, prefix or path that names no article."""


class NotRecorded(NotFound):
    """A path (a file or a folder) under which no file was ingested into the archive."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"No file at or under {where} was ingested into this archive.",
            "Paths are matched as ingest recorded them (absolute, links resolved); "
            "'conflict show ID' lists an article's paths.",
        )


class NotOpened(DataError):
    """An article conflict will not or cannot open (conflict open): an address that is not
    a web page's, no file, no browser."""


class UsageError(ConflictError):
    code = ExitCode.USAGE


class QueryError(UsageError):
    """A query or filter that cannot be understood."""


class SettingError(UsageError):
    """A setting that cannot be read: the config file (its TOML, a key, a value), an
    environment variable, or a value given to `conflict config`."""


class Notice(UserWarning):
    """Something true of the archive the user should know while it answers (a replica
    that lags its primary): shown once, on stderr, as a warning."""


class UntestedWhoosh(UserWarning):
    """The installed Whoosh is not a release conflict was tested with, so the fast paths
    that reach into its internals are off (see engine.whoosh.loading.fast_paths); shown
    once, on stderr, as a warning."""


_FULL = {"ENOSPC", "EDQUOT", "EFBIG"}
_DENIED = {"EACCES", "EPERM", "EROFS"}


def fault(e: BaseException) -> ConflictError | None:
    """A fault of the machine rather than of conflict (a full disk, a folder it may not
    write, a read-only file system), as a message with the next step; None for any
    other error."""
    import errno
    import sqlite3

    if isinstance(e, sqlite3.OperationalError):
        text = str(e).lower()
        if "disk is full" in text or "disk i/o error" in text:
            return DataError(
                f"The catalogue could not be written: {e}.",
                "If its disk is full, free some space and run the command again: the "
                "archive is as it was at its last checkpoint.",
            )
        if "readonly" in text or "read-only" in text:
            return DataError(
                f"The catalogue is read-only here: {e}.",
                "Search, show and export work on a read-only archive; to ingest, copy it to "
                "a folder you can write (--index).",
            )
        return None
    if not isinstance(e, OSError) or e.errno is None:
        return None
    name = errno.errorcode.get(e.errno, "")
    where = f" ({e.filename})" if e.filename else ""
    if name in _FULL:
        return DataError(
            f"No space left to write{where}: {e.strerror}.",
            "Free some space on that disk (or give --index an archive on another) and run "
            "the command again: the archive is as it was at its last checkpoint.",
        )
    if name in _DENIED:
        return DataError(
            f"The system refused access{where}: {e.strerror}.",
            "Check the permissions of that file or folder, or choose another archive with "
            "--index (a read-only archive can be searched, shown and exported).",
        )
    return None
