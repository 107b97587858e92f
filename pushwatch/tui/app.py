"""The live monitor: header, summary, a virtual task table and a footer, fed by the engine's events.

The engine runs in a Textual worker that cannot end the app (`exit_on_error=False`); its events are folded
into the UI's own `TableModel` in the event loop and a 10 Hz frame timer repaints only what changed on screen.
Every failure becomes a toast plus the header's state, never a traceback. Build it with `build_app`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from pushwatch.engine.events import (
    Event,
    ProfileState,
    StateChanged,
    SweepFinished,
    TaskFailed,
    TaskInvalid,
    TaskReported,
    TaskState,
)
from pushwatch.engine.profile import Profile
from pushwatch.store.watchlist import WatchEntry
from pushwatch.tui import status as st
from pushwatch.tui.screens.details import DetailsScreen
from pushwatch.tui.screens.dialogs import AddDialog, AddRequest, ConfirmDialog, LabelDialog
from pushwatch.tui.screens.help import HelpScreen
from pushwatch.tui.table_model import Finish, Key, TableModel
from pushwatch.tui.widgets.task_table import TaskTable

FRAME_S = 0.1  # coalesce repaints to about 10 per second
SLOW_TICK_S = 1.0  # watchlist change check, state save (the store throttles), header clock
NOTIFY_EACH = 3  # up to this many finishes in one frame get a toast each; more get one summary toast

TasksFn = Callable[[], Iterable[tuple[str, str]]]


class MonitorLike(Protocol):
    """What the app needs of the engine (`pushwatch.engine.monitor.Monitor` is one)."""

    async def run(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def refresh_now(self) -> None: ...
    def poll_soon(self) -> None: ...
    def stop(self) -> None: ...
    async def aclose(self) -> None: ...


MonitorFactory = Callable[[TasksFn, Callable[[Event], None]], MonitorLike]


class WatchlistLike(Protocol):
    entries: list[WatchEntry]

    def load(self) -> list[WatchEntry]: ...
    def changed(self) -> bool: ...
    def add(self, ids: Iterable[str], *, profile: str, label: str = "") -> int: ...
    def remove(self, ids: Iterable[str], *, profile: str | None = None) -> int: ...
    def set_label(self, task_id: str, label: str, *, profile: str | None = None) -> bool: ...


class StateStoreLike(Protocol):
    def load(self) -> dict[tuple[str, str], TaskState]: ...
    def save(self, states: Iterable[TaskState], *, force: bool = False) -> bool: ...
    def due(self) -> bool: ...


class MemoryWatchlist:
    """A watchlist that lives only in memory (tests, or when no store is given)."""

    def __init__(self, entries: Iterable[WatchEntry] = (), clock: Callable[[], float] = time.time) -> None:
        self.entries = list(entries)
        self._clock = clock

    def load(self) -> list[WatchEntry]:
        return list(self.entries)

    def changed(self) -> bool:
        return False

    def add(self, ids: Iterable[str], *, profile: str, label: str = "") -> int:
        have = {(e.profile, e.task_id) for e in self.entries}
        new = [WatchEntry(i, profile, label, self._clock()) for i in dict.fromkeys(ids) if (profile, i) not in have]
        self.entries.extend(new)
        return len(new)

    def remove(self, ids: Iterable[str], *, profile: str | None = None) -> int:
        gone = set(ids)
        keep = [e for e in self.entries if not (e.task_id in gone and profile in (None, e.profile))]
        n = len(self.entries) - len(keep)
        self.entries = keep
        return n

    def set_label(self, task_id: str, label: str, *, profile: str | None = None) -> bool:
        hit = False
        for i, e in enumerate(self.entries):
            if e.task_id == task_id and profile in (None, e.profile):
                self.entries[i] = WatchEntry(e.task_id, e.profile, label, e.added_at)
                hit = True
        return hit


def pick_theme(env: Mapping[str, str], color_system: str | None) -> str:
    """The ANSI theme (the terminal's own 16 colours) for 16-colour terminals and NO_COLOR, else the default.

    PUSHWATCH_THEME names any Textual theme explicitly.
    """
    explicit = env.get("PUSHWATCH_THEME", "").strip()
    if explicit:
        return explicit
    if "NO_COLOR" in env or color_system in (None, "standard", "windows"):
        return "ansi-dark"
    return "textual-dark"


class PushwatchApp(App[int]):
    CSS_PATH = "pushwatch.tcss"
    TITLE = "pushwatch"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("a", "add", "Add", id="add", tooltip="Add task IDs (paste many) with a label"),
        Binding("d", "remove", "Del", id="remove", tooltip="Remove the selected task from the watchlist"),
        Binding("l", "label", "Tag", id="label", tooltip="Set or clear the selected task's label"),
        Binding("slash", "filter", "Find", key_display="/", id="filter", tooltip="Filter by ID, label or status"),
        Binding("s", "sort", "Sort", id="sort", tooltip="Sort by the next column"),
        Binding("S", "sort_direction", "Rev", key_display="S", id="sort_direction", tooltip="Reverse the sort"),
        Binding("p", "pause", "Pause", id="pause", tooltip="Pause or resume polling"),
        Binding("r", "refresh", "Poll", id="refresh", tooltip="Refresh every task now, finished ones included"),
        Binding("enter", "details", "Info", id="details", tooltip="Details: history, StartTime, raw report, errors"),
        Binding("c", "copy_id", "Copy", id="copy", tooltip="Copy the task ID to the clipboard (OSC 52)"),
        Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="Show every key"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Save the state and quit"),
    ]

    def __init__(
        self,
        monitor_factory: MonitorFactory,
        *,
        profiles: Mapping[str, Profile],
        watchlist: WatchlistLike | None = None,
        state_store: StateStoreLike | None = None,
        entries: Iterable[WatchEntry] = (),
        default_profile: str | None = None,
        clock: Callable[[], float] = time.time,
        theme: str | None = None,
        handle_signals: bool = True,
        startup_warnings: Iterable[str] = (),
        tune_gc: bool = False,
    ) -> None:
        super().__init__()
        self.profiles = dict(profiles)
        self.default_profile = default_profile or next(iter(self.profiles), "default")
        self.watchlist: WatchlistLike = watchlist if watchlist is not None else MemoryWatchlist(entries, clock)
        self.state_store = state_store
        self._saving = False  # a periodic state save is running in a thread
        self._lines: dict[str, str] = {}  # what the header and summary bars show now
        self.clock = clock
        self._theme_choice = theme
        self._handle_signals = handle_signals
        self._startup_warnings = list(startup_warnings)
        self._tune_gc = tune_gc
        self.model = TableModel(clock=clock)
        self.status = st.AppStatus(
            {n: st.ProfileStatus(n, _host(p), p.max_rps) for n, p in self.profiles.items()}
        )
        self._task_pairs: list[tuple[str, str]] = []
        self._saved: dict[Key, TaskState] = {}
        self._finishes: list[Finish] = []
        self._dirty = True
        self._terminal_title = ""
        self._thread_id = threading.get_ident()
        self._errors_shown: set[tuple[str, str]] = set()
        self._shutting_down = False
        self.monitor: MonitorLike = monitor_factory(self.watched_tasks, self.on_engine_event)
        self.table = TaskTable(self.model, clock=clock, multi_profile=len(self.profiles) > 1, id="tasks")

    # ---- layout -----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        yield Static(id="summary", markup=False)
        yield self.table
        yield Input(placeholder="filter: ID, label or status words (enter keeps it, empty clears)", id="filter")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.theme = self._theme_choice or pick_theme(os.environ, self.console.color_system)
        self._load_initial()
        if self._tune_gc:
            tune_gc_for_latency()
        self.table.focus()
        self.set_interval(FRAME_S, self._frame, name="frame")
        self.set_interval(SLOW_TICK_S, self._slow_tick, name="slow")
        if self._handle_signals:
            self._install_signal_handlers()
        for warning in self._startup_warnings:
            self.notify(warning, title="Configuration", severity="warning", timeout=15)
        self._frame()
        self._run_engine()

    def _load_initial(self) -> None:
        if self.state_store is not None:
            try:
                self._saved = dict(self.state_store.load())
            except Exception as exc:  # a corrupt state file only costs the last-known values
                self._show_error("Saved state", exc)
            problem = getattr(self.state_store, "problem", "")
            if problem:
                self.notify(problem, title="Saved state", severity="warning", timeout=15)
        try:
            entries = self.watchlist.load()
        except Exception as exc:
            self._show_error("Watchlist", exc)
            entries = list(getattr(self.watchlist, "entries", []))
        self._sync_entries(entries)

    # ---- the engine -------------------------------------------------------------------------------------
    def watched_tasks(self) -> list[tuple[str, str]]:
        """The (profile, task_id) pairs the engine sweeps; read at the start of every sweep."""
        return self._task_pairs

    @work(exit_on_error=False, group="engine", name="engine")
    async def _run_engine(self) -> None:
        await self.monitor.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "engine":
            return
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            message = f"polling stopped: {_one_line(error)}"
            self.status.engine_error = message
            self._dirty = True
            self.bell()
            self.notify(message, title="Engine error", severity="error", timeout=30)
        elif event.state is WorkerState.SUCCESS and not self._shutting_down and self.profiles:
            if self.status.overall() is not ProfileState.STOPPED:
                self.status.engine_error = "polling ended"
                self._dirty = True

    def on_engine_event(self, event: Event) -> None:
        """The engine's callback: fold the event into the model (in the event loop's thread)."""
        if threading.get_ident() != self._thread_id:
            self.call_from_thread(self.on_engine_event, event)
            return
        try:
            self._fold(event)
        except Exception as exc:  # a bad event must not stop the others
            self._show_error("Display", exc)

    def _fold(self, event: Event) -> None:
        if isinstance(event, (TaskReported, TaskFailed, TaskInvalid)):
            finish = self.model.apply(event)
            if finish is not None:
                self._finishes.append(finish)
            self._dirty = True
            return
        p = self.status.profiles.get(event.profile)
        if p is None:
            return
        if isinstance(event, SweepFinished):
            p.last_sweep = event
        elif isinstance(event, StateChanged):
            before = p.state
            p.state, p.message = event.state, event.message
            if event.state is ProfileState.STOPPED and before is not ProfileState.STOPPED:
                self.bell()
                self.notify(
                    event.message or "polling stopped", title=f"Profile {event.profile} stopped", severity="error",
                    timeout=60,
                )
            elif event.state is ProfileState.WAITING and before is not ProfileState.WAITING:
                self.notify(event.message or "waiting", title=f"Profile {event.profile}", severity="warning")
        self._dirty = True

    # ---- frames -----------------------------------------------------------------------------------------
    def _frame(self) -> None:
        try:
            self.table.tick()
            if self._finishes:
                finishes, self._finishes = self._finishes, []
                self._notify_finishes(finishes)
            if self._dirty:
                self._dirty = False
                self._update_lines()
        except Exception as exc:  # a timer callback that raises would end the app
            self._show_error("Display", exc)

    def _slow_tick(self) -> None:
        try:
            if self.watchlist.changed():
                self._sync_entries(self.watchlist.load())
        except Exception as exc:
            self._show_error("Watchlist", exc)
        try:
            self._save_state(force=False)
        except Exception as exc:  # a timer callback that raises would end the app
            self._show_error("Saving state", exc)
        self._update_lines()

    def _update_lines(self) -> None:
        summary = self.model.summary()
        overall = self.status.overall()
        self._set_line("#header", st.header_text(self.status, self.clock()))
        self._set_line("#summary", st.summary_text(summary, shown=len(self.model), filter_text=self.model.filter_text))
        self.set_class(overall is ProfileState.STOPPED, "-error")
        self.set_class(overall is ProfileState.PAUSED, "-paused")
        title = st.title_text(summary, overall)
        if title != self._terminal_title:
            self._terminal_title = title
            self.title = title
            self.sub_title = ", ".join(f"{p.name}@{p.host}" for p in self.status.profiles.values())
            self._write_terminal(f"\x1b]2;{_printable(title)}\x07")

    def _set_line(self, selector: str, text: str) -> None:
        """Repaint a one-line bar only when its text changed, and without a layout pass (fixed height):
        an idle monitor then writes almost nothing to the terminal."""
        if self._lines.get(selector) != text:
            self._lines[selector] = text
            self.query_one(selector, Static).update(text, layout=False)

    def _write_terminal(self, text: str) -> None:
        if not self.is_headless and self._driver is not None:
            self._driver.write(text)

    @property
    def terminal_title(self) -> str:
        return self._terminal_title

    def _notify_finishes(self, finishes: list[Finish]) -> None:
        incomplete = [f for f in finishes if f.incomplete]
        self.bell()
        if len(finishes) <= NOTIFY_EACH:
            for f in finishes:
                name = f"{f.label} ({f.key[1]})" if f.label else f.key[1]
                if f.incomplete:
                    self.notify(
                        f"{name} ended INCOMPLETE: {f.shortfall:,} users not reached",
                        title="Push incomplete", severity="error", timeout=30,
                    )
                else:
                    self.notify(f"{name} finished", title="Push finished")
            return
        text = f"{len(finishes)} tasks finished"
        if incomplete:
            text += f", {len(incomplete)} INCOMPLETE"
        self.notify(text, title="Pushes finished", severity="error" if incomplete else "information",
                    timeout=30 if incomplete else 5)

    # ---- watchlist --------------------------------------------------------------------------------------
    def _sync_entries(self, entries: list[WatchEntry]) -> None:
        """Make the table's rows equal to the watchlist's entries (new rows start from saved state)."""
        wanted = {(e.profile, e.task_id): e for e in entries}
        for key in [k for k in self.model.keys() if k not in wanted]:
            self.model.remove(key)
        for key, e in wanted.items():
            have = self.model.state(key)
            if have is None:
                state = self._saved.pop(key, None) or TaskState(e.task_id, e.profile)
                state.label = e.label
                self.model.add(state)
                self.table.note_widths(state)
            elif have.label != e.label:
                self.model.set_label(key, e.label)
                self.table.note_widths(have)
        self._task_pairs = [k for k in wanted if k[0] in self.profiles]
        self._dirty = True

    def _save_state(self, force: bool) -> None:
        """Forced saves (quit, signals) run here; periodic ones in a thread, so a 10k-task save (~0.2 s)
        never stalls key presses. Only references are taken here; rows are built off the event loop."""
        store = self.state_store
        if store is None:
            return
        if force:
            try:
                store.save(list(self.model.states()), force=True)
            except Exception as exc:
                self._show_error("Saving state", exc)
            return
        if self._saving or not store.due():
            return
        states = list(self.model.states())
        self._saving = True

        def save() -> None:
            try:
                store.save(states)
            except Exception as exc:
                self.call_from_thread(self._show_error, "Saving state", exc)
            finally:
                self._saving = False

        self.run_worker(save, thread=True, group="state-save", exit_on_error=False)

    def _cursor_state(self) -> TaskState | None:
        key = self.model.cursor_key
        return self.model.state(key) if key is not None and self.model.index_of(key) is not None else None

    # ---- actions ----------------------------------------------------------------------------------------
    def action_add(self) -> None:
        def done(request: AddRequest | None) -> None:
            if request is None:
                return
            try:
                added = self.watchlist.add(request.ids, profile=request.profile, label=request.label)
                self._sync_entries(self.watchlist.entries)
                if added:
                    self.monitor.poll_soon()  # show the new tasks now, not after the interval
            except Exception as exc:
                self._show_error("Add", exc)
                return
            already = len(request.ids) - added
            text = f"Added {added} task{'s' if added != 1 else ''}"
            if already:
                text += f" ({already} already watched)"
            if added:
                text += "; polled when you resume." if self.status.paused else "; polled now."
            self.notify(text, title="Watchlist")

        self.push_screen(AddDialog(sorted(self.profiles) or [self.default_profile], self.default_profile), done)

    def action_remove(self) -> None:
        state = self._cursor_state()
        if state is None:
            self.notify("No task selected.", severity="warning")
            return
        name = f"{state.task_id} ({state.label})" if state.label else state.task_id

        def done(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.watchlist.remove([state.task_id], profile=state.profile)
                self._sync_entries(self.watchlist.entries)
            except Exception as exc:
                self._show_error("Remove", exc)
                return
            self.notify(f"Removed {name}", title="Watchlist")

        self.push_screen(ConfirmDialog(f"Remove {name} from the watchlist?"), done)

    def action_label(self) -> None:
        state = self._cursor_state()
        if state is None:
            self.notify("No task selected.", severity="warning")
            return

        def done(label: str | None) -> None:
            if label is None:
                return
            try:
                self.watchlist.set_label(state.task_id, label, profile=state.profile)
                self._sync_entries(self.watchlist.entries)
            except Exception as exc:
                self._show_error("Label", exc)

        self.push_screen(LabelDialog(state.task_id, state.label), done)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = self.model.filter_text
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.model.set_filter(event.value)
            self._after_order_change()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self._close_filter()

    def _close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = False
        self.table.focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.focused is self.query_one("#filter", Input):
            self.query_one("#filter", Input).value = ""
            self._close_filter()
            event.stop()

    def _after_order_change(self) -> None:
        self._dirty = True
        self.table.tick()
        self._update_lines()

    def action_sort(self) -> None:
        column = self.model.cycle_sort()
        self.notify(f"Sorted by {column.value}", timeout=2)
        self._after_order_change()

    def action_sort_direction(self) -> None:
        descending = self.model.toggle_direction()
        self.notify(f"Sort {'descending' if descending else 'ascending'}", timeout=2)
        self._after_order_change()

    def action_pause(self) -> None:
        try:
            if self.status.paused:
                self.monitor.resume()
                self.status.paused = False
                self.notify("Polling resumed", timeout=2)
            else:
                self.monitor.pause()
                self.status.paused = True
                self.notify("Polling paused: no requests until p", timeout=3)
        except Exception as exc:
            self._show_error("Pause", exc)
        self._dirty = True
        self._update_lines()

    def action_refresh(self) -> None:
        try:
            self.monitor.refresh_now()
        except Exception as exc:
            self._show_error("Refresh", exc)
            return
        if self.status.paused:
            self.notify("Paused: a full refresh runs as soon as you resume (p)", timeout=4)
        else:
            self.notify("Refreshing every task now, finished ones included", timeout=3)

    def action_details(self) -> None:
        key = self.model.cursor_key
        if key is None or self.model.index_of(key) is None:
            self.notify("No task selected.", severity="warning")
            return
        self.push_screen(DetailsScreen(self.model, key, self.clock))

    def action_copy_id(self) -> None:
        key = self.model.cursor_key
        if key is None:
            self.notify("No task selected.", severity="warning")
            return
        self.copy_to_clipboard(key[1])
        self.notify(f"Copied {key[1]}", title="Clipboard", timeout=3)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(list(self.BINDINGS)))

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit(0)

    async def action_help_quit(self) -> None:
        """Ctrl-C quits like q: operators press it by reflex, and Textual's default only says how to quit.
        (In the filter box the input's own ctrl+c binding comes first.)"""
        await self.action_quit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            yield SystemCommand(
                f"{b.tooltip} ({b.key_display or b.key})", f"pushwatch key {b.key_display or b.key}",
                _action_caller(self, b.action),
            )

    # ---- leaving ----------------------------------------------------------------------------------------
    async def shutdown(self) -> None:
        """Stop polling, close connections, save the state now."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self._save_state(force=True)
        try:
            self.monitor.stop()
            await asyncio.wait_for(self.monitor.aclose(), timeout=2.0)
        except Exception:
            pass  # leaving anyway; the state is saved

    async def on_unmount(self) -> None:
        self._remove_signal_handlers()
        await self.shutdown()

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        self._signals: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self.on_signal, sig)
                self._signals.append(sig)
            except (NotImplementedError, RuntimeError, ValueError, AttributeError):
                pass  # not the main thread, or no such signal on this platform

    def _remove_signal_handlers(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for sig in getattr(self, "_signals", []):
            loop.remove_signal_handler(sig)
        self._signals = []

    def on_signal(self, sig: int) -> None:
        """SIGTERM or SIGHUP (the SSH session dropped): save the state and leave cleanly."""
        self._save_state(force=True)
        self.call_later(self._exit_after_signal)

    async def _exit_after_signal(self) -> None:
        await self.shutdown()
        self.exit(0)

    # ---- errors -----------------------------------------------------------------------------------------
    def _show_error(self, what: str, exc: BaseException) -> None:
        message = _one_line(exc)
        self.log.error(f"{what}: {message}")
        if (what, message) in self._errors_shown and what == "Display":
            return  # a display bug repeating at 10 Hz: say it once
        self._errors_shown.add((what, message))
        self.notify(message, title=what, severity="error", timeout=15)


def _action_caller(app: App, action: str) -> Callable[[], object]:
    def call() -> object:
        return app.run_action(action)

    return call


def _host(profile: Profile) -> str:
    try:
        return profile.host
    except Exception:
        return "?"


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def build_app(monitor_factory: MonitorFactory, **options: Any) -> PushwatchApp:
    """The one way to build the monitor app, for the CLI, `pushwatch demo`, screenshots and tests.

    `monitor_factory(tasks, on_event)` builds the engine; `engine_factory()` makes one for real profiles.
    Options are `PushwatchApp`'s (profiles, watchlist, state_store, ...); without a `watchlist`, `entries`
    seed an in-memory one.
    """
    return PushwatchApp(monitor_factory, **options)


FULL_GC_EVERY = 1000  # young collections between two full ones (Python's default: 10)


def tune_gc_for_latency() -> None:
    """Keep the cyclic GC's full collections from freezing the screen (for the process that runs the app).

    With 10,000 watched tasks a full collection takes 90-150 ms, and with Python's defaults it ran every few
    seconds under a steady stream of reports: the largest stalls of key presses measured. The objects loaded
    at start-up are frozen (never scanned again; reference counting still frees them), and full collections
    run a hundred times less often. Young collections, which find most cyclic garbage, are unchanged.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_EVERY)


def engine_factory(profiles: Mapping[str, Profile], **monitor_options: object) -> MonitorFactory:
    """A factory for the engine's real `Monitor` over `profiles` (options go to Monitor, e.g. source_factory)."""

    def make(tasks: TasksFn, on_event: Callable[[Event], None]) -> MonitorLike:
        from pushwatch.engine.monitor import Monitor

        options = {"fold_states": False, **monitor_options}  # the table model folds the events itself
        return Monitor(dict(profiles), tasks, on_event, **options)  # type: ignore[arg-type]

    return make


CSS_FILE = Path(__file__).with_name("pushwatch.tcss")
