"""Sweeps against the simulator over real loopback HTTP: batching, chaining, freezing, every failure class,
UserSig renewal, 90016 isolation and stale marking. Engine waits are fast-forwarded by a fake time."""

from __future__ import annotations

import asyncio

import pytest

from pushwatch.api.models import ErrorKind, Status
from pushwatch.api.usersig import Signer
from pushwatch.engine.backoff import RetryPolicy
from pushwatch.engine.events import (
    ProfileState,
    StateChanged,
    SweepFinished,
    SweepStarted,
    TaskFailed,
    TaskInvalid,
    TaskReported,
    TaskState,
)
from pushwatch.simulator import Campaign, Fault, ManualClock, Simulator, Task, generated_ids
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID, T0
from tests.engine.conftest import PollerFactory

PUSHING = dict(total=1_000_000, start_at=T0 - 10, rate=10)  # pushing for a day
FINISHED = dict(total=100, start_at=T0 - 3600, rate=10)


@pytest.fixture
def campaign(clock: ManualClock) -> Campaign:
    return Campaign()


def add(sim: Simulator, ids: list[str], **kw: object) -> list[str]:
    for tid in ids:
        sim.campaign.add(Task(tid, **{**PUSHING, **kw}))  # type: ignore[arg-type]
    return ids


def requested(sim: Simulator) -> list[tuple[str, ...]]:
    return [r.ids for r in sim.requests.snapshot()]


def reported_ids(events: list[object]) -> list[str]:
    return [e.report.task_id for e in events if isinstance(e, TaskReported)]


# ----- batching, freezing, chaining ---------------------------------------------------------------------


async def test_sweep_batches_of_at_most_500_distinct_ids(simulator: Simulator, make_poller: PollerFactory) -> None:
    ids = add(simulator, generated_ids(1203))
    rig = make_poller(ids + ids[:10] + ["  " + ids[0] + " ", ""])  # duplicates and blanks are dropped
    done = await rig.poller.sweep()
    batches = requested(simulator)
    assert sorted(len(b) for b in batches) == [203, 500, 500]
    assert all(len(set(b)) == len(b) for b in batches)
    assert sorted(i for b in batches for i in b) == sorted(ids)
    assert sorted(reported_ids(rig.events)) == sorted(ids)
    assert (done.tasks, done.requests, done.ok, done.failed) == (1203, 3, 1203, 0)
    assert isinstance(rig.events[0], SweepStarted) and rig.events[-1] is done
    assert rig.poller.state is ProfileState.LIVE


async def test_empty_watchlist_sends_nothing(simulator: Simulator, make_poller: PollerFactory) -> None:
    rig = make_poller([])
    done = await rig.poller.sweep()
    assert done.requests == 0 and simulator.requests.total == 0


async def test_final_tasks_are_frozen_until_forced(simulator: Simulator, make_poller: PollerFactory) -> None:
    moving = add(simulator, ["m1", "m2"])
    final = add(simulator, ["f1", "f2"], **FINISHED)
    rig = make_poller(moving + final)
    await rig.poller.sweep()
    assert rig.poller.frozen == {"f1", "f2"}
    before = len(requested(simulator))
    await rig.poller.sweep()
    assert set(requested(simulator)[before]) == {"m1", "m2"}
    await rig.poller.sweep(force=True)
    assert set(requested(simulator)[-1]) == {"m1", "m2", "f1", "f2"}


async def test_a_task_that_finishes_stops_being_polled(
    simulator: Simulator, make_poller: PollerFactory, clock: ManualClock
) -> None:
    simulator.campaign.add(Task("ends", total=50, start_at=T0 - 1, rate=10))
    add(simulator, ["runs"])
    rig = make_poller(["ends", "runs"])
    await rig.poller.sweep()
    clock.advance(60)
    await rig.poller.sweep()
    last = [e for e in rig.of(TaskReported) if e.report.task_id == "ends"][-1]
    assert last.report.status is Status.FINISHED and last.previous.status is Status.PUSHING
    await rig.poller.sweep()
    assert requested(simulator)[-1] == ("runs",)


