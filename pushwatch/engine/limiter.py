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

MIN_SLEEP_S = 1e-6  # guarantees progress when float rounding leaves a wait of ~0


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
        self.paced = paced  # also keep starts at least window/limit apart: no bursts, smoother load
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
            wait = max(wait, starts[-1] + self.window / limit - now)
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
                    wait = max(wait, starts[-1] + self.window / limit - now)
                if wait <= 0:
                    break
                await self._sleep(max(wait, MIN_SLEEP_S))
            starts.append(self._clock())
            self.started += 1
