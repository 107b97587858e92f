"""The header and summary lines and the terminal-title summary, as plain text from the app's state.

Pure functions over small inputs so they are cheap to recompute at 10 Hz and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pushwatch.engine.events import ProfileState, SweepFinished
from pushwatch.tui import format as fmt
from pushwatch.tui.table_model import Category, Summary

STATE_SYMBOLS = {
    ProfileState.STARTING: "◌ starting",
    ProfileState.LIVE: "● live",
    ProfileState.PAUSED: "‖ paused",
    ProfileState.BACKING_OFF: "◐ backing off",
    ProfileState.WAITING: "◐ waiting",
    ProfileState.STOPPED: "✘ ERROR",
}


@dataclass
class ProfileStatus:
    """What the header shows about one profile, folded from engine events."""

    name: str
    host: str
    max_rps: int
    state: ProfileState = ProfileState.STARTING
    message: str = ""
    last_sweep: SweepFinished | None = None

    def rps(self) -> float | None:
        s = self.last_sweep
        if s is None:
            return None
        # Requests over at least one second: a 0.2 s burst of 5 is not "25/s" against a per-second limit.
        return s.requests / max(1.0, s.duration)


@dataclass
class AppStatus:
    profiles: dict[str, ProfileStatus] = field(default_factory=dict)
    paused: bool = False
    engine_error: str = ""  # the engine worker itself failed

    def overall(self) -> ProfileState:
        states = [p.state for p in self.profiles.values()]
        if self.engine_error or ProfileState.STOPPED in states:
            return ProfileState.STOPPED
        if self.paused or (states and all(s is ProfileState.PAUSED for s in states)):
            return ProfileState.PAUSED
        for s in (ProfileState.WAITING, ProfileState.BACKING_OFF, ProfileState.STARTING):
            if s in states:
                return s
        return ProfileState.LIVE


def header_text(status: AppStatus, now: float) -> str:
    overall = status.overall()
    parts = ["pushwatch", STATE_SYMBOLS[overall]]
    for p in status.profiles.values():
        text = f"{p.name}@{p.host}" if len(status.profiles) > 1 or p.name != "default" else p.host
        if p.state is not overall and len(status.profiles) > 1:
            text += f" ({p.state.value})"
        s = p.last_sweep
        if s is not None:
            when = datetime.fromtimestamp(s.at).strftime("%H:%M:%S")
            rps = p.rps()
            text += f" sweep {when} {s.duration:.1f}s {rps:.0f}/{p.max_rps} req/s"
            if s.overran:
                text += " (slow)"
        else:
            text += f" limit {p.max_rps} req/s"
        parts.append(text)
    if status.engine_error:
        parts.append(status.engine_error)
    else:
        # Why polling is not live goes where the user looks first, not only into each row's error column.
        troubled = (ProfileState.STOPPED, ProfileState.WAITING, ProfileState.BACKING_OFF)
        stopped = [p for p in status.profiles.values() if p.state in troubled]
        parts.extend(f"{p.name}: {p.message}" for p in stopped if p.message)
    return "  ".join(parts)


SUMMARY_ORDER = (
    Category.INCOMPLETE,
    Category.ERROR,
    Category.INVALID,
    Category.PUSHING,
    Category.PENDING,
    Category.WAITING,
    Category.DONE,
)


def summary_text(summary: Summary, *, shown: int, filter_text: str) -> str:
    tasks = f"{summary.rows} task{'s' if summary.rows != 1 else ''}"
    # The filter goes first, so a narrow terminal never hides that rows are filtered out.
    parts = [f"filter “{filter_text}”: {shown} of {tasks}" if filter_text else tasks]
    for cat in SUMMARY_ORDER:
        n = summary.count(cat)
        if n:
            word = cat.word.upper() if cat is Category.INCOMPLETE else cat.word
            parts.append(f"{fmt.SYMBOLS[cat]} {n} {word}")
    if summary.stale:
        parts.append(f"{fmt.STALE_MARK} {summary.stale} stale")
    pct = fmt.percent(summary.finished / summary.total if summary.total else None).strip()
    parts.append(f"Finished {fmt.compact(summary.finished)}/{fmt.compact(summary.total)} {pct}")
    return "  ".join(parts)


def title_text(summary: Summary, overall: ProfileState) -> str:
    """Short enough for tmux's window list: what is going on, most urgent first."""
    bits = []
    if overall is ProfileState.STOPPED:
        bits.append("ERROR")
    elif overall is ProfileState.PAUSED:
        bits.append("paused")
    for cat in (Category.PUSHING, Category.INCOMPLETE, Category.INVALID, Category.ERROR):
        n = summary.count(cat)
        if n:
            bits.append(f"{n} {cat.word}")
    if not bits:
        pending = summary.count(Category.PENDING)
        done = summary.count(Category.DONE)
        if pending:
            bits.append(f"{pending} pending")
        if done:
            bits.append(f"{done} done")
    return "pushwatch: " + (", ".join(bits) if bits else "idle")