async def test_run_chains_sweeps_interval_after_the_previous_end(
    simulator: Simulator, make_poller: PollerFactory
) -> None:
    ids = add(simulator, generated_ids(20))
    rig = make_poller(ids, interval=7.5)

    def stop_after_three(event: object) -> None:
        if isinstance(event, SweepFinished) and event.number == 3:
            rig.poller.stop()

    rig.poller._on_event = lambda e: (rig.events.append(e), stop_after_three(e))  # type: ignore[assignment]
    await asyncio.wait_for(rig.poller.run(), 10)
    kinds = [type(e).__name__ for e in rig.events if isinstance(e, (SweepStarted, SweepFinished))]
    assert kinds == ["SweepStarted", "SweepFinished"] * 3  # never overlapping
    assert rig.time.sleeps.count(7.5) == 2  # waited the interval between sweeps, not after the last
    assert all(not e.overran for e in rig.of(SweepFinished))


async def test_a_sweep_longer_than_the_interval_says_so(simulator: Simulator, make_poller: PollerFactory) -> None:
    ids = add(simulator, generated_ids(3000))  # 6 requests at 2 req/s: about 2.5 s > 1 s interval
    rig = make_poller(ids, max_rps=2, interval=1.0)
    done = await rig.poller.sweep()
    assert done.requests == 6 and done.overran and done.duration >= 2.0


@pytest.mark.parametrize(
    ("action", "third_sweep"),
    [("refresh_now", {"m", "f"}), ("poll_soon", {"m"})],  # a refresh re-asks final tasks; poll_soon keeps them frozen
)
async def test_refresh_now_and_poll_soon_skip_the_wait(
    simulator: Simulator, make_poller: PollerFactory, action: str, third_sweep: set[str]
) -> None:
    add(simulator, ["m"])
    add(simulator, ["f"], **FINISHED)
    rig = make_poller(["m", "f"], interval=30)

    def on(event: object) -> None:
        rig.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, SweepFinished):
            if event.number == 2:
                getattr(rig.poller, action)()
            if event.number == 3:
                rig.poller.stop()

    rig.poller._on_event = on  # type: ignore[assignment]
    await asyncio.wait_for(rig.poller.run(), 10)
    reqs = requested(simulator)
    assert set(reqs[0]) == {"m", "f"} and reqs[1] == ("m",) and set(reqs[2]) == third_sweep
    assert len(reqs[2]) == len(third_sweep)
    assert rig.time.sleeps.count(30) == 1  # only the wait after sweep 1; the action skipped the second


async def test_pause_holds_requests_until_resume(simulator: Simulator, make_poller: PollerFactory) -> None:
    add(simulator, ["a"])
    rig = make_poller(["a"])
    rig.poller.pause()
    task = asyncio.ensure_future(rig.poller.sweep())
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert simulator.requests.total == 0 and not task.done()
    assert rig.poller.state is ProfileState.PAUSED
    rig.poller.resume()
    done = await asyncio.wait_for(task, 5)
    assert done.ok == 1 and rig.poller.state is ProfileState.LIVE


async def test_a_failing_consumer_does_not_stop_polling(simulator: Simulator, make_poller: PollerFactory) -> None:
    ids = add(simulator, generated_ids(600))

    def explode(event: object) -> None:
        raise RuntimeError("front-end bug")

    rig = make_poller(ids, on_event=explode)
    done = await rig.poller.sweep()
    assert done.ok == 600 and rig.poller.consumer_errors > 600


