"""What the simulator saw: one record per request, kept for tests and benchmarks to assert on.

Records never hold the UserSig: its query value is replaced by `***` before the record exists.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

REDACTED = "***"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request. `time` is the simulator clock (maybe driven), `mono` real monotonic seconds at arrival.
    `code` is the ErrorCode answered (0 = OK), None when no JSON answer was sent (HTTP error or a fault);
    `http_status` None when nothing was answered (stall, reset, cut)."""

    time: float
    mono: float
    method: str
    path: str
    params: dict[str, str]
    ids: tuple[str, ...] = ()
    code: int | None = None
    http_status: int | None = None
    fault: str | None = None
    info: str = field(default="", compare=False)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def ok(self) -> bool:
        return self.code == 0


class RequestLog:
    """Thread-safe, bounded log of `RequestRecord`s (oldest dropped first, so a long demo stays small)."""

    def __init__(self, max_records: int = 2000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._lock = threading.Lock()
        self.total = 0  # requests seen since the last clear(), including dropped records

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            self.total += 1

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self.total = 0

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    @property
    def last(self) -> RequestRecord:
        return self[-1]

    def batch_sizes(self) -> list[int]:
        return [r.count for r in self.snapshot()]

    def codes(self) -> list[int | None]:
        return [r.code for r in self.snapshot()]

    def max_in_window(self, window: float = 1.0, *, real: bool = True) -> int:
        """Most requests that arrived within any `window` seconds (real monotonic time, or the sim clock)."""
        times = sorted(r.mono if real else r.time for r in self.snapshot())
        best = lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best
