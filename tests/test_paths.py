"""paths: platformdirs locations, overridden by PUSHWATCH_CONFIG_DIR / PUSHWATCH_DATA_DIR."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from pushwatch import paths


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUSHWATCH_CONFIG_DIR", raising=False)
    monkeypatch.delenv("PUSHWATCH_DATA_DIR", raising=False)


def test_defaults_come_from_platformdirs() -> None:
    assert paths.config_dir() == Path(platformdirs.user_config_dir("pushwatch", appauthor=False))
    assert paths.data_dir() == Path(platformdirs.user_data_dir("pushwatch", appauthor=False))


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUSHWATCH_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(tmp_path / "d"))
    assert paths.config_file() == tmp_path / "c" / "config.toml"
    assert paths.watchlist_file() == tmp_path / "d" / "watchlist.toml"
    assert paths.state_file() == tmp_path / "d" / "state.json"


def test_explicit_env_mapping_and_tilde(tmp_path: Path) -> None:
    env = {"PUSHWATCH_CONFIG_DIR": "~/x", "PUSHWATCH_DATA_DIR": "  "}
    assert paths.config_dir(env) == Path("~/x").expanduser()
    assert paths.data_dir(env) == Path(platformdirs.user_data_dir("pushwatch", appauthor=False))


def test_nothing_is_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(tmp_path / "d"))
    paths.watchlist_file()
    assert not (tmp_path / "d").exists()