async def test_several_requests_in_flight(simulator: Simulator, make_poller: PollerFactory) -> None:
    """A slow link: with one request at a time the rate could never be reached. In-flight requests start at a
    few and grow to what the measured round trip needs, so ten requests go out in two waves, not ten."""
    import time

    simulator.latency = 0.2
    ids = add(simulator, generated_ids(5000))
    rig = make_poller(ids, max_rps=100)
    rig.poller._mono = time.monotonic  # real round trips for this one
    await rig.poller.sweep()
    arrivals = sorted(r.mono for r in simulator.requests.snapshot())
    assert len(arrivals) == 10
    waves = 1 + sum(1 for a, b in zip(arrivals, arrivals[1:]) if b - a > 0.1)
    assert waves <= 3
    assert rig.poller.rtt is not None and rig.poller.rtt >= 0.2


# ----- failure classes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [Fault.error(90017), Fault.error(91000), Fault.error(60008), Fault.error(70169), Fault.http(502),
     Fault.reset(), Fault.truncated(), Fault.html()],
    ids=lambda f: f.label,
)
async def test_transient_failure_retries_only_the_failed_batch(
    simulator: Simulator, make_poller: PollerFactory, fault: Fault
) -> None:
    ids = add(simulator, generated_ids(1000))
    simulator.faults.add(fault, ids=[ids[0]], times=2)
    rig = make_poller(ids)
    done = await rig.poller.sweep()
    batches = requested(simulator)
    first, second = set(ids[:500]), set(ids[500:])
    assert sum(1 for b in batches if set(b) == first) == 3  # 2 failures + 1 success
    assert sum(1 for b in batches if set(b) == second) == 1
    assert done.ok == 1000 and done.failed == 0 and done.requests == 4
    backoffs = [s for s in rig.time.sleeps if s >= 0.1]  # not the limiter's pacing
    assert len(backoffs) == 2 and 0 < backoffs[0] < backoffs[1] * 4  # exponential with jitter, bounded
    states = [e.state for e in rig.of(StateChanged)]
    assert ProfileState.BACKING_OFF in states and states[-1] is ProfileState.LIVE  # recovery is announced


async def test_transient_retries_are_bounded_and_leave_stale_data(
    simulator: Simulator, make_poller: PollerFactory, clock: ManualClock
) -> None:
    ids = add(simulator, ["a", "b"])
    policy = RetryPolicy(attempts=4)
    rig = make_poller(ids, policy=policy)
    await rig.poller.sweep()
    simulator.faults.add(Fault.error(90017))
    clock.advance(5)
    done = await rig.poller.sweep()
    assert done.requests == 4 and done.failed == 2 and done.ok == 0
    backoffs = [s for s in rig.time.sleeps if s >= 0.1]  # not the limiter's pacing
    assert len(backoffs) == 3 and all(s <= policy.cap for s in backoffs)
    failed = rig.of(TaskFailed)
    assert {f.task_id for f in failed} == {"a", "b"} and all(f.code == 90017 for f in failed)
    assert all(f.kind is ErrorKind.RETRYABLE for f in failed)
    state = TaskState("a", "test")
    fold_a = lambda events: [state.apply(e) for e in events if _about(e, "a")]  # noqa: E731
    fold_a(rig.events)
    assert state.stale and state.report is not None  # last-known data stays, marked stale
    assert state.age(clock()) == pytest.approx(clock() - rig.of(TaskReported)[0].at)
    assert rig.poller.state is ProfileState.BACKING_OFF
    simulator.faults.clear()
    seen = len(rig.events)
    await rig.poller.sweep()
    fold_a(rig.events[seen:])
    assert not state.stale and state.age(clock()) == 0 and rig.poller.state is ProfileState.LIVE


def _about(event: object, task_id: str) -> bool:
    if isinstance(event, TaskReported):
        return event.report.task_id == task_id
    return getattr(event, "task_id", None) == task_id


