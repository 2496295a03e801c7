"""What a catalogue may hold, and how damage to it is named.

A catalogue from someone else is data like any other input: every value is checked for
type and range as it is read (these checks), and what is wrong is a Damaged error
naming the article and what `conflict check --repair` does about it (REPAIRS).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import warnings
from typing import NamedTuple

from conflictcli.articles import MAX_ARTICLE_CHARS
from conflictcli.dates import FIRST_YEAR, LAST_YEAR
from conflictcli.errors import DataError

MAX_TEXT_CHARS = MAX_ARTICLE_CHARS  # no article holds more text
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS  # that text's UTF-8 at most: no body inflates further
# SQLite hands over no longer value (SQLITE_LIMIT_LENGTH): one value costs at most this
# much memory to read, whatever a catalogue holds; a row that ingest writes is smaller
MAX_VALUE_BYTES = 2 * MAX_TEXT_BYTES
MAX_PATH_CHARS = 65_536  # a file's path (a link or a file record)
HEX16 = re.compile(r"[0-9a-f]{16}").fullmatch  # an article's id (articles.content_id)
MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])").fullmatch
# A date outside the years an article may be dated in (dates.FIRST_YEAR..LAST_YEAR:
# ingest leaves such an article undated) is damage: stats would list every month between
# 0001 and 9999.

# what `conflict check --repair` does about each kind of damage to an article
ASIDE = "moves the article aside (into the catalogue's table damaged: nothing is deleted)"
REPAIRS = {
    "id_invalid": ASIDE,
    "text_unreadable": ASIDE,
    "text_too_long": ASIDE,
    "date_invalid": "makes the article undated (the row as it was is kept in the table damaged)",
    "field_invalid": "mends the field (the row as it was is kept in the table damaged)",
    "links_invalid": "drops the link; the next ingest reads its file again",
    "files_invalid": "forgets the record; the next ingest reads the file again",
    "meta_invalid": "writes it again (a damaged index layout: the index is built again)",
}
# the kinds of an article's damage, the gravest first: a row is moved aside for these
MOVED = ("id_invalid", "text_unreadable", "text_too_long")


class Damaged(DataError):
    """A part of the catalogue that is not as conflict writes it: `kind` is what
    `conflict check` reports it as, `article` the id of the article it belongs to
    (None when the id itself is damaged, or it is no article's)."""

    def __init__(self, message: str, hint: str, kind: str, article: str | None = None) -> None:
        super().__init__(message, hint)
        self.kind = kind
        self.article = article
        self.why = message  # what is wrong, without the article (set by Store.damaged)
        self.problems: list[str] = []  # catalogue_schema: each table or column wrong


class DamagedWarning(UserWarning):
    """A damaged article left out of what is shown (a page of results, an export,
    stats), named with the next step: the rest is shown."""


class Flaw(NamedTuple):
    """A damaged row that `survey` found: its rowid, the article's id (None when the
    id is damaged), the kind of damage and what is wrong."""

    row: int
    article: str | None
    kind: str
    why: str


class FlawFound(Exception):  # the kind and the reason, until the article is known
    def __init__(self, kind: str, why: str) -> None:
        super().__init__(why)
        self.kind, self.why = kind, why


def warn(e: Damaged, fate: str = "It is left out.") -> None:
    """A damaged article named on stderr (cli shows warnings), and what became of it."""
    warnings.warn(DamagedWarning(f"{e.message} {fate} {e.hint or ''}".strip()), stacklevel=3)


def as_day(value: object) -> dt.date | None:
    """The day a catalogue's date names: text YYYY-MM-DD that is a day of the years an
    article may be dated in (FIRST_YEAR..LAST_YEAR), or None."""
    if type(value) is str and (known := _DAYS.get(value)) is not None:
        return known
    day = _parse_day(value)
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    if len(_DAYS) >= 100_000:
        _DAYS.clear()
    _DAYS[str(value)] = day
    return day


_DAYS: dict[str, dt.date] = {}  # the dates found good: an archive has a few thousand


def as_time(value: object) -> dt.time | None:
    """The time of day a catalogue's time names: text HH:MM:SS, or None."""
    if type(value) is not str or len(value) != 8 or value[2] != ":" or value[5] != ":":
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


LANG = re.compile(r"[a-z]{2,3}\Z").match  # ISO 639-1 (or -3 where a language has none)
MAX_META_CHARS = 8_000  # a post's meta: a few short strings
MAX_META_VALUE = 1_000


def as_lang(value: object) -> str | None:
    """The language a catalogue's lang names: two or three lower-case letters, or None."""
    return value if type(value) is str and LANG(value) is not None else None


def as_meta(value: object) -> dict[str, str] | None:
    """What a catalogue's meta holds: a JSON object of at most MAX_META_CHARS, each key a
    word and each value a string of at most MAX_META_VALUE characters; else None."""
    if type(value) is not str or len(value) > MAX_META_CHARS:
        return None
    import json  # loaded by the commands that read a post's meta

    try:
        got = json.loads(value)
    except ValueError:
        return None
    if type(got) is not dict or not all(
        type(k) is str
        and k.isidentifier()
        and len(k) <= 40
        and type(v) is str
        and len(v) <= MAX_META_VALUE
        for k, v in got.items()
    ):
        return None
    return got


def meta_text(meta: dict[str, str]) -> str | None:
    """An article's meta as the catalogue keeps it (None when empty), cut to the bounds
    as_meta() reads back: a value to MAX_META_VALUE characters, the object to
    MAX_META_CHARS (the keys past it left out)."""
    if not meta:
        return None
    import json

    kept: dict[str, str] = {}
    for k, v in meta.items():
        if type(k) is str and k.isidentifier() and len(k) <= 40 and type(v) is str:
            kept[k] = v[:MAX_META_VALUE]
            if len(json.dumps(kept, ensure_ascii=False)) > MAX_META_CHARS:
                del kept[k]
                break
    return json.dumps(kept, ensure_ascii=False) if kept else None


def _parse_day(value: object) -> dt.date | None:
    """Text YYYY-MM-DD that is a day of any year, or None."""
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def in_years(month: str) -> bool:
    return FIRST_YEAR <= int(month[:4]) <= LAST_YEAR


def date_flaw(value: object) -> str:
    """What is wrong with a date that as_day refuses."""
    if _parse_day(value) is not None:
        return f"its date {value} is outside the years {FIRST_YEAR}–{LAST_YEAR}"
    return f"its date is {shown(value)}, not a day (YYYY-MM-DD)"


def is_id(value: object) -> bool:
    return type(value) is str and HEX16(value) is not None


def shown(value: object) -> str:
    """A value of the catalogue as a message names it (escaped, cut short)."""
    if value is None:
        return "empty (NULL)"
    if isinstance(value, bytes):
        return f"a BLOB of {len(value):,} bytes"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return repr(value[:40]) + ("…" if len(value) > 40 else "")
    return type(value).__name__


def text_flaw(value: object, limit: int = MAX_TEXT_CHARS) -> str | None:
    """What is wrong with a value that should be text, or None."""
    if type(value) is not str:
        return f"{shown(value)}, not text"
    if len(value) > limit:
        return f"{len(value):,} characters long, more than an article holds"
    return None


def unreadable_value(e: sqlite3.Error) -> bool:
    """Whether SQLite could not hand over a value: longer than MAX_VALUE_BYTES, or
    text that is not UTF-8 (Python cannot decode it)."""
    return isinstance(e, sqlite3.DataError) or (
        isinstance(e, sqlite3.OperationalError) and str(e).startswith("Could not decode")
    )


def sql_error(e: sqlite3.Error) -> bool:
    """An error of the database, not of the code (ProgrammingError is a bug)."""
    return isinstance(e, sqlite3.DatabaseError) and not isinstance(e, sqlite3.ProgrammingError)
