"""`pushwatch` without a command: profile choice and one-line errors before any screen opens."""

from __future__ import annotations

import pytest

from pushwatch.cli import main
from pushwatch.commands.monitor import choose_profiles
from pushwatch.config import ConfigError


def test_no_credentials_is_one_line_and_exit_2(monkeypatch, capsys):
    for name in ("PUSHWATCH_SDKAPPID", "PUSHWATCH_SECRET_KEY", "PUSHWATCH_USERSIG", "PUSHWATCH_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pushwatch: ") and err.count("\n") == 1


def test_profiles_of_the_watchlist_are_resolved_and_broken_ones_become_warnings(monkeypatch):
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1400000123")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", "k" * 32)
    profiles, default, warnings = choose_profiles(None, ["default", "elsewhere"])
    assert list(profiles) == ["default"] and default == "default"
    assert len(warnings) == 1 and "elsewhere" in warnings[0]


def test_no_resolvable_profile_raises_the_config_error(monkeypatch):
    for name in ("PUSHWATCH_SDKAPPID", "PUSHWATCH_SECRET_KEY", "PUSHWATCH_USERSIG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError):
        choose_profiles(None, [])
