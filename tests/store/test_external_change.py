"""A running engine picks up a watchlist change made by another process within one sweep, no restart.

Real pieces end to end: a `pushwatch add` / `remove` process, the watchlist file, the Monitor polling the
loopback simulator over real HTTP, with the watchlist's `current()` as its task source.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pushwatch.api.client import ReportClient
from pushwatch.engine.monitor import Monitor
from pushwatch.engine.profile import Profile
from pushwatch.simulator import Simulator
from pushwatch.store.watchlist import Watchlist
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID

ROOT = Path(__file__).resolve().parents[2]


def pushwatch(tmp_path: Path, *argv: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWATCH_")}
    env.update(PUSHWATCH_DATA_DIR=str(tmp_path / "data"), PUSHWATCH_CONFIG_DIR=str(tmp_path / "config"))
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "pushwatch", *argv], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_running_monitor_sees_another_process_add_and_remove(tmp_path: Path, simulator: Simulator) -> None:
    ids = simulator.campaign.ids()
    first, second, third = ids[0], ids[1], ids[2]
    pushwatch(tmp_path, "add", first)

    watchlist = Watchlist(tmp_path / "data" / "watchlist.toml")
    profile = Profile(name="default", sdkappid=SIM_SDKAPPID, identifier=SIM_ADMIN, secret_key=SIM_KEY, endpoint=simulator.url)
    monitor = Monitor(
        {"default": profile},
        lambda: [e.key for e in watchlist.current()],
        source_factory=lambda p: ReportClient(p.endpoints, simulator.signer(SIM_ADMIN)),
    )
    poller = monitor.pollers["default"]
    try:
        await poller.sweep()
        assert set(monitor.states) == {("default", first)}
        assert monitor.states[("default", first)].report is not None

        pushwatch(tmp_path, "add", second, third, "--label", "from another pane")
        await poller.sweep()  # the very next sweep includes them
        assert set(monitor.states) == {("default", first), ("default", second), ("default", third)}
        assert all(monitor.states[("default", i)].report is not None for i in (second, third))
        asked = {tid for rec in simulator.requests.snapshot() for tid in rec.ids}
        assert {first, second, third} <= asked

        pushwatch(tmp_path, "remove", first)
        await poller.sweep()
        assert set(monitor.states) == {("default", second), ("default", third)}
    finally:
        await monitor.aclose()
