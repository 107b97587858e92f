"""Monitor: one poller per profile (own credentials, own limiter), states folded from events, stale marking."""

from __future__ import annotations

import asyncio


from pushwatch.api.client import ReportClient
from pushwatch.api.usersig import Signer
from pushwatch.engine.events import ProfileState, SweepFinished
from pushwatch.engine.monitor import Monitor
from pushwatch.engine.profile import Profile
from pushwatch.simulator import Campaign, Fault, ManualClock, Simulator, Task
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID, T0
from tests.engine.conftest import FakeTime

OTHER_KEY = "other-app-secret-key-55aa11"
OTHER_APP = 1400000999


def _task(tid: str) -> Task:
    return Task(tid, total=1_000_000, start_at=T0 - 10, rate=10)


async def test_two_profiles_each_with_their_own_app(
    simulator: Simulator, clock: ManualClock, fake_time: FakeTime
) -> None:
    for tid in ("a1", "a2"):
        simulator.campaign.add(_task(tid))
    with Simulator(Campaign([_task("b1")]), clock=clock, sdkappid=OTHER_APP, secret_key=OTHER_KEY,
                   admins=(SIM_ADMIN,), max_rps=None) as other:
        profiles = {
            "a": Profile("a", SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY, endpoint=simulator.url, max_rps=5),
            "b": Profile("b", OTHER_APP, SIM_ADMIN, secret_key=OTHER_KEY, endpoint=other.url, max_rps=7),
        }
        watched = [("a", "a1"), ("a", "a2"), ("b", "b1"), ("zzz", "ignored")]
        seen: list[object] = []

        def source(p: Profile) -> ReportClient:
            return ReportClient(p.endpoints, Signer(p.sdkappid, p.identifier, secret_key=p.secret_key, clock=clock))

        monitor = Monitor(profiles, lambda: watched, seen.append, source_factory=source, clock=clock,
                          poller_options={"sleep": fake_time.sleep, "monotonic": fake_time.monotonic})
        assert monitor.pollers["a"].limiter.max_rps == 5 and monitor.pollers["b"].limiter.max_rps == 7
        finished: dict[str, int] = {}

        def count(event: object) -> None:
            seen.append(event)
            if isinstance(event, SweepFinished):
                finished[event.profile] = event.number
                if len(finished) == 2 and min(finished.values()) >= 2:
                    monitor.stop()
                if event.profile == "a" and event.number == 1:
                    simulator.faults.add(Fault.error(90017))  # profile a fails from now on
                    watched.remove(("a", "a2"))  # and a2 leaves the watchlist

        monitor._on_event = count
        await asyncio.wait_for(monitor.run(), 10)
        await monitor.aclose()

    assert set(monitor.states) == {("a", "a1"), ("b", "b1")}  # removed task dropped, unknown profile ignored
    a1, b1 = monitor.states[("a", "a1")], monitor.states[("b", "b1")]
    assert a1.report is not None and a1.stale and "90017" in a1.error  # last-known data kept, marked stale
    assert a1.age(clock()) is not None and a1.age(clock()) > 0
    assert b1.report is not None and not b1.stale and len(b1.history) >= 2  # history for rate and ETA
    assert monitor.pollers["a"].state is ProfileState.BACKING_OFF
    assert monitor.pollers["b"].state is ProfileState.LIVE


async def test_without_folding_states_events_still_flow(simulator: Simulator, clock: ManualClock,
                                                        fake_time: FakeTime) -> None:
    simulator.campaign.add(_task("a1"))
    profiles = {"a": Profile("a", SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY, endpoint=simulator.url)}
    seen: list[object] = []

    def source(p: Profile) -> ReportClient:
        return ReportClient(p.endpoints, Signer(p.sdkappid, p.identifier, secret_key=p.secret_key, clock=clock))

    monitor = Monitor(profiles, lambda: [("a", "a1")], seen.append, source_factory=source, clock=clock,
                      fold_states=False, poller_options={"sleep": fake_time.sleep, "monotonic": fake_time.monotonic})
    await monitor.pollers["a"].sweep()
    await monitor.aclose()
    assert monitor.states == {}
    assert any(getattr(e, "report", None) is not None and e.report.task_id == "a1" for e in seen)
