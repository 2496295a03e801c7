"""Where conflict keeps things on this machine, as each platform names its folders
(platformdirs): the user's data folder (the default archive, this user's key). The
one place that knows them.

platformdirs follows XDG_DATA_HOME on Linux (~/.local/share without it),
~/Library/Application Support on macOS, and the local AppData folder on Windows.
"""

from __future__ import annotations

from pathlib import Path

APP = "conflict"


def data_home() -> Path:
    """The user's data directory, as the platform names it."""
    import platformdirs

    return platformdirs.user_data_path()


def default_archive() -> Path:
    """The archive when none is named: conflict/ in the user's data directory."""
    return data_home() / APP
