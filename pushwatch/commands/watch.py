"""`pushwatch watch --plain | --jsonl`: the engine without a screen, one line per change.

A line is written when a task is first seen, changes status, makes progress, fails (once, not every sweep),
recovers or is found invalid, when a profile's polling state changes (backing off, waiting, stopped, live
again) and when a sweep overruns the interval. `--jsonl` writes the same as JSON objects:
`{"time", "event", "profile", ...}` plus the report's API fields (TaskId, Status, StartTime, Finished, Total)
or a `message`. Ctrl-C or SIGTERM stop cleanly (exit 0); a closed pipe ends quietly. Exit 1 when every
profile stopped on a fatal error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from pushwatch.api.models import ApiError
from pushwatch.commands._common import add_profile_option, profile_arg
from pushwatch.config import choose_profile_name, default_profile_name, resolve_profiles
from pushwatch.engine.events import (
    Event,
    StateChanged,
    SweepFinished,
    TaskFailed,
    TaskInvalid,
    TaskReported,
)
from pushwatch.engine.monitor import Monitor
from pushwatch.errors import UserError
from pushwatch.output import jsonl_line, plain_line, progress, status_word
from pushwatch.store.state import StateError, StateStore
from pushwatch.store.watchlist import WatchEntry, Watchlist, WatchlistError

FLUSH_EVERY_S = 0.25


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "watch",
        help="no TUI: one line per change, for logs, pipes and dumb terminals",
        description="Poll the watchlist without a screen and print one line per change (status, progress, "
        "error, recovery). Stop with Ctrl-C.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--plain", action="store_true", help="human-readable lines (the default)")
    mode.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    add_profile_option(p)


class LinePrinter:
    """Turns engine events into change lines. Keeps only what it needs to tell a change from a repeat."""

    def __init__(
        self,
        out: TextIO,
        *,
        jsonl: bool,
        show_profile: bool,
        on_broken_pipe: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.jsonl = jsonl
        self.show_profile = show_profile
        self.on_broken_pipe = on_broken_pipe
        self.broken = False
        self.lines = 0
        self._clock = clock
        self._flushed = clock()
        self._failing: dict[tuple[str, str], str] = {}  # task -> the error last printed for it

    def __call__(self, event: Event) -> None:
        if self.broken:
            return
        try:
            self._handle(event)
        except BrokenPipeError:
            self.broken = True
            self.on_broken_pipe()

    def _handle(self, event: Event) -> None:
        if isinstance(event, TaskReported):
            r, prev = event.report, event.previous
            key = (event.profile, r.task_id)
            if self._failing.pop(key, None) is not None:
                kind = "recovery"
            elif prev is None:
                kind = "status"
            elif prev.status is not r.status:
                kind = "status"
            elif prev.finished != r.finished or prev.total != r.total:
                kind = "progress"
            else:
                return
            if self.jsonl:
                self._write(jsonl_line(event.at, kind, event.profile, r.to_api()))
            else:
                text = " ".join(x for x in (r.task_id, status_word(r), progress(r)) if x)
                self._write(plain_line(event.at, kind, text, self._profile(event.profile)))
        elif isinstance(event, TaskFailed):
            key = (event.profile, event.task_id)
            if self._failing.get(key) == event.message:
                return
            self._failing[key] = event.message
            fields: dict[str, Any] = {"TaskId": event.task_id, "message": event.message}
            if event.code is not None:
                fields["ErrorCode"] = event.code
            self._task_line(event.at, "error", event.profile, event.task_id, event.message, fields)
        elif isinstance(event, TaskInvalid):
            self._failing[(event.profile, event.task_id)] = "invalid"
            message = "invalid or unknown task ID (90016); no longer polled"
            fields = {"TaskId": event.task_id, "ErrorCode": 90016, "message": message}
            self._task_line(event.at, "invalid", event.profile, event.task_id, message, fields)
        elif isinstance(event, StateChanged):
            message = event.message or event.state.value
            if self.jsonl:
                self._write(jsonl_line(event.at, "state", event.profile, {"state": event.state.value, "message": message}))
            else:
                self._write(plain_line(event.at, event.state.value.split()[0], message, self._profile(event.profile)))
            self._flush()
        elif isinstance(event, SweepFinished):
            if event.overran:
                message = (
                    f"sweep {event.number} took {event.duration:.1f} s for {event.tasks} tasks "
                    f"({event.requests} requests), longer than the interval"
                )
                if self.jsonl:
                    fields = {"message": message, "duration": round(event.duration, 3), "tasks": event.tasks}
                    self._write(jsonl_line(event.at, "slow", event.profile, fields))
                else:
                    self._write(plain_line(event.at, "slow", message, self._profile(event.profile)))
            self._flush()

    def _task_line(self, at: float, kind: str, profile: str, task_id: str, message: str, fields: dict[str, Any]) -> None:
        if self.jsonl:
            self._write(jsonl_line(at, kind, profile, fields))
        else:
            self._write(plain_line(at, kind, f"{task_id} {message}", self._profile(profile)))

    def _profile(self, name: str) -> str | None:
        return name if self.show_profile else None

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.lines += 1
        now = self._clock()
        if now - self._flushed >= FLUSH_EVERY_S:
            self._flush()

    def _flush(self) -> None:
        self._flushed = self._clock()
        self.out.flush()


class WatchedTasks:
    """The watchlist as the engine sees it, re-read when another process changes the file."""

    def __init__(self, watchlist: Watchlist, entries: list[WatchEntry], profiles: set[str], warn: Callable[[str], None]):
        self.watchlist = watchlist
        self.entries = entries
        self.profiles = profiles
        self.warn = warn
        self._warned: set[str] = set()

    def __call__(self) -> list[tuple[str, str]]:
        if self.watchlist.changed():
            try:
                self.entries = self.watchlist.load()
            except WatchlistError as exc:
                self.warn(str(exc))
        out = []
        for e in self.entries:
            if e.profile in self.profiles:
                out.append((e.profile, e.task_id))
            elif e.profile not in self._warned:
                self._warned.add(e.profile)
                self.warn(f"tasks of profile {e.profile!r} were added; restart watch to poll them")
        return out


def run(args: argparse.Namespace) -> int:
    name = profile_arg(args)
    watchlist = Watchlist()
    entries = watchlist.load()
    if name:
        names = [choose_profile_name(name)]
    else:
        names = list(dict.fromkeys(e.profile for e in entries)) or [default_profile_name()]
    profiles = resolve_profiles(names, active=name)
    warn = lambda text: print(f"pushwatch: {text}", file=sys.stderr, flush=True)  # noqa: E731
    tasks = WatchedTasks(watchlist, entries, set(profiles), warn)
    if not tasks():
        warn("the watchlist is empty; waiting for `pushwatch add ID...`")
    try:
        code = asyncio.run(_watch(profiles, tasks, jsonl=bool(args.jsonl)))
    except BrokenPipeError:
        code = 0
    return code


async def _watch(profiles: dict[str, Any], tasks: WatchedTasks, *, jsonl: bool) -> int:
    holder: dict[str, Monitor] = {}

    def stop() -> None:
        if "m" in holder:
            holder["m"].stop()

    printer = LinePrinter(sys.stdout, jsonl=jsonl, show_profile=len(profiles) > 1, on_broken_pipe=stop)
    store = StateStore()
    problems: list[str] = []

    def save(force: bool = False) -> None:
        """Keep last-known state for `pushwatch list` and the next start (throttled by the store)."""
        if "m" not in holder or problems:
            return
        try:
            store.save(holder["m"].states.values(), force=force)
        except StateError as exc:
            problems.append(str(exc))
            tasks.warn(f"{exc} (last-known state will not be kept)")

    def on_event(event: Event) -> None:
        printer(event)
        if isinstance(event, SweepFinished):
            save()

    try:
        monitor = Monitor(profiles, tasks, on_event)
    except ApiError as exc:
        raise UserError(exc.message) from None
    holder["m"] = monitor
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # not on this platform / not the main thread
            pass
    try:
        await monitor.run()
    finally:
        await monitor.aclose()
        save(force=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass
    if printer.broken:
        _silence_stdout()
        return 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return 0
    fatal = [p.fatal for p in monitor.pollers.values() if p.fatal]
    if fatal and len(fatal) == len(monitor.pollers):
        for message in fatal:
            print(f"pushwatch: {message}", file=sys.stderr)
        return 1
    return 0


def _silence_stdout() -> None:
    """After the reader left, point stdout at /dev/null so the interpreter's final flush says nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
