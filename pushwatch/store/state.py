"""Last-known state: the latest report and short history per task, so a restart shows data at once.

Saved as JSON (fast for 100k tasks) in the data dir, throttled and atomic, merged under the lock with what
other running copies saved for *other* profiles. It is a cache: a file that cannot be read is set aside and
loading starts empty, with `problem` saying why.

Loaded states are marked stale ("not yet refreshed") until the engine reports them again.
"""

from __future__ import annotations

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
from pushwatch.store.atomic import StoreError, locked, write_atomic

FORMAT_VERSION = 1
SAVE_EVERY_S = 5.0
SAVED_HISTORY = 20  # points of history kept on disk per task (enough for a rate and a sparkline start)
NOT_REFRESHED = "last known state, not yet refreshed"

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
        self._others: dict[Key, dict[str, Any]] = {}  # other profiles' records, as last read
        self._seen: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"StateStore({str(self.path)!r})"

    def load(self) -> dict[Key, TaskState]:
        self.problem = ""
        records = self._read_records()
        out: dict[Key, TaskState] = {}
        for key, rec in records.items():
            state = _state(key, rec)
            if state is not None:
                out[key] = state
        return out

    def save(self, states: Iterable[TaskState], *, force: bool = False) -> bool:
        """Save the states (throttled to one write every few seconds unless `force`); True when written.
        Records of profiles not in `states` (another running copy's) are kept. Raises StateError."""
        now = self._clock()
        if not force and self._last_save is not None and now - self._last_save < self._every:
            return False
        mine: dict[Key, dict[str, Any]] = {}
        for s in states:
            rec = _record(s)
            if rec is not None:
                mine[(s.profile, s.task_id)] = rec
        profiles = {p for p, _ in mine}
        try:
            with locked(self.path):
                if self._stat() != self._seen or self._seen is None:
                    self._others = self._read_records()
                kept = {k: r for k, r in self._others.items() if k[0] not in profiles}
                doc = {"version": FORMAT_VERSION, "saved_at": now, "tasks": [
                    {"profile": p, "task_id": t, **r} for (p, t), r in {**kept, **mine}.items()
                ]}
                write_atomic(self.path, json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode())
                self._seen = self._stat()
                self._others = kept | mine
        except StoreError as exc:
            raise StateError(str(exc)) from None
        self._last_save = now
        return True

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _read_records(self) -> dict[Key, dict[str, Any]]:
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
            records = {}
            for rec in doc["tasks"]:
                records[(str(rec["profile"]), str(rec["task_id"]))] = rec
            return records
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


def _record(s: TaskState) -> dict[str, Any] | None:
    if s.report is None and not s.invalid:
        return None
    rec: dict[str, Any] = {}
    if s.report is not None:
        rec["report"] = s.report.to_api()
        rec["reported_at"] = s.reported_at
    if s.invalid:
        rec["invalid"] = True
    if s.label:
        rec["label"] = s.label
    if s.history:
        rec["history"] = list(s.history)[-SAVED_HISTORY:]
    return rec


def _state(key: Key, rec: dict[str, Any]) -> TaskState | None:
    """A TaskState from a saved record; None for a record this version cannot use."""
    try:
        profile, task_id = key
        state = TaskState(task_id=task_id, profile=profile, label=str(rec.get("label", "")))
        raw = rec.get("report")
        if raw is not None:
            state.report = _report(raw)
            at = rec.get("reported_at")
            state.reported_at = float(at) if isinstance(at, (int, float)) else None
            # Stale until the engine answers again: the user sees data at once, marked as not refreshed.
            state.error = NOT_REFRESHED
            state.error_at = state.reported_at if state.reported_at is not None else 0.0
            if state.reported_at is None:
                state.reported_at = 0.0
        state.invalid = bool(rec.get("invalid", False))
        state.history = deque(
            ((float(t), int(f)) for t, f in rec.get("history", [])), maxlen=HISTORY_LEN
        )
        return state
    except (ValueError, TypeError, KeyError):
        return None


def _report(raw: dict[str, Any]) -> Report:
    start = raw.get("StartTime")
    finished, total = raw.get("Finished"), raw.get("Total")
    return Report(
        task_id=str(raw["TaskId"]),
        status=Status(int(raw["Status"])),
        start_time=datetime.fromisoformat(start) if isinstance(start, str) and start else None,
        finished=int(finished) if finished is not None else None,
        total=int(total) if total is not None else None,
    )
