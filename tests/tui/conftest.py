"""TUI test isolation: no real config or data dir, no colour surprises from the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("PUSHWATCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("PUSHWATCH_THEME", raising=False)
