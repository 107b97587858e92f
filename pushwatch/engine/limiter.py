"""Sliding-window limiter: never more than N request *starts* in any one-second window.

A token bucket is not enough: it lets a full burst at the end of one second and another at the start of the
next. Here the k-th start waits until at least `window` seconds have passed since the (k - N)-th start, which
is exactly the condition "no window of one second holds more than N starts".

The limit can be lowered while running (rate signals from the server) and raised back gradually; it never
exceeds the `max_rps` the limiter was built with.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

MIN_SLEEP_S = 1e-6
PACE_CATCH_UP_S = 0.1  # a paced limiter behind its schedule (busy event loop) may start early by this much


class SlidingWindowLimiter:
    def __init__(
        self,
        max_rps: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        *,
        window: float = 1.0,
        paced: bool = False,
    ) -> None:
        if not 1 <= int(max_rps) <= 100_000:
            raise ValueError(f"max_rps must be a positive integer, not {max_rps!r}")
        self.max_rps = int(max_rps)
        self.window = window
        self.paced = paced  # also spread starts evenly over the window: no bursts, smoother load
        self._paced_at = -float("inf")  # paced: the next start's slot on an even schedule
        self._limit = self.max_rps
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=self.max_rps)
        self._lock = asyncio.Lock()  # FIFO: waiters are served in arrival order
        self.started = 0

    @property
    def limit(self) -> int:
        """The current limit (lowered by `slow_down`, at most `max_rps`)."""
        return self._limit

    def set_limit(self, limit: int) -> None:
        self._limit = max(1, min(self.max_rps, int(limit)))

    def delay(self) -> float:
        """Seconds until the next start would be allowed (0 when one is allowed now)."""
        starts, limit = self._starts, self._limit
        if not starts:
            return 0.0
        now = self._clock()
        wait = starts[-limit] + self.window - now if len(starts) >= limit else 0.0
        if self.paced:
            wait = max(wait, self._paced_at - now)
        return max(0.0, wait)

    async def acquire(self) -> None:
        """Wait until one more request may start without breaking the window, and count it as started."""
        async with self._lock:
            starts = self._starts
            while True:
                limit = self._limit  # re-read: the limit may change while we sleep
                if not starts:
                    break
                now = self._clock()
                wait = starts[-limit] + self.window - now if len(starts) >= limit else 0.0
                if self.paced:
                    wait = max(wait, self._paced_at - now)
                if wait <= 0:
                    break
                await self._sleep(max(wait, MIN_SLEEP_S))
            now = self._clock()
            starts.append(now)
            self.started += 1
            if self.paced:
                # Slots follow an even schedule; after a stall the schedule may run behind by at most
                # PACE_CATCH_UP_S, so lost time is partly made up without a burst (the window still caps it).
                self._paced_at = max(self._paced_at, now - PACE_CATCH_UP_S) + self.window / self._limit
