"""90016 isolation as a property: whatever IDs are bad, exactly they are marked invalid, every other ID gets its
report, no request is empty or over 500, and the cost stays near log2(batch) requests per bad ID."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from pushwatch.api.models import Report, ServiceError, Status
from pushwatch.engine.events import TaskInvalid, TaskReported
from pushwatch.engine.poller import Poller
from pushwatch.engine.profile import Profile


class FakeSource:
    max_batch = 500

    def __init__(self, bad: set[str]) -> None:
        self.bad = bad
        self.batches: list[list[str]] = []

    async def fetch(self, ids: Sequence[str]) -> list[Report]:
        self.batches.append(list(ids))
        await asyncio.sleep(0)
        if self.bad.intersection(ids):
            raise ServiceError(90016, "invalid task id")
        return [Report(t, Status.PUSHING, None, 1, 2) for t in ids]

    async def aclose(self) -> None:
        pass


async def _nosleep(_: float) -> None:
    await asyncio.sleep(0)


@settings(max_examples=120, deadline=None)
@given(n=st.integers(1, 1600), data=st.data())
def test_isolation_finds_exactly_the_bad_ids(n: int, data: st.DataObject) -> None:
    ids = [f"t{i}" for i in range(n)]
    bad = set(data.draw(st.lists(st.sampled_from(ids), max_size=12, unique=True)))
    source = FakeSource(bad)
    events: list[object] = []
    profile = Profile("p", 1400000000, secret_key="k" * 16, endpoint="http://127.0.0.1:9", max_rps=100)
    poller = Poller(profile, source, lambda: ids, events.append, sleep=_nosleep, monotonic=lambda: 0.0,
                    rng=random.Random(0))
    poller.limiter.paced = False
    poller.limiter.window = 0.0  # no pacing needed without a server
    done = asyncio.run(poller.sweep())
    assert {e.task_id for e in events if isinstance(e, TaskInvalid)} == bad
    reported = [e.report.task_id for e in events if isinstance(e, TaskReported)]
    assert sorted(reported) == sorted(set(ids) - bad) and len(reported) == len(set(reported))
    assert all(0 < len(b) <= 500 and len(set(b)) == len(b) for b in source.batches)
    batches = math.ceil(n / 500)
    assert done.requests <= batches + len(bad) * (2 * math.ceil(math.log2(500)) + 1)
