"""The errors a user may see, and the exit codes they map to.

Every message names what went wrong and the next step; the CLI turns these into
`Error: ...` lines on stderr at one place (cli.main) and exits with `code`.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1  # nothing found, or a data error (missing archive, bad file)
    USAGE = 2  # bad arguments or a query that cannot be parsed
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
    def __init__(self, pid: int | None = None, since: dt.datetime | None = None) -> None:
        who = f"ingest by PID {pid}" if pid else "another ingest is writing"
        when = f" since {since:%H:%M}" if since else ""
        super().__init__(
            f"archive is busy: {who}{when}.",
            "Wait for it to finish, or give --wait SECONDS to wait longer (0: fail at once).",
        )


class ArchiveMissing(DataError):
    def __init__(self, where: str) -> None:
        super().__init__(f"No archive at {where}.", "Run 'conflict ingest <folder>' first.")


class NotFound(ConflictError):
    """An id, prefix or path that names no article."""


class UsageError(ConflictError):
    code = ExitCode.USAGE


class QueryError(UsageError):
    """A query or filter that cannot be understood."""


class UntestedWhoosh(UserWarning):
    """The installed Whoosh is not a release conflict was tested with, so the fast paths
    that reach into its internals are off (see _whoosh.fast_paths); shown once, on
    stderr, as a warning."""