@pytest.mark.parametrize("code", [60007, 60011, 60018, 60019])
async def test_rate_signals_slow_down_then_recover_gradually(
    simulator: Simulator, make_poller: PollerFactory, code: int
) -> None:
    ids = add(simulator, generated_ids(500))
    rig = make_poller(ids, max_rps=40)
    simulator.faults.add(Fault.error(code), times=3)
    done = await rig.poller.sweep()
    assert done.ok == 500
    limiter = rig.poller.limiter
    assert limiter.limit < 40  # slowed down (halved once per window, not once per answer)
    limits = [limiter.limit]
    for _ in range(15):
        rig.time.mono += 1.0
        await rig.poller.sweep()
        limits.append(limiter.limit)
    assert limits == sorted(limits) and limits[-1] == 40  # grows back step by step
    assert len(set(limits)) > 3
    states = [e.state for e in rig.of(StateChanged)]
    assert ProfileState.BACKING_OFF in states and states[-1] is ProfileState.LIVE


async def test_70050_pauses_at_least_60_seconds(
    simulator: Simulator, make_poller: PollerFactory, clock: ManualClock
) -> None:
    ids = add(simulator, generated_ids(1500))
    simulator.faults.add(Fault.error(70050), times=1)
    rig = make_poller(ids)
    done = await rig.poller.sweep()
    assert done.ok == 1500
    records = simulator.requests.snapshot()
    refused = next(r for r in records if r.code == 70050)
    later = [r for r in records if r.time > refused.time]
    assert later and all(r.time >= refused.time + 60 for r in later)  # nothing was sent during the pause
    assert any(s >= 60 for s in rig.time.sleeps)
    states = [e.state for e in rig.of(StateChanged)]
    assert ProfileState.WAITING in states and states[-1] is ProfileState.LIVE


@pytest.mark.parametrize(
    ("identifier", "fault", "words"),
    [
        ("not-an-admin", None, "administrator"),
        (SIM_ADMIN, Fault.error(60020), "renew the IM package"),
        (SIM_ADMIN, Fault.error(70016), "region"),
        (SIM_ADMIN, Fault.http(403), "HTTP 403"),
    ],
)
async def test_fatal_stops_the_profile_with_an_actionable_message(
    simulator: Simulator, make_poller: PollerFactory, identifier: str, fault: Fault | None, words: str
) -> None:
    ids = add(simulator, generated_ids(1500))
    if fault is not None:
        simulator.faults.add(fault)
    rig = make_poller(ids, identifier=identifier, concurrency=1)
    await asyncio.wait_for(rig.poller.run(), 10)  # returns by itself
    assert rig.poller.state is ProfileState.STOPPED
    assert words in rig.poller.fatal and "polling stopped" in rig.poller.fatal
    assert simulator.requests.total == 1  # the other batches were not sent
    failed = rig.of(TaskFailed)
    assert sorted(f.task_id for f in failed) == sorted(ids)
    assert all(f.kind is ErrorKind.FATAL for f in failed)
    assert rig.of(StateChanged)[-1].state is ProfileState.STOPPED
    assert SIM_KEY not in rig.poller.fatal


# ----- UserSig ------------------------------------------------------------------------------------------


async def test_expired_usersig_is_renewed_and_retried_once(
    simulator: Simulator, make_poller: PollerFactory
) -> None:
    ids = add(simulator, ["a"])
    simulator.faults.add(Fault.error(70001), times=1)
    rig = make_poller(ids)
    rig.source.signer.current()
    generated = rig.source.signer.generated
    done = await rig.poller.sweep()
    assert done.ok == 1 and rig.source.signer.generated == generated + 1
    assert [r.code for r in simulator.requests.snapshot()] == [70001, 0]


@pytest.mark.parametrize("code", [70001, 70003, 70005, 70009, 70052, 20002])
async def test_auth_refused_again_after_renewal_is_fatal(
    simulator: Simulator, make_poller: PollerFactory, code: int
) -> None:
    ids = add(simulator, ["a"])
    simulator.faults.add(Fault.error(code))
    rig = make_poller(ids)
    await asyncio.wait_for(rig.poller.run(), 10)
    assert [r.code for r in simulator.requests.snapshot()] == [code, code]  # renewed once, not looping
    assert rig.poller.state is ProfileState.STOPPED
    assert "freshly generated UserSig" in rig.poller.fatal


