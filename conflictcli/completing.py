"""What shell completion offers (`conflict --install-completion`): the outlets and the
watch names of an archive, the places of the gazetteer, and the ids of the last search
a person saw on a terminal.

Completion runs on every press of Tab, so each answer here is quick and bounded, and
none ever fails: an archive that is missing, locked, damaged or a team's (on a server:
no connection is made for a Tab) offers nothing, and the shell falls back to file names.

The last search's ids are kept in a small file in the user's cache folder, with a
digest of the archive they belong to (a team archive's URL may hold a password; it is
never written). What the file holds is read as untrusted text: at most RECENT_BYTES,
ids that look like ids, titles cut short and without control characters."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conflictcli.archive import Archive

RECENT_FILE = "last-search.json"
RECENT_MAX = 100  # ids kept
RECENT_BYTES = 64 * 1024  # the file is never read past this
TITLE_ROOM = 60  # characters of a title offered beside its id (zsh and fish show it)
OFFERED_MAX = 200  # candidates offered at one Tab
_ID = re.compile(r"[0-9a-f]{8,64}\Z")
_UNSEEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def cache_home() -> Path:
    """The user's cache folder, as each platform names it."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def recent_path() -> Path:
    return cache_home() / "conflict" / RECENT_FILE


def location(index: str | None) -> str:
    """The archive --index names (a folder made absolute, or a team archive's URL), the
    one the settings name when None (CONFLICT_INDEX, the config file, the default; a
    setting that cannot be read: the default, as a Tab says nothing of errors)."""
    from conflictcli import settings
    from conflictcli.folders import default_archive
    from conflictcli.team import is_team

    if not index:
        try:
            index = str(next(v.value for v in settings.resolved() if v.key == "archive"))
        except Exception:
            index = str(default_archive())
    if is_team(index):
        return index.strip()
    return str(Path(index).expanduser().resolve())


def _archive_key(index: str | None) -> str:
    """Which archive a list of ids belongs to, without naming it."""
    return hashlib.sha256(location(index).encode("utf-8", "surrogatepass")).hexdigest()


def remember(index: str | None, shown: list[tuple[str, str]]) -> None:
    """Keep the (id, title) of the results just shown from the archive `index` names, for
    `conflict show <Tab>`. A cache that cannot be written is no error: nothing is kept."""
    from conflictcli.keys import write_file

    try:
        record = {
            "archive": _archive_key(index),
            "ids": [[i, _title(t)] for i, t in shown[:RECENT_MAX] if _ID.match(i)],
        }
        path = recent_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # what one searched
        write_file(path, lambda f: f.write(json.dumps(record, ensure_ascii=False)))
    except (OSError, ValueError, RuntimeError):
        pass


def recent(index: str | None) -> list[tuple[str, str]]:
    """The (id, title) of the last search shown from the archive `index` names; none if
    it was another archive's, or the file is missing, too large or not what it should be."""
    from conflictcli.keys import read_small

    try:
        got: Any = json.loads(read_small(recent_path(), RECENT_BYTES).decode("utf-8"))
        mine = _archive_key(index)
    except (OSError, ValueError, RuntimeError):
        return []
    if not isinstance(got, dict) or got.get("archive") != mine:
        return []
    rows = got.get("ids")
    out = []
    for row in rows[:RECENT_MAX] if isinstance(rows, list) else ():
        strings = isinstance(row, list) and len(row) == 2 and all(isinstance(x, str) for x in row)
        if strings and _ID.match(row[0]):
            out.append((row[0], _title(row[1])))
    return out


def _title(text: str) -> str:
    text = " ".join(_UNSEEN.sub(" ", text).split())
    return text if len(text) <= TITLE_ROOM else text[: TITLE_ROOM - 1] + "…"


def sources(index: str | None, typed: str) -> list[str]:
    """The archive's outlets that start with `typed` (any case), the largest first."""
    archive = _archive(index)
    if archive is None:
        return []
    try:
        names = [s.source for s in archive.sources() if s.source]
    except Exception:  # a damaged catalogue: nothing to offer, no traceback at a Tab
        return []
    finally:
        archive.close()
    return _starting(names, typed)


def watch_names(index: str | None, typed: str) -> list[str]:
    """The archive's watches whose names start with `typed`."""
    archive = _archive(index)
    if archive is None:
        return []
    try:
        names = [w.name for w in archive.watches()]
    except Exception:  # a damaged catalogue: nothing to offer
        return []
    finally:
        archive.close()
    return _starting(names, typed)


def places(typed: str) -> list[str]:
    """The gazetteer's places and regions of which a spelling starts with `typed` (any
    case): the names the gazetteer gives them first, then their other spellings."""
    from conflictcli.gazetteer import entries
    from conflictcli.names import PLACE_KINDS

    names: list[str] = []
    spellings: list[str] = []
    for e in entries():
        if e.get("kind") in PLACE_KINDS:
            names.append(e["name"])
            spellings += e.get("variants", ())
    return _starting(names + spellings, typed)


def _starting(names: list[str], typed: str) -> list[str]:
    key = typed.casefold()
    found = [n for n in dict.fromkeys(names) if n.casefold().startswith(key)]
    return found[:OFFERED_MAX]


def _archive(index: str | None) -> Archive | None:
    """The archive in the folder `index` names opened to read, or None: missing, a
    team's, or unreadable."""
    from conflictcli.archive import Archive
    from conflictcli.team import is_team

    if index and is_team(index):
        return None
    try:
        folder = Path(location(index))
        if not Archive.exists(folder):
            return None
        return Archive.open(folder)
    except Exception:  # anything that keeps it from opening: nothing to offer
        return None
