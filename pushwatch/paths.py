"""Where pushwatch keeps its files: settings in the config dir, the watchlist and last-known state in the data dir.

platformdirs picks the usual place per OS; PUSHWATCH_CONFIG_DIR / PUSHWATCH_DATA_DIR override it, which is how
tests and several independent setups on one account keep apart. Nothing here creates a folder: writers do
that when they first need it, so reading commands leave no trace.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "pushwatch"
CONFIG_DIR_ENV = "PUSHWATCH_CONFIG_DIR"
DATA_DIR_ENV = "PUSHWATCH_DATA_DIR"

CONFIG_FILE = "config.toml"
WATCHLIST_FILE = "watchlist.toml"
STATE_FILE = "state.json"


def _override(name: str, env: Mapping[str, str] | None) -> Path | None:
    value = (os.environ if env is None else env).get(name, "").strip()
    return Path(value).expanduser() if value else None


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder of config.toml (settings, profiles)."""
    return _override(CONFIG_DIR_ENV, env) or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder of the watchlist and the last-known state."""
    return _override(DATA_DIR_ENV, env) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / CONFIG_FILE


def watchlist_file(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / WATCHLIST_FILE


def state_file(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / STATE_FILE