async def test_usersig_without_secret_key_cannot_renew(
    simulator: Simulator, make_poller: PollerFactory, clock: ManualClock
) -> None:
    from pushwatch.api.usersig import generate

    ids = add(simulator, ["a"])
    old = generate(SIM_KEY, SIM_ADMIN, SIM_SDKAPPID, expire=60, now=int(clock()) - 120)
    rig = make_poller(ids, secret_key=None, usersig=old)
    await asyncio.wait_for(rig.poller.run(), 10)
    assert simulator.requests.total == 1
    assert "70001" in rig.poller.fatal and "secret key" in rig.poller.fatal
    assert old not in rig.poller.fatal


async def test_usersig_is_renewed_before_it_expires(
    simulator: Simulator, make_poller: PollerFactory, clock: ManualClock
) -> None:
    ids = add(simulator, ["a"])
    signer = Signer(SIM_SDKAPPID, SIM_ADMIN, secret_key=SIM_KEY, expire=300, clock=clock)
    rig = make_poller(ids, signer=signer, interval=100)

    def stop_later(event: object) -> None:
        rig.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, SweepFinished) and event.number == 12:
            rig.poller.stop()

    rig.poller._on_event = stop_later  # type: ignore[assignment]
    await asyncio.wait_for(rig.poller.run(), 10)  # 1100 s of fake time: almost four lifetimes of the UserSig
    codes = [r.code for r in simulator.requests.snapshot()]
    assert codes == [0] * 12  # never refused as expired
    assert signer.generated >= 4


# ----- 90016 isolation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_positions", [[0], [499], [137], [3, 4], [10, 200, 201, 499], list(range(0, 500, 50))])
async def test_invalid_ids_are_isolated_and_the_rest_keeps_polling(
    simulator: Simulator, make_poller: PollerFactory, bad_positions: list[int]
) -> None:
    ids = generated_ids(1000)
    bad = {ids[p] for p in bad_positions}
    add(simulator, [i for i in ids if i not in bad])
    rig = make_poller(ids)
    done = await rig.poller.sweep()
    assert {e.task_id for e in rig.of(TaskInvalid)} == bad
    assert sorted(reported_ids(rig.events)) == sorted(set(ids) - bad)
    assert done.ok == 1000 - len(bad) and done.failed == len(bad)
    extra = done.requests - 2
    assert extra <= len(bad) * 2 * 9 + 1  # about log2(500) per bad ID, never a request per ID
    assert all(0 < len(b) <= 500 for b in requested(simulator))
    assert rig.poller.invalid == bad
    before = len(requested(simulator))
    again = await rig.poller.sweep()
    assert again.requests == 2 and not set().union(*requested(simulator)[before:]) & bad  # no longer polled
    assert again.ok == 1000 - len(bad)


async def test_one_bad_id_costs_about_log2_requests(simulator: Simulator, make_poller: PollerFactory) -> None:
    ids = generated_ids(500)
    add(simulator, ids[:-1])
    costs = []
    for position in (0, 100, 250, 377, 499):
        order = ids[:position] + [ids[-1]] + ids[position:-1]
        rig = make_poller(order)
        done = await rig.poller.sweep()
        costs.append(done.requests - 1)
    assert max(costs) <= 18 and sum(costs) / len(costs) <= 15  # log2(500) ~ 9 halves to probe


async def test_a_single_unknown_id_is_invalid_at_once(simulator: Simulator, make_poller: PollerFactory) -> None:
    rig = make_poller(["ghost"])
    done = await rig.poller.sweep()
    assert done.requests == 1 and [e.task_id for e in rig.of(TaskInvalid)] == ["ghost"]
