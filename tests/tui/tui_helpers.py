"""Helpers for the TUI tests: a fake engine that emits events on demand, fixed clocks and a screen-to-text helper."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterable
from datetime import datetime

from rich.console import Console

from pushwatch.api.models import ErrorKind, Report, Status
from pushwatch.engine.events import Event, ProfileState, StateChanged, SweepFinished, TaskFailed, TaskInvalid, TaskReported
from pushwatch.engine.profile import Profile
from pushwatch.store.watchlist import WatchEntry
from pushwatch.tui.app import PushwatchApp, build_app

T0 = 1_700_000_000.0


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class FakeMonitor:
    """Stands in for the engine: records the calls and lets a test emit events as if a sweep happened."""

    def __init__(self, tasks: Callable[[], Iterable[tuple[str, str]]], on_event: Callable[[Event], None]) -> None:
        self.tasks = tasks
        self.on_event = on_event
        self.calls: list[str] = []
        self.fail_with: BaseException | None = None
        self._stop = asyncio.Event()

    async def run(self) -> None:
        self.calls.append("run")
        if self.fail_with is not None:
            raise self.fail_with
        await self._stop.wait()

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def refresh_now(self) -> None:
        self.calls.append("refresh_now")

    def poll_soon(self) -> None:
        self.calls.append("poll_soon")

    def stop(self) -> None:
        self.calls.append("stop")
        self._stop.set()

    async def aclose(self) -> None:
        self.calls.append("aclose")

    # helpers for tests
    def report(self, task_id: str, status: int, finished: int | None = None, total: int | None = None,
               *, at: float = T0, profile: str = "default") -> None:
        start = datetime(2023, 11, 15, 6, 0, 0) if status else None
        self.on_event(TaskReported(profile, Report(task_id, Status(status), start, finished, total), at))

    def fail(self, task_id: str, message: str = "HTTP 502 from the server", *, at: float = T0,
             profile: str = "default") -> None:
        self.on_event(TaskFailed(profile, task_id, message, ErrorKind.RETRYABLE, at))

    def invalid(self, task_id: str, *, at: float = T0, profile: str = "default") -> None:
        self.on_event(TaskInvalid(profile, task_id, at))

    def state(self, state: ProfileState, message: str = "", *, profile: str = "default", at: float = T0) -> None:
        self.on_event(StateChanged(profile, state, message, at))

    def sweep(self, *, requests: int = 2, duration: float = 0.5, profile: str = "default", at: float = T0) -> None:
        self.on_event(SweepFinished(profile, 1, 10, requests, requests, 0, duration, at))


def profile(name: str = "default") -> Profile:
    return Profile(name, 1400000123, endpoint="http://127.0.0.1:9", max_rps=20)


def make_app(ids: Iterable[str] | Iterable[WatchEntry] = (), *, clock: Clock | None = None,
             profiles: Iterable[str] = ("default",), **kw) -> PushwatchApp:
    entries = [e if isinstance(e, WatchEntry) else WatchEntry(e, "default") for e in ids]
    kw.setdefault("theme", "textual-dark")
    kw.setdefault("handle_signals", False)
    return build_app(
        FakeMonitor,
        profiles={p: profile(p) for p in profiles},
        entries=entries,
        clock=clock or Clock(),
        **kw,
    )


def screen_text(app: PushwatchApp) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)

