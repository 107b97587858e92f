"""TUI test isolation: no colour surprises from the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    # Config and data dirs are isolated suite-wide (tests/conftest.py); here only colour settings.
    monkeypatch.delenv("NO_COLOR", raising=False)
