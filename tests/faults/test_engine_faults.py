"""The fault matrix through the engine: a `Monitor` polling the simulator over real loopback HTTP.

For every fault: polling keeps running, the profile's state message names the error, tasks keep their
last-known report marked stale with the error, everything recovers by itself when the fault clears, and the
watchlist file (read by `tasks()` before every sweep) is byte-identical afterwards.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from pushwatch.api.client import ReportClient
from pushwatch.engine.events import Event, ProfileState, StateChanged, TaskFailed, TaskReported
from pushwatch.engine.monitor import Monitor
from pushwatch.engine.profile import Profile
from pushwatch.simulator import Simulator
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID
from tests.faults.conftest import until
from tests.faults.matrix import CASES, CLIENT_TIMEOUT_S, FAST_POLICY, IDS, INTERVAL_S, Expect, FaultCase

PROFILE = "p"


def fast_source(profile: Profile) -> ReportClient:
    return ReportClient(profile.endpoints, profile.signer(), timeout=CLIENT_TIMEOUT_S)


class Rig:
    def __init__(self, sim: Simulator, folder: Path) -> None:
        self.watchlist = Watchlist(folder / "watchlist.toml")
        self.watchlist.add(IDS, profile=PROFILE, label="campaign")
        self.before = self.watchlist.path.read_bytes()
        self.store = StateStore(folder / "state.json")
        self.events: list[Event] = []
        profile = Profile(PROFILE, SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY, endpoint=sim.url, max_rps=100,
                          interval=INTERVAL_S)
        self.monitor = Monitor({PROFILE: profile}, self.tasks, self.on_event, source_factory=fast_source,
                               poller_options={"policy": FAST_POLICY})
        self.poller = self.monitor.pollers[PROFILE]

    def tasks(self) -> list[tuple[str, str]]:
        return [(e.profile, e.task_id) for e in self.watchlist.current()]

    def on_event(self, event: Event) -> None:
        self.events.append(event)
        self.store.save(self.monitor.states.values())

    def since(self, mark: int, kind: type) -> list:
        return [e for e in self.events[mark:] if isinstance(e, kind)]

    def reported_since(self, mark: int) -> set[str]:
        return {e.report.task_id for e in self.since(mark, TaskReported)}

    def states(self):
        return [self.monitor.states[(PROFILE, tid)] for tid in IDS]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_engine_survives_and_recovers(case: FaultCase, fault_sim: Simulator, tmp_path: Path) -> None:
    rig = Rig(fault_sim, tmp_path)
    runner = asyncio.create_task(rig.monitor.run())
    try:
        await until(lambda: rig.reported_since(0) == set(IDS), "first reports")
        mark = len(rig.events)
        token = case.inject(fault_sim)
        pattern = re.compile(case.shows) if case.shows else None

        if case.expect is Expect.STALE:
            await until(lambda: all(s.stale and pattern.search(s.error) for s in rig.states()),
                        "every task stale with the error")
            assert all(s.report is not None for s in rig.states()), "last-known data must be kept"
            messages = [e.message for e in rig.since(mark, StateChanged)]
            assert any(pattern.search(m) for m in messages), messages
        elif case.expect is Expect.BLIP:
            await until(lambda: any(pattern.search(e.message) for e in rig.since(mark, StateChanged)),
                        "the state names the error")
        else:
            await until(lambda: case.exercised(fault_sim, token), "the fault to happen")
            later = len(rig.events)
            await until(lambda: rig.reported_since(later) == set(IDS), "a sweep after the fault")
        assert not runner.done(), "polling must keep running"

        case.clear(fault_sim, token)
        cleared = len(rig.events)
        await until(lambda: rig.reported_since(cleared) == set(IDS) and not any(s.stale for s in rig.states()),
                    "every task fresh again")
        assert rig.poller.fatal is None
        assert rig.poller.state is not ProfileState.STOPPED
        if case.expect is Expect.NONE:
            assert rig.since(mark, TaskFailed) == []
            assert not any(e.state is ProfileState.BACKING_OFF for e in rig.since(mark, StateChanged))
        assert not runner.done()
    finally:
        rig.monitor.stop()
        await asyncio.wait_for(runner, 5)
        await rig.monitor.aclose()
    assert rig.poller.consumer_errors == 0
    assert rig.watchlist.path.read_bytes() == rig.before


async def test_usersig_expiry_by_the_clock_renews_and_goes_on(fault_sim: Simulator, tmp_path: Path) -> None:
    """The UserSig in use really runs out mid-run (the server's clock reaches its expiry before ours says to
    renew): the server answers 70001, a fresh UserSig is generated from the key, nothing shows as an error."""
    from pushwatch.api import usersig

    offset = {"s": 0.0}
    real = fault_sim.clock
    fault_sim.clock = lambda: real() + offset["s"]
    old = usersig.generate(SIM_KEY, SIM_ADMIN, SIM_SDKAPPID, 600, now=int(real()) - 500)  # valid 100 s more
    signer = usersig.Signer(SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY, usersig=old, expire=600,
                            renew_margin=0.0, clock=real)
    rig = Rig(fault_sim, tmp_path)
    rig.monitor.pollers[PROFILE].source = ReportClient(fault_sim.url, signer, timeout=CLIENT_TIMEOUT_S)
    runner = asyncio.create_task(rig.monitor.run())
    try:
        await until(lambda: rig.reported_since(0) == set(IDS), "first reports")
        assert signer.generated == 0  # still the old UserSig
        first = signer.generated
        offset["s"] = 150.0  # the server is now past the old UserSig's expiry; a fresh one is valid
        await until(lambda: signer.generated > first, "a renewed UserSig")
        mark = len(rig.events)
        await until(lambda: rig.reported_since(mark) == set(IDS), "reports with the renewed UserSig")
        assert 70001 in [r.code for r in fault_sim.requests.snapshot()]
        assert not [e for e in rig.events if isinstance(e, TaskFailed)]
        assert rig.poller.fatal is None
    finally:
        rig.monitor.stop()
        await asyncio.wait_for(runner, 5)
        await rig.monitor.aclose()
        await rig.monitor.pollers[PROFILE].source.aclose()
