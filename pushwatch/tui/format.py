"""How values read on screen: compact numbers, durations, ages, progress bars, status words with symbols.

Pure functions, so the table widget, the details screen and the summary line agree, and tests need no terminal.
Colour is never the only signal: every status has a symbol and a word.
"""

from __future__ import annotations

from datetime import datetime

from pushwatch.engine.events import TaskState
from pushwatch.tui.table_model import Category, category

STALE_MARK = "⚠"
SYMBOLS = {
    Category.INCOMPLETE: "✘",
    Category.ERROR: "⚠",
    Category.INVALID: "⊘",
    Category.PUSHING: "▶",
    Category.PENDING: "○",
    Category.WAITING: "…",
    Category.DONE: "✔",
}
ROW_MARKERS = {Category.INCOMPLETE: "!", Category.ERROR: "⚠", Category.INVALID: "?"}


def compact(n: int | float | None) -> str:
    """1234 -> '1.2k', 12345 -> '12k': at most four characters and a unit, so a status cell such as
    'INCOMPLETE -85k' fits its column; exact numbers are in the Finished and Total columns."""
    if n is None:
        return "–"
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 1000:
        return f"{sign}{n:.0f}" if isinstance(n, float) else f"{sign}{n}"
    for unit, size in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        if n < size * 1000 or unit == "G":
            value = n / size
            text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
            return f"{sign}{text}{unit}"
    return f"{sign}{n}"  # pragma: no cover


def grouped(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def duration(seconds: float | None) -> str:
    """A human duration in at most two units: 45s, 12m30s, 3h05m, 2d04h."""
    if seconds is None:
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def age(seconds: float | None) -> str:
    """Coarse ages (one unit, 5 s steps under a minute) so a row's age changes rarely: 0s, 5s, 12m, 3h, 2d."""
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 60:
        return f"{s - s % 5}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def age_cell(state: TaskState, now: float) -> str:
    text = age(state.age(now))
    return f"{STALE_MARK}{text}" if state.stale else text


def rate(value: float | None) -> str:
    return "–" if value is None else f"{compact(value)}/s"


def start_time(value: datetime | None, *, short: bool = True) -> str:
    if value is None:
        return "–"
    return value.strftime("%m-%d %H:%M") if short else value.strftime("%Y-%m-%d %H:%M:%S")


def percent(fraction: float | None) -> str:
    if fraction is None:
        return "  –"
    pct = fraction * 100
    # Never show 100% before it is: 99.96% reads as 99%.
    return f"{int(pct):>3d}%"


BAR_FULL, BAR_PARTIAL, BAR_EMPTY = "█", " ▏▎▍▌▋▊▉", "·"


def bar(fraction: float | None, width: int) -> tuple[str, str]:
    """The filled and empty parts of a progress bar, drawn with eighth blocks; readable without colour."""
    if width <= 0:
        return "", ""
    if fraction is None:
        return "", BAR_EMPTY * width
    eighths = int(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    filled = BAR_FULL * full + (BAR_PARTIAL[part] if part and full < width else "")
    return filled, BAR_EMPTY * (width - len(filled))


def status_cell(state: TaskState) -> str:
    cat = category(state)
    word = cat.word
    if cat is Category.INCOMPLETE and state.report is not None:
        return f"{SYMBOLS[cat]} INCOMPLETE -{compact(state.report.shortfall)}"
    return f"{SYMBOLS[cat]} {word}"


def row_marker(state: TaskState) -> str:
    cat = category(state)
    if cat in ROW_MARKERS:
        return ROW_MARKERS[cat]
    return STALE_MARK if state.stale else " "


def eta(state: TaskState) -> str:
    value = state.eta()
    return "–" if value is None else duration(value)
