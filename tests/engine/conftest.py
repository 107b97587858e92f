"""Engine fixtures: a fake time that fast-forwards every engine wait (and the simulator's clock with it),
and a factory of pollers wired to the simulator over real loopback HTTP."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pushwatch.api.client import ReportClient
from pushwatch.api.usersig import Signer
from pushwatch.engine.backoff import RetryPolicy
from pushwatch.engine.events import Event
from pushwatch.engine.poller import Poller
from pushwatch.engine.profile import Profile
from pushwatch.simulator import ManualClock, Simulator
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID


class FakeTime:
    """Engine waits (backoff, 70050 pause, interval, limiter) return at once and move both clocks forward."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.mono += seconds
            self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def fake_time(clock: ManualClock) -> FakeTime:
    return FakeTime(clock)


@dataclass
class Rig:
    poller: Poller
    events: list[Event]
    ids: list[str]
    source: ReportClient
    time: FakeTime
    sim: Simulator
    extra: dict[str, Any] = field(default_factory=dict)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


PollerFactory = Callable[..., Rig]


@pytest.fixture
def sim_options() -> dict[str, Any]:
    # A manual clock never leaves its second, so the simulator's own per-second limit would trip on a long
    # test; tests of rate signals inject them as faults instead.
    return {"max_rps": None}


@pytest.fixture
async def make_poller(simulator: Simulator, fake_time: FakeTime, clock: ManualClock) -> AsyncIterator[PollerFactory]:
    sources: list[ReportClient] = []

    def factory(
        ids: Iterable[str],
        *,
        max_rps: int = 100,
        interval: float = 10.0,
        secret_key: str | None = SIM_KEY,
        usersig: str | None = None,
        identifier: str = SIM_ADMIN,
        signer: Signer | None = None,
        policy: RetryPolicy = RetryPolicy(),
        on_event: Callable[[Event], None] | None = None,
        concurrency: int | None = None,
    ) -> Rig:
        ids = list(ids)
        profile = Profile(
            name="test",
            sdkappid=SIM_SDKAPPID,
            identifier=identifier,
            secret_key=secret_key,
            usersig=usersig,
            endpoint=simulator.url,
            max_rps=max_rps,
            interval=interval,
        )
        signer = signer or Signer(SIM_SDKAPPID, identifier, secret_key=secret_key, usersig=usersig, clock=clock)
        source = ReportClient(simulator.url, signer, timeout=5.0)
        sources.append(source)
        events: list[Event] = []

        def sink(event: Event) -> None:
            events.append(event)
            if on_event is not None:
                on_event(event)

        poller = Poller(
            profile,
            source,
            lambda: ids,
            sink,
            clock=clock,
            monotonic=fake_time.monotonic,
            sleep=fake_time.sleep,
            policy=policy,
            rng=random.Random(3),
            concurrency=concurrency,
        )
        return Rig(poller, events, ids, source, fake_time, simulator)

    yield factory
    for source in sources:
        await source.aclose()
