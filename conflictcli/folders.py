"""Where conflict keeps things on this machine, as each platform names its folders
(platformdirs): the user's data folder (the default archive, this user's key) and
config folder (the config file). The one place that knows them: `conflict where`
prints what they are.

platformdirs follows XDG_DATA_HOME and XDG_CONFIG_HOME on Linux (~/.local/share and
~/.config without them), ~/Library/Application Support on macOS, and the local
AppData folder on Windows.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "conflict"
CONFIG_ENV = "CONFLICT_CONFIG"  # the config file's path, if not in the config folder
CONFIG_NAME = "config.toml"


def data_home() -> Path:
    """The user's data directory, as the platform names it."""
    import platformdirs

    return platformdirs.user_data_path()


def default_archive() -> Path:
    """The archive when none is named: conflict/ in the user's data directory."""
    return data_home() / APP


def config_file() -> Path:
    """The config file: $CONFLICT_CONFIG, else config.toml in conflict's config folder
    (appauthor=False: on Windows no folder of an author above conflict's own)."""
    given = os.environ.get(CONFIG_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP, appauthor=False) / CONFIG_NAME
