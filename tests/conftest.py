"""Shared fixtures: a running simulator on a free loopback port, driven by a manual clock, and clients for it.

The simulator uses a test-only secret key (not the public demo key) so the session's secret scan can catch
a leak of it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pushwatch.api.client import ReportClient
from pushwatch.api.usersig import Signer
from pushwatch.simulator import Campaign, ManualClock, Simulator

SIM_KEY = "sim-test-secret-key-7d1c0e5a9b3f"
SIM_SDKAPPID = 1400000123
SIM_ADMIN = "administrator"
T0 = 1_700_000_000.0  # 2023-11-15 06:13:20 CST

ClientFactory = Callable[..., ReportClient]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs with no PUSHWATCH_* setting from the developer's shell and its own config and data
    dirs, so nothing reads or writes the real watchlist. Returns the test's folder."""
    for name in list(os.environ):
        if name.startswith("PUSHWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PUSHWATCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def campaign(clock: ManualClock) -> Campaign:
    return Campaign.demo(clock())


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Override in a test module (or parametrize) to start the simulator differently."""
    return {}


@pytest.fixture
def simulator(campaign: Campaign, clock: ManualClock, sim_options: dict[str, Any]) -> Iterator[Simulator]:
    options: dict[str, Any] = {"sdkappid": SIM_SDKAPPID, "secret_key": SIM_KEY, "admins": (SIM_ADMIN,), "seed": 7}
    options.update(sim_options)
    with Simulator(campaign, clock=clock, **options) as sim:
        yield sim


@pytest.fixture
async def make_client(simulator: Simulator, clock: ManualClock) -> AsyncIterator[ClientFactory]:
    """`make_client(identifier=..., secret_key=..., usersig=..., sdkappid=..., timeout=...)`: a ReportClient
    for the running simulator, by default with its own credentials and clock. Closed after the test."""
    clients: list[ReportClient] = []

    def factory(
        *,
        identifier: str = SIM_ADMIN,
        secret_key: str | None = SIM_KEY,
        usersig: str | None = None,
        sdkappid: int = SIM_SDKAPPID,
        timeout: float = 5.0,
        endpoint: str | None = None,
    ) -> ReportClient:
        if usersig is not None:
            secret_key = None
        signer = Signer(sdkappid, identifier, secret_key=secret_key, usersig=usersig, clock=clock)
        client = ReportClient(endpoint or simulator.url, signer, timeout=timeout)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()
