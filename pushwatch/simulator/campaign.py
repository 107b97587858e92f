"""Push tasks that evolve in time, and the clocks that drive them.

A task is a straight line: pending until `start_at`, then Finished climbs at `rate` users/s until it reaches
`stop_at` (Total, or less for a push that ends incomplete), when Status becomes 2. State is a pure function
of the time, so a test that sets the clock gets the same answer every run and the server never needs a
background thread to "advance" anything.

Answers are served as pre-rendered JSON fragments (only Finished is formatted per request), because the
benchmark asks for 500 reports 100 times a second.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

Clock = Callable[[], float]
"""Unix seconds now; `time.time` or a `ManualClock`."""

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # StartTime is server-local time; China Standard Time


class ManualClock:
    """A clock that moves only when told to, for tests and reproducible demos. Callable like `time.time`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock does not go backwards; use set() for that")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)

    def __repr__(self) -> str:
        return f"ManualClock({self._now!r})"


@dataclass(slots=True)
class Task:
    """One push task. `start_at` None: never starts. `stop_at` None: reaches `total`; less: ends incomplete."""

    task_id: str
    total: int
    start_at: float | None
    rate: float = 100.0
    stop_at: int | None = None
    tz: timezone = CHINA_TZ
    _head: str = field(init=False, repr=False)
    _mid: str = field(init=False, repr=False)
    _pending: str = field(init=False, repr=False)
    _final: str = field(init=False, repr=False)
    _target: int = field(init=False, repr=False)
    _end_at: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.total < 0 or self.rate <= 0:
            raise ValueError("a task needs total >= 0 and rate > 0")
        target = self.total if self.stop_at is None else self.stop_at
        if not 0 <= target <= self.total:
            raise ValueError("stop_at must lie between 0 and total")
        self._target = target
        self._head = '{"TaskId":' + json.dumps(self.task_id, ensure_ascii=False) + ',"Status":'
        self._pending = self._head + "0}"
        if self.start_at is None:
            self._end_at = float("inf")
            self._mid = self._final = ""
            return
        self._end_at = self.start_at + target / self.rate
        start = datetime.fromtimestamp(int(self.start_at), self.tz).strftime("%Y-%m-%d %H:%M:%S")
        self._mid = f'"StartTime":"{start}","Finished":'
        self._final = f'{self._head}2,{self._mid}{target},"Total":{self.total}}}'

    @property
    def incomplete(self) -> bool:
        return self._target < self.total

    def state(self, now: float) -> tuple[int, int | None]:
        """(Status, Finished) at `now`; Finished is None while pending."""
        start = self.start_at
        if start is None or now < start:
            return 0, None
        if now >= self._end_at:
            return 2, self._target
        return 1, min(self._target, int((now - start) * self.rate))

    def fragment(self, now: float) -> str:
        """This task's report as the JSON text the server sends (no dict, no json.dumps on the hot path)."""
        start = self.start_at
        if start is None or now < start:
            return self._pending
        if now >= self._end_at:
            return self._final
        finished = min(self._target, int((now - start) * self.rate))
        return f'{self._head}1,{self._mid}{finished},"Total":{self.total}}}'

    def report(self, now: float) -> dict[str, Any]:
        """The same report as a dict (for tests and debugging)."""
        return json.loads(self.fragment(now))


