"""Where a team archive is, and the connection to it: `--index postgresql://...` (or
postgres://, or a libpq service: `service=NAME`), connected with psycopg 3.

A URL may carry a password; it is never shown: every message names the URL as
`shown()` makes it, without the password. Passwords otherwise come from libpq's own
places (~/.pgpass, PGPASSWORD, a service file). A database error is a DataError that
says what to do, never a traceback, and never the password.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conflictcli.errors import DataError

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT = 10  # seconds to reach the server before giving up
_SERVICE = re.compile(r"^service=[\w.-]+$")
_PASSWORD_IN_TEXT = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)


def is_location(text: str) -> bool:
    """Whether --index names a team archive (a URL or a libpq service), not a folder."""
    s = text.strip()
    return s.lower().startswith(SCHEMES) or _SERVICE.match(s) is not None


def shown(location: str) -> str:
    """The location as every message shows it: the URL without its password."""
    s = location.strip()
    if not s.lower().startswith(SCHEMES):
        return _PASSWORD_IN_TEXT.sub(r"\1***", s)
    parts = urlsplit(s)
    if parts.password is None:
        netloc = parts.netloc
    else:
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        netloc = f"{user}:***@{host}"
    query = _PASSWORD_IN_TEXT.sub(r"\1***", parts.query.replace("&", " ")).replace(" ", "&")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrubbed(message: str, location: str) -> str:
    """A server's or libpq's message with the location's password taken out."""
    parts = urlsplit(location.strip()) if location.lower().startswith(SCHEMES) else None
    secret = parts.password if parts is not None else None
    if secret:
        message = message.replace(secret, "***")
    return _PASSWORD_IN_TEXT.sub(r"\1***", message)


def connect(location: str, autocommit: bool = True) -> Any:
    """A psycopg connection to the team archive at `location` (a DataError that names it,
    without its password, when it cannot be reached)."""
    import psycopg

    try:
        return psycopg.connect(
            location.strip(),
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="conflict",
        )
    except psycopg.Error as e:
        raise DataError(
            f"Cannot reach the team archive at {shown(location)}: "
            f"{scrubbed(str(e).strip(), location)}",
            "Check that the server runs and the URL is right; a password goes in ~/.pgpass "
            "or PGPASSWORD rather than in the URL.",
        ) from None
    except ValueError as e:  # a URL libpq cannot read
        raise DataError(
            f"{shown(location)} is not a PostgreSQL URL libpq can read: "
            f"{scrubbed(str(e), location)}",
            "Write it as postgresql://USER@HOST:PORT/DATABASE, or service=NAME.",
        ) from None


def database_error(e: Exception, location: str, doing: str) -> DataError:
    """A database error met while `doing` something, as the user sees it."""
    import psycopg.errors as pe

    text = scrubbed(
        str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__, location
    )
    if isinstance(e, pe.InsufficientPrivilege) and doing == "reading":
        return DataError(
            f"This role may not read the team archive at {shown(location)}: {text}.",
            "Ask the archive's owner to grant it (GRANT pg_read_all_data, or SELECT on the "
            "archive's schema).",
        )
    if isinstance(e, pe.InsufficientPrivilege | pe.ReadOnlySqlTransaction):
        return DataError(
            f"The team archive at {shown(location)} may not be changed by this role "
            f"({doing}): {text}.",
            "Search, show and export work with this role; ask the archive's owner for a "
            "role that may write to ingest.",
        )
    return DataError(
        f"The team archive at {shown(location)} failed while {doing}: {text}.",
        "Try again; if it goes on, run 'conflict check' against it or ask its administrator.",
    )


class Guarded:
    """A connection whose execute() raises a database error as the DataError the user
    sees (database_error), never a traceback; everything else is the connection's."""

    def __init__(self, conn: Any, location: str) -> None:
        self._conn = conn
        self._location = location

    def execute(self, sql: Any, params: Any = None) -> Any:
        import psycopg

        try:
            return self._conn.execute(sql, params)
        except psycopg.Error as e:
            reads = str(sql).lstrip().upper().startswith("SELECT")
            raise database_error(e, self._location, "reading" if reads else "writing") from e

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
