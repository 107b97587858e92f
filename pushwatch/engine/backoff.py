"""Retry timing: exponential backoff with full jitter, and additive recovery of a lowered rate limit.

Pure functions of their inputs (the random source is passed in) so tests can pin them down.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How one failed batch is retried. Defaults bound a transient outage to ~15 s of retries per batch."""

    attempts: int = 5  # tries in all, the first one included
    base: float = 0.5  # seconds before the first retry (before jitter)
    cap: float = 8.0  # no single wait longer than this
    pause: float = 60.0  # 70050: the server asks us to stay away at least this long
    pause_jitter: float = 5.0  # extra random seconds on a pause, so many clients don't return together
    rate_attempts: int = 8  # tries in all for a batch refused by rate signals (we slow down meanwhile)

    def delay(self, retry: int, rng: random.Random) -> float:
        """Wait before retry number `retry` (1 for the first retry): full jitter over an exponential ceiling,
        never under a quarter of the ceiling so retries do not cluster at zero."""
        ceiling = min(self.cap, self.base * (2 ** (retry - 1)))
        return ceiling * (0.25 + 0.75 * rng.random())

    def pause_for(self, rng: random.Random) -> float:
        return self.pause + self.pause_jitter * rng.random()


def slowed(limit: int) -> int:
    """The limit after a rate signal: halve it (at least 1)."""
    return max(1, limit // 2)


def recovered(limit: int, max_rps: int) -> int:
    """The limit one recovery step later: grow by a tenth of the maximum, so full speed returns over ~10 s."""
    return min(max_rps, limit + max(1, max_rps // 10))