class Campaign:
    """The set of tasks the simulator knows. Thread-safe: tests add and remove tasks while it serves."""

    def __init__(self, tasks: Iterable[Task] = ()) -> None:
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()
        for task in tasks:
            self._tasks[task.task_id] = task

    # --- editing (tests) ---
    def add(self, task: Task) -> Task:
        with self._lock:
            self._tasks[task.task_id] = task
        return task

    def remove(self, *task_ids: str) -> None:
        """Forget tasks (the server then answers 90016 for them, as for expired reports)."""
        with self._lock:
            for task_id in task_ids:
                self._tasks.pop(task_id, None)

    # --- reading ---
    def get(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[Task]:
        with self._lock:
            return iter(list(self._tasks.values()))

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._tasks)

    def unknown(self, task_ids: Iterable[str]) -> list[str]:
        tasks = self._tasks
        return [t for t in task_ids if t not in tasks]

    def fragments(self, task_ids: Iterable[str], now: float) -> list[str] | None:
        """JSON fragments for every ID, or None when any ID is unknown (the whole request fails with 90016)."""
        tasks = self._tasks
        out = []
        for task_id in task_ids:
            task = tasks.get(task_id)
            if task is None:
                return None
            out.append(task.fragment(now))
        return out

    def report(self, task_id: str, now: float) -> dict[str, Any]:
        return self._tasks[task_id].report(now)

    # --- constructors ---
    @classmethod
    def from_ids(cls, task_ids: Iterable[str], *, now: float | None = None, seed: int = 0) -> Campaign:
        """Serve exactly these IDs, with a random mix of states (reproducible from `seed`)."""
        rng = random.Random(seed)
        base = time.time() if now is None else now
        return cls(_random_task(task_id, rng, base) for task_id in dict.fromkeys(task_ids))

    @classmethod
    def generate(cls, n: int, *, seed: int = 0, now: float | None = None) -> Campaign:
        """`n` tasks with IDs in the documented three-number form and a random mix of states."""
        return cls.from_ids(generated_ids(n, seed), now=now, seed=seed)

    @classmethod
    def demo(cls, now: float | None = None) -> Campaign:
        """A small campaign that shows every state at once and keeps changing for a few minutes:
        pending (starting soon, later, never), pushing at different speeds (one about to end incomplete),
        complete, and incomplete (Status 2 with Finished < Total)."""
        t = time.time() if now is None else now
        prefix = "144115197002484901_20160530"
        specs: list[tuple[str, int, float | None, float, int | None]] = [
            # suffix, total, start offset (s from now; None = never), users/s, stop_at
            ("01_2016053001", 900, -3600, 50, None),  # complete long ago
            ("01_2016053002", 120_000, -1800, 400, None),  # complete
            ("01_2016053003", 50_000, -1200, 300, 47_312),  # incomplete
            ("01_2016053004", 8_000, -900, 20, 6_250),  # incomplete
            ("02_2016053005", 2_000_000, -300, 4_000, None),  # pushing fast
            ("02_2016053006", 300_000, -120, 600, None),  # pushing
            ("02_2016053007", 60_000, -600, 15, None),  # pushing slowly
            ("02_2016053008", 25_000, -40, 500, 23_900),  # ends incomplete within a minute
            ("02_2016053009", 9_000, -10, 150, None),  # finishes within a minute
            ("02_2016053010", 1_000_000, -5, 9_000, None),  # just started, very fast
            ("03_2016053011", 40_000, 15, 800, None),  # pending, starts soon
            ("03_2016053012", 500_000, 90, 2_500, 480_000),  # pending, will end incomplete
            ("03_2016053013", 10_000, 600, 100, None),  # pending for a while
            ("03_2016053014", 5_000, None, 100, None),  # never starts
        ]
        return cls(
            Task(f"{prefix}{suffix}", total, None if off is None else t + off, rate, stop)
            for suffix, total, off, rate, stop in specs
        )


def generated_ids(n: int, seed: int = 0) -> list[str]:
    if n < 0:
        raise ValueError("n must be >= 0")
    account = 144115197002484901 + seed
    return [f"{account}_{2024060100 + i // 1000}_{2024060100000 + i}" for i in range(n)]


def _random_task(task_id: str, rng: random.Random, now: float) -> Task:
    """15% pending, 50% pushing, 27% complete, 8% incomplete."""
    roll = rng.random()
    total = int(10 ** rng.uniform(2, 6.5))
    rate = 10 ** rng.uniform(0.5, 3.7)
    stop: int | None = None
    if roll < 0.15:
        start: float | None = now + rng.uniform(5, 900)
    elif roll < 0.65:
        start = now - rng.uniform(0, total / rate * 0.95)
    else:
        if roll >= 0.92:
            stop = int(total * rng.uniform(0.5, 0.995))
        target = total if stop is None else stop
        start = now - target / rate - rng.uniform(1, 3600)
    return Task(task_id, total, start, rate, stop)
