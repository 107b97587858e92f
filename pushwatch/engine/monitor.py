"""Several profiles at once: one `Poller` per profile (each its own credentials and rate limit), and the
per-task state folded from their events for front ends to read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from pushwatch.api.client import ReportClient, ReportSource
from pushwatch.engine.events import Event, TaskFailed, TaskInvalid, TaskReported, TaskState
from pushwatch.engine.poller import Poller, concurrency_for
from pushwatch.engine.profile import Profile


def make_source(profile: Profile) -> ReportClient:
    """The HTTP client for a profile, with enough connections for its request concurrency."""
    return ReportClient(
        profile.endpoints,
        profile.signer(),
        ca_bundle=profile.ca_bundle,
        max_connections=concurrency_for(profile.max_rps),
    )


class Monitor:
    def __init__(
        self,
        profiles: dict[str, Profile],
        tasks: Callable[[], Iterable[tuple[str, str]]],
        on_event: Callable[[Event], None] | None = None,
        *,
        source_factory: Callable[[Profile], ReportSource] = make_source,
        clock: Callable[[], float] = time.time,
        poller_options: dict[str, object] | None = None,
        fold_states: bool = True,
    ) -> None:
        """`fold_states=False` skips keeping `states` for a front end that folds events itself (the TUI's
        table model), which saves one fold per report on the hot path."""
        self._tasks = tasks
        self._on_event = on_event
        self._fold_states = fold_states
        self.states: dict[tuple[str, str], TaskState] = {}
        self.pollers: dict[str, Poller] = {}
        options = dict(poller_options or {})
        for name, profile in profiles.items():
            self.pollers[name] = Poller(
                profile,
                source_factory(profile),
                self._tasks_of(name),
                self._handle,
                clock=clock,
                **options,  # type: ignore[arg-type]
            )

    def _tasks_of(self, name: str) -> Callable[[], list[str]]:
        def tasks() -> list[str]:
            ids = list(dict.fromkeys(tid for profile, tid in self._tasks() if profile == name))
            if self._fold_states:
                self._sync_states(name, ids)
            return ids

        return tasks

    def _sync_states(self, name: str, ids: list[str]) -> None:
        """Keep `states` equal to the watched tasks of this profile: add new ones, drop removed ones."""
        states = self.states
        wanted = set(ids)
        for key in [k for k in states if k[0] == name and k[1] not in wanted]:
            del states[key]
        for tid in ids:
            if (name, tid) not in states:
                states[(name, tid)] = TaskState(tid, name)

    def _handle(self, event: Event) -> None:
        if self._fold_states:
            self._fold(event)
        if self._on_event is not None:
            self._on_event(event)  # the poller shields itself from a consumer's exception

    def _fold(self, event: Event) -> None:
        if isinstance(event, TaskReported):
            key = (event.profile, event.report.task_id)
        elif isinstance(event, (TaskFailed, TaskInvalid)):
            key = (event.profile, event.task_id)
        else:
            return
        state = self.states.get(key)
        if state is None:
            state = self.states[key] = TaskState(key[1], key[0])
        state.apply(event)

    async def run(self) -> None:
        """Run every profile's poller until all have stopped (by `stop()` or their own fatal error)."""
        if self.pollers:
            await asyncio.gather(*(p.run() for p in self.pollers.values()))

    def pause(self) -> None:
        for p in self.pollers.values():
            p.pause()

    def resume(self) -> None:
        for p in self.pollers.values():
            p.resume()

    def refresh_now(self) -> None:
        for p in self.pollers.values():
            p.refresh_now()

    def poll_soon(self) -> None:
        for p in self.pollers.values():
            p.poll_soon()

    def stop(self) -> None:
        for p in self.pollers.values():
            p.stop()

    async def aclose(self) -> None:
        self.stop()
        for p in self.pollers.values():
            await p.source.aclose()
