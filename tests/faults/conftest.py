"""Fault-matrix fixtures: a simulator on real loopback with the wall clock (a subprocess signs with the real
time too), serving tasks that push for days, with no per-second limit (the rate storm is injected)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest

from pushwatch.simulator import SigLockout, Simulator
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID
from tests.faults.matrix import campaign


def make_simulator() -> Simulator:
    return Simulator(
        campaign(), sdkappid=SIM_SDKAPPID, secret_key=SIM_KEY, admins=(SIM_ADMIN,), max_rps=None, seed=11,
        sig_lockout=SigLockout(attempts=1000), max_records=500,
    )


@pytest.fixture
def fault_sim() -> Iterator[Simulator]:
    sim = make_simulator()
    with sim:
        yield sim


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait (polling the event loop) until `condition()` holds; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


def wait_sync(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        time.sleep(0.01)
