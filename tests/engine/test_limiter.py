"""The sliding-window limiter under virtual time: never more than the limit in any one-second window, and
never slower than the window forces (the rate is reached)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pushwatch.engine.limiter import SlidingWindowLimiter
from tests.engine.vtime import run_virtual

EPS = 1e-6


def max_in_any_window(starts: list[float], window: float = 1.0) -> int:
    """The most starts inside any half-open window [t, t + window)."""
    starts = sorted(starts)
    best = lo = 0
    for hi, t in enumerate(starts):
        while starts[lo] <= t - window + 1e-9:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def simulate(max_rps: int, holds: list[list[float]], limits: list[int] | None = None) -> list[tuple[float, float]]:
    """Workers acquire one slot per entry of their `holds` list, then 'work' that many seconds.
    Returns (asked_at, started_at) for every acquisition."""

    async def main() -> list[tuple[float, float]]:
        loop = asyncio.get_running_loop()
        limiter = SlidingWindowLimiter(max_rps, clock=loop.time)
        out: list[tuple[float, float]] = []

        async def worker(hold_times: list[float]) -> None:
            for hold in hold_times:
                asked = loop.time()
                await limiter.acquire()
                out.append((asked, loop.time()))
                if limits:  # the poller lowers and raises the limit while requests wait
                    limiter.set_limit(limits[len(out) % len(limits)])
                await asyncio.sleep(hold)

        await asyncio.gather(*(worker(h) for h in holds))
        return out

    return run_virtual(main())


holds_st = st.lists(
    st.lists(st.sampled_from([0.0, 0.0, 0.001, 0.05, 0.25, 0.3, 0.7, 1.3]), min_size=1, max_size=40),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(max_rps=st.integers(1, 100), holds=holds_st)
def test_no_window_over_limit_and_never_slower_than_needed(max_rps: int, holds: list[list[float]]) -> None:
    record = simulate(max_rps, holds)
    assert len(record) == sum(len(h) for h in holds)
    starts = sorted(s for _, s in record)
    assert max_in_any_window(starts) <= max_rps
    # Work-conserving: a start that had to wait waited only until the window allowed it, i.e. exactly one
    # second after the max_rps-th previous start.
    for asked, started in record:
        if started > asked + EPS:
            earlier = [s for s in starts if s < started - EPS]
            assert len(earlier) >= max_rps
            assert started - earlier[-max_rps] <= 1.0 + EPS


@settings(max_examples=80, deadline=None)
@given(
    max_rps=st.integers(2, 100),
    holds=holds_st,
    limits=st.lists(st.integers(1, 100), min_size=1, max_size=6),
)
def test_lowered_limits_never_break_the_maximum(max_rps: int, holds: list[list[float]], limits: list[int]) -> None:
    record = simulate(max_rps, holds, limits)
    assert max_in_any_window([s for _, s in record]) <= max_rps


@pytest.mark.parametrize("max_rps", [1, 7, 20, 100])
def test_saturated_demand_runs_at_exactly_the_rate(max_rps: int) -> None:
    n = max_rps * 5 + 3
    record = simulate(max_rps, [[0.0] * (n // 10 + 1) for _ in range(10)])
    starts = sorted(s for _, s in record)[:n]
    # k-th start (0-based) at second k // max_rps: the rate is reached, never exceeded.
    for k, t in enumerate(starts):
        assert abs(t - k // max_rps) < 1e-3, (k, t)
    assert max_in_any_window(starts) == max_rps


def test_a_burst_at_a_second_boundary_is_not_doubled() -> None:
    """The token-bucket failure: a burst late in one second and another early in the next."""
    record = simulate(10, [[0.95] + [0.0] * 3 for _ in range(10)])
    starts = sorted(s for _, s in record)
    assert max_in_any_window(starts) == 10
    assert starts[10] >= starts[0] + 1.0 - 1e-9


def test_lowered_limit_slows_and_raised_limit_recovers() -> None:
    async def main() -> tuple[list[float], list[float]]:
        loop = asyncio.get_running_loop()
        limiter = SlidingWindowLimiter(10, clock=loop.time)
        limiter.set_limit(2)
        slow = []
        for _ in range(6):
            await limiter.acquire()
            slow.append(loop.time())
        limiter.set_limit(50)  # clamped to the maximum
        assert limiter.limit == 10
        fast = []
        for _ in range(30):
            await limiter.acquire()
            fast.append(loop.time())
        return slow, fast

    slow, fast = run_virtual(main())
    assert slow[-1] - slow[0] == pytest.approx(2.0, abs=1e-3)  # 2 per second
    assert max_in_any_window(slow + fast) <= 10
    assert fast[-1] - fast[0] < 3.1  # back at 10 per second


def test_rejects_a_silly_limit() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0)


@settings(max_examples=60, deadline=None)
@given(max_rps=st.integers(1, 100), holds=holds_st)
def test_paced_starts_are_evenly_spread(max_rps: int, holds: list[list[float]]) -> None:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = SlidingWindowLimiter(max_rps, clock=loop.time, window=1.04, paced=True)
        starts: list[float] = []

        async def worker(hold_times: list[float]) -> None:
            for hold in hold_times:
                await limiter.acquire()
                starts.append(loop.time())
                await asyncio.sleep(hold)

        await asyncio.gather(*(worker(h) for h in holds))
        return starts

    starts = sorted(run_virtual(main()))
    assert max_in_any_window(starts, 1.04) <= max_rps
    # Even spacing: any short stretch holds at most its share of the rate plus 0.1 s of catching up.
    gap = 1.04 / max_rps
    for span in (0.05, 0.3):
        assert max_in_any_window(starts, span) <= (span + 0.1) / gap + 1 + EPS
