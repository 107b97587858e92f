"""Environment for running commands against the test simulator: credentials and endpoint from env vars,
config and data directories in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pushwatch.simulator import Simulator
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID

_ALL = (
    "PUSHWATCH_PROFILE", "PUSHWATCH_SDKAPPID", "PUSHWATCH_IDENTIFIER", "PUSHWATCH_SECRET_KEY",
    "PUSHWATCH_USERSIG", "PUSHWATCH_REGION", "PUSHWATCH_ENDPOINT", "PUSHWATCH_MAX_RPS", "PUSHWATCH_INTERVAL",
    "PUSHWATCH_CONFIG_DIR", "PUSHWATCH_DATA_DIR",
)


def sim_env(simulator: Simulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PUSHWATCH_ENDPOINT": simulator.url,
        "PUSHWATCH_SDKAPPID": str(SIM_SDKAPPID),
        "PUSHWATCH_IDENTIFIER": SIM_ADMIN,
        "PUSHWATCH_SECRET_KEY": SIM_KEY,
        "PUSHWATCH_CONFIG_DIR": str(tmp_path / "config"),
        "PUSHWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    env.update(extra)
    return env


def apply_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name in _ALL:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in _ALL}
    out.update(env)
    out["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return out
