"""One task in full: Finished over time as a sparkline, StartTime, the raw last report and the last errors.

Reads the live `TaskState` the table also shows and refreshes itself once a second, so it stays current while
the engine keeps sweeping underneath.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from pushwatch.tui import format as fmt
from pushwatch.tui.table_model import Key, TableModel, category


class DetailsScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "close", "Back", id="details.close"),
        Binding("q", "close", "Back", id="details.back", show=False),
        Binding("escape", "close", "Back", id="details.escape", show=False),
        Binding("c", "app.copy_id", "Copy ID", id="details.copy"),
    ]

    def __init__(self, model: TableModel, key: Key, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.model = model
        self.key = key
        self.clock = clock
        self._last_version = -2

    def compose(self) -> ComposeResult:
        with Vertical(id="details"):
            yield Static(id="details-title", markup=False)
            yield Static("Finished over time", classes="details-heading")
            yield Sparkline([], id="sparkline")
            yield Static(id="details-history", markup=False)
            with VerticalScroll(id="details-body"):
                yield Static(id="details-info", markup=False)
                yield Static("Raw last report", classes="details-heading")
                yield Static(id="details-raw", markup=False)
                yield Static("Last errors", classes="details-heading")
                yield Static(id="details-errors", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.update_view()
        self.set_interval(1.0, self.update_view)

    def update_view(self) -> None:
        state = self.model.state(self.key)
        if state is None:
            self.query_one("#details-title", Static).update(f"{self.key[1]}: no longer watched")
            return
        now = self.clock()
        r = state.report
        title = f"{fmt.status_cell(state)}   {state.task_id}"
        if state.label:
            title += f"   “{state.label}”"
        self.query_one("#details-title", Static).update(title)
        version = self.model.version(self.key)
        if version != self._last_version:
            self._last_version = version
            points = [f for _, f in state.history]
            self.query_one("#sparkline", Sparkline).data = points or [0]
            if state.history:
                (t0, f0), (t1, f1) = state.history[0], state.history[-1]
                span = fmt.duration(t1 - t0)
                self.query_one("#details-history", Static).update(
                    f"{len(points)} samples over {span}: {fmt.grouped(f0)} → {fmt.grouped(f1)}"
                )
            else:
                self.query_one("#details-history", Static).update("no samples yet")
            raw = json.dumps(r.to_api(), indent=2, ensure_ascii=False) if r else "no report yet"
            self.query_one("#details-raw", Static).update(raw)
            errors = self.model.recent_errors(self.key)
            self.query_one("#details-errors", Static).update(
                "\n".join(f"{_clock_time(at)}  {msg}" for at, msg in reversed(errors)) or "none"
            )
        lines = [
            f"Profile    {state.profile}",
            f"Status     {category(state).word}" + (f" ({r.status.word}, Status {int(r.status)})" if r else ""),
            f"StartTime  {fmt.start_time(r.start_time if r else None, short=False)} (server time)",
            f"Progress   {fmt.grouped(r.finished if r else None)} / {fmt.grouped(r.total if r else None)}"
            f"  {fmt.percent(r.fraction if r else None).strip()}",
            f"Rate       {fmt.rate(state.rate())}   ETA {fmt.eta(state)}",
            f"Data age   {fmt.age_cell(state, now)}" + ("  (stale: the last refresh failed)" if state.stale else ""),
        ]
        if r is not None and r.incomplete:
            lines.append(f"INCOMPLETE: {fmt.grouped(r.shortfall)} users not reached")
        self.query_one("#details-info", Static).update("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)


def _clock_time(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")
