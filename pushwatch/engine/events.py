"""What the engine publishes: immutable events, and the per-task state they fold into.

Front ends (TUI, `report`, `watch`) subscribe with a callback and never reach into the engine's internals.
Times are wall-clock unix seconds (`time.time()`), so they can be saved and shown as ages.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

from pushwatch.api.models import ErrorKind, Report, Status

HISTORY_LEN = 60


class ProfileState(enum.Enum):
    STARTING = "starting"
    LIVE = "live"
    PAUSED = "paused"  # the user paused polling
    BACKING_OFF = "backing off"  # transient failures or rate signals: retrying slower
    WAITING = "waiting"  # 70050: told to stay away for 60 s or more
    STOPPED = "stopped"  # fatal error: nothing more is sent until the user fixes the cause


@dataclass(frozen=True, slots=True)
class TaskReported:
    profile: str
    report: Report
    at: float
    previous: Report | None = None  # the report before this one, to tell what changed


@dataclass(frozen=True, slots=True)
class TaskFailed:
    """A task got no fresh report this sweep; its last-known data (if any) is now stale."""

    profile: str
    task_id: str
    message: str
    kind: ErrorKind
    at: float
    code: int | None = None


@dataclass(frozen=True, slots=True)
class TaskInvalid:
    """The server refused this ID with 90016 (invalid, unknown or expired); it is no longer polled."""

    profile: str
    task_id: str
    at: float


@dataclass(frozen=True, slots=True)
class SweepStarted:
    profile: str
    number: int
    tasks: int
    at: float


@dataclass(frozen=True, slots=True)
class SweepFinished:
    profile: str
    number: int
    tasks: int
    requests: int
    ok: int
    failed: int
    duration: float
    at: float
    overran: bool = False  # the sweep took longer than the interval


@dataclass(frozen=True, slots=True)
class StateChanged:
    profile: str
    state: ProfileState
    message: str
    at: float


Event = TaskReported | TaskFailed | TaskInvalid | SweepStarted | SweepFinished | StateChanged


@dataclass(slots=True)
class TaskState:
    """Everything known about one watched task, folded from events. Mutable, owned by one consumer."""

    task_id: str
    profile: str
    label: str = ""
    report: Report | None = None
    reported_at: float | None = None  # when `report` was received
    error: str = ""
    error_at: float | None = None
    invalid: bool = False
    history: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=HISTORY_LEN))

    @property
    def status(self) -> Status | None:
        return self.report.status if self.report else None

    @property
    def stale(self) -> bool:
        """Last-known data that the latest attempt failed to refresh (or loaded from disk)."""
        return self.report is not None and (
            self.reported_at is None or (self.error_at is not None and self.error_at >= self.reported_at)
        )

    def age(self, now: float) -> float | None:
        return None if self.reported_at is None else max(0.0, now - self.reported_at)

    def apply(self, event: Event) -> None:
        if isinstance(event, TaskReported):
            self.report = event.report
            self.reported_at = event.at
            self.error, self.error_at, self.invalid = "", None, False
            if event.report.finished is not None:
                last = self.history[-1] if self.history else None
                # A sample when Finished moves, and at least one a minute so a stalled push shows rate 0.
                if last is None or last[1] != event.report.finished or last[0] < event.at - 60:
                    self.history.append((event.at, event.report.finished))
        elif isinstance(event, TaskFailed):
            self.error, self.error_at = event.message, event.at
        elif isinstance(event, TaskInvalid):
            self.invalid, self.error, self.error_at = True, "invalid or unknown task ID (90016)", event.at

    def rate(self) -> float | None:
        """Users pushed per second over the recent history, or None when unknown."""
        if len(self.history) < 2:
            return None
        (t0, f0), (t1, f1) = self.history[0], self.history[-1]
        # Only the recent part matters: a push that stalled should not look fast because of its start.
        for t, f in reversed(self.history):
            if t1 - t >= 30:
                t0, f0 = t, f
                break
        if t1 <= t0:
            return None
        return max(0.0, (f1 - f0) / (t1 - t0))

    def eta(self) -> float | None:
        """Seconds until Finished reaches Total at the current rate, when pushing."""
        r = self.report
        if r is None or r.status is not Status.PUSHING or r.total is None or r.finished is None:
            return None
        rate = self.rate()
        if not rate:
            return None
        return max(0.0, (r.total - r.finished) / rate)
