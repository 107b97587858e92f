"""Last-known state: the latest report and short history per task, so a restart shows data at once.

Saved as JSON (fast for 100k tasks) in the data dir, throttled and atomic, merged under the lock with what
other running copies saved for *other* profiles. It is a cache: a file that cannot be read is set aside and
loading starts empty, with `problem` saying why.

Loaded states are marked stale ("not yet refreshed") until the engine reports them again.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pushwatch import paths
from pushwatch.api.models import Report, Status
from pushwatch.engine.events import HISTORY_LEN, TaskState
from pushwatch.errors import UserError
from pushwatch.store import no_gc as _no_gc
from pushwatch.store.atomic import StoreError, file_identity, locked, write_atomic

FORMAT_VERSION = 1
SAVE_EVERY_S = 5.0
SAVE_SHARE = 10.0  # wait at least this many times the last save's duration before the next one
SAVED_HISTORY = 20  # points of history kept on disk per task (enough for a rate and a sparkline start)
NOT_REFRESHED = "last known state, not yet refreshed"
COLUMNS = ["profile", "task_id", "reported_at", "Status", "StartTime", "Finished", "Total", "invalid", "label", "history"]
_STATUSES = {int(s): s for s in Status}

Key = tuple[str, str]  # (profile, task_id)


class StateError(UserError):
    """The state file could not be saved; the message says which file and why."""


class StateStore:
    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        every: float = SAVE_EVERY_S,
    ) -> None:
        self.path = Path(path) if path is not None else paths.state_file()
        self.problem = ""  # why the last load found nothing usable, for the front end to show
        self._clock = clock
        self._every = every
        self._last_save: float | None = None
        self._gap = every
        self._others: dict[Key, list[Any]] = {}  # other profiles' records, as last read
        self._seen: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"StateStore({str(self.path)!r})"

    def load(self) -> dict[Key, TaskState]:
        self.problem = ""
        with _no_gc():
            rows = self._read_rows()
            out: dict[Key, TaskState] = {}
            for key, row in rows.items():
                state = _state(row)
                if state is not None:
                    out[key] = state
        return out

    def due(self) -> bool:
        """Whether a throttled save would write now (cheap; lets a caller skip preparing one)."""
        return self._last_save is None or self._clock() - self._last_save >= self._gap

    def save(self, states: Iterable[TaskState], *, force: bool = False) -> bool:
        """Save the states (throttled to one write every few seconds unless `force`); True when written.
        Records of profiles not in `states` (another running copy's) are kept. Raises StateError."""
        now = self._clock()
        if not force and not self.due():
            return False
        began = time.perf_counter()
        mine: dict[Key, list[Any]] = {}
        for s in states:
            row = _row(s)
            if row is not None:
                mine[(s.profile, s.task_id)] = row
        profiles = {p for p, _ in mine}
        try:
            with locked(self.path), _no_gc():
                if self._stat() != self._seen or self._seen is None:
                    self._others = self._read_rows()
                kept = {k: r for k, r in self._others.items() if k[0] not in profiles}
                merged = kept | mine
                write_atomic(self.path, _encode(now, merged.values()))
                self._seen = self._stat()
                self._others = merged
        except StoreError as exc:
            raise StateError(str(exc)) from None
        self._last_save = now
        # Never spend more than ~10% of the time saving: a 100k-task save takes ~1 s, so it then waits 10 s.
        self._gap = max(self._every, SAVE_SHARE * (time.perf_counter() - began))
        return True

    def _stat(self) -> tuple[int, int, int] | None:
        return file_identity(self.path)

    def _read_rows(self) -> dict[Key, list[Any]]:
        seen = self._stat()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            self._seen = None
            return {}
        except OSError as exc:
            self.problem = f"cannot read {self.path}: {exc.strerror or exc}"
            return {}
        self._seen = seen
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
                raise ValueError("unknown layout")
            if doc.get("columns") != COLUMNS:
                raise ValueError("unknown columns")
            rows = {}
            for row in doc["tasks"]:
                if isinstance(row, list) and len(row) == len(COLUMNS):
                    rows[(str(row[0]), str(row[1]))] = row
            return rows
        except (ValueError, KeyError, TypeError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            try:
                os.replace(self.path, aside)
                where = f"moved to {aside}"
            except OSError:
                where = "left in place"
            self.problem = f"last-known state {self.path} was unreadable ({exc}); {where}; starting without it"
            self._seen = None
            return {}


def _encode(saved_at: float, rows: Iterable[list[Any]]) -> bytes:
    """The state document, encoded row by row: one `json.dumps` of 10,000 rows holds the GIL for ~0.1 s in a
    single C call, which would freeze the monitor's screen even from a background thread; many small calls
    let the event loop's thread in between. Same JSON as dumping the whole document at once."""
    dumps = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)
    head = dumps({"version": FORMAT_VERSION, "saved_at": saved_at, "columns": COLUMNS})
    return (head[:-1] + ',"tasks":[' + ",".join(map(dumps, rows)) + "]}").encode()


def _row(s: TaskState) -> list[Any] | None:
    """One task as a compact row (see COLUMNS); None when nothing is known worth keeping."""
    r = s.report
    if r is None and not s.invalid:
        return None
    flat: list[float] = []
    for t, f in list(s.history)[-SAVED_HISTORY:]:
        flat += (t, f)
    return [
        s.profile,
        s.task_id,
        s.reported_at if r is not None else None,
        int(r.status) if r is not None else None,
        r.start_time.isoformat(" ") if r is not None and r.start_time is not None else None,
        r.finished if r is not None else None,
        r.total if r is not None else None,
        1 if s.invalid else 0,
        s.label,
        flat,
    ]


def _state(row: list[Any]) -> TaskState | None:
    """A TaskState from a saved row, marked stale; None for a row this version cannot use."""
    try:
        profile, task_id, reported_at, status, start, finished, total, invalid, label, flat = row
        state = TaskState(task_id=str(task_id), profile=str(profile), label=str(label or ""))
        if status is not None:
            state.report = Report(
                state.task_id,
                _STATUSES[status],
                datetime.fromisoformat(start) if start else None,
                None if finished is None else int(finished),
                None if total is None else int(total),
            )
            # Stale until the engine answers again: the user sees data at once, marked as not refreshed.
            state.reported_at = float(reported_at) if reported_at is not None else 0.0
            state.error, state.error_at = NOT_REFRESHED, state.reported_at
        state.invalid = bool(invalid)
        if flat:
            state.history = deque(zip(map(float, flat[0::2]), map(int, flat[1::2])), maxlen=HISTORY_LEN)
        return state
    except (ValueError, TypeError, KeyError):
        return None
