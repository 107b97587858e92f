"""The task table: a virtual table that renders only the visible lines from a `TableModel` (Textual Line API).

Textual's DataTable re-measures and re-renders on every cell update and collapses at 10,000 live rows
(PERFORMANCE.md); here the cost of a frame follows the screen, not the watchlist. Line 0 is the column header
and stays put; line y > 0 shows the row at `scroll_y + y - 1` of the model's visible order. `tick()` (called by
the app about 10 times a second) repaints only the lines whose content signature changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pushwatch.engine.events import TaskState
from pushwatch.tui import format as fmt
from pushwatch.tui.table_model import Category, Column, Key, TableModel

CACHE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Spec:
    column: Column | None  # None: the marker column (not sortable)
    title: str
    width: int
    priority: int  # columns with the lowest priority are dropped first when the terminal is narrow
    right: bool = False
    min_width: int = 0  # flexible columns shrink to this before being dropped


ESSENTIAL = 80  # columns at or above this priority are placed (and widened a little) before the others
MARKER = Spec(None, "", 1, 1000)
SPECS: tuple[Spec, ...] = (
    MARKER,
    Spec(Column.STATUS, "Status", 18, 100),
    Spec(Column.PROFILE, "Profile", 10, 80, min_width=6),
    Spec(Column.LABEL, "Label", 18, 85, min_width=8),
    Spec(Column.TASK_ID, "Task ID", 40, 95, min_width=12),
    Spec(Column.START, "Start", 11, 30),
    Spec(Column.PROGRESS, "Progress", 13, 90),
    Spec(Column.FINISHED, "Finished", 11, 40, right=True),
    Spec(Column.TOTAL, "Total", 11, 35, right=True),
    Spec(Column.RATE, "Rate", 8, 50, right=True),
    Spec(Column.ETA, "ETA", 7, 70, right=True),
    Spec(Column.AGE, "Age", 5, 65, right=True),
    Spec(Column.ERROR, "Last error", 30, 60, min_width=12),
)


def layout(width: int, *, multi_profile: bool, id_width: int = 40, label_width: int = 18) -> list[tuple[Spec, int]]:
    """Which columns fit in `width` cells, and how wide each is (one space between columns).

    Columns are taken by priority while they fit at their minimum width; then flexible columns (task ID,
    label, profile) grow towards their preferred width, and what is left goes to the last error (free text).
    """
    specs = [
        s
        for s in SPECS
        if (multi_profile or s.column is not Column.PROFILE) and (label_width > 0 or s.column is not Column.LABEL)
    ]
    preferred: dict[Column | None, int] = {}
    for s in specs:
        w = s.width
        if s.column is Column.TASK_ID:
            w = max(s.min_width, min(id_width, s.width))
        elif s.column is Column.LABEL:
            w = max(s.min_width, min(label_width, s.width))
        preferred[s.column] = w
    chosen: dict[Column | None, int] = {}
    used = -1  # n columns need n-1 separators
    # First what identifies a row and its state, at a modest width; then the rest by priority.
    first_caps = {Column.TASK_ID: 18, Column.LABEL: 12, Column.PROFILE: 8}
    ordered = sorted(specs, key=lambda s: -s.priority)
    for phase in (1, 2):
        for s in ordered:
            if s.column in chosen or (phase == 1 and s.priority < ESSENTIAL):
                continue
            w = s.min_width or preferred[s.column]
            if phase == 1 and s.column in first_caps:
                w = max(w, min(preferred[s.column], first_caps[s.column]))
            if used + w + 1 <= width:
                chosen[s.column] = w
                used += w + 1
            elif phase == 1 and s.min_width and used + s.min_width + 1 <= width:
                chosen[s.column] = s.min_width
                used += s.min_width + 1
    for col in (Column.LABEL, Column.TASK_ID, Column.PROFILE, Column.ERROR):
        if col in chosen and used < width:
            grow = min(preferred[col] - chosen[col], width - used)
            if grow > 0:
                chosen[col] += grow
                used += grow
    if used < width:
        for col in (Column.ERROR, Column.LABEL, Column.TASK_ID):
            if col in chosen:
                chosen[col] += width - used
                break
    return [(s, chosen[s.column]) for s in specs if s.column in chosen]


def _fit(text: str, width: int, right: bool = False, keep_end: bool = False) -> str:
    """Pad or cut `text` to exactly `width` cells; long IDs keep their distinctive end."""
    if cell_len(text) > width:
        if width <= 1:
            return set_cell_size(text, width)
        if keep_end:
            cut = text[-(width - 1) :]
            while cell_len(cut) > width - 1:
                cut = cut[1:]
            return set_cell_size("…" + cut, width)
        return set_cell_size(text, width - 1) + "…"
    pad = width - cell_len(text)
    return " " * pad + text if right else text + " " * pad


class TaskTable(ScrollView, can_focus=True):
    """A keyboard-driven, virtualised view of the table model with a cursor that follows its task."""

    COMPONENT_CLASSES = {
        "task-table--header",
        "task-table--cursor",
        "task-table--incomplete",
        "task-table--pushing",
        "task-table--pending",
        "task-table--done",
        "task-table--invalid",
        "task-table--error",
        "task-table--waiting",
        "task-table--stale",
        "task-table--bar",
        "task-table--bar-empty",
        "task-table--dim",
    }

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "home", "First row", show=False, id="table.home"),
        Binding("end,G", "end", "Last row", show=False, id="table.end"),
    ]

    class CursorMoved(Message):
        def __init__(self, key: Key | None) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self,
        model: TableModel,
        *,
        clock: Callable[[], float] = time.time,
        multi_profile: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.model = model
        self.clock = clock
        self.multi_profile = multi_profile
        self._cache: dict[Key, tuple[tuple, Strip]] = {}
        self._painted: dict[int, tuple] = {}  # viewport y -> signature of what is on screen
        self._layout: list[tuple[Spec, int]] = []
        self._layout_for: tuple = ()
        self._id_width = 12
        self._label_width = 0  # no label column until some task has a label
        self._seen_generation = -1
        self._styles: dict[str, Style] = {}
        self._header_sig: tuple = ()

    # ---- sizes and layout -------------------------------------------------------------------------------
    def note_widths(self, state: TaskState) -> None:
        """Grow the ID and label columns to the longest seen (never shrinks: no O(N) rescans)."""
        self._id_width = max(self._id_width, len(state.task_id))
        self._label_width = max(self._label_width, cell_len(state.label))

    @property
    def rows_visible(self) -> int:
        return max(0, self.size.height - 1)

    def columns(self) -> list[tuple[Spec, int]]:
        want = (self.size.width, self.multi_profile, self._id_width, self._label_width)
        if want != self._layout_for:
            self._layout_for = want
            self._layout = layout(
                self.size.width, multi_profile=self.multi_profile, id_width=self._id_width, label_width=self._label_width
            )
            self._cache.clear()
            self._painted.clear()
        return self._layout

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()
        self._painted.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"task-table--{name}", partial=True)
            self._styles[name] = style
        return style

    # ---- updating ---------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Repaint what changed on screen since the last frame; nothing when nothing visible changed."""
        if not self.is_mounted or self.size.height == 0:
            return
        n = len(self.model)
        if self.virtual_size.height != n + 1 or self.virtual_size.width != self.size.width:
            self.virtual_size = Size(self.size.width, n + 1)
        if self.model.generation != self._seen_generation:
            self._seen_generation = self.model.generation
            self.scroll_to_cursor()
        self.repaint_changed()

    def repaint_changed(self) -> None:
        if self._header_signature() != self._header_sig:
            self.refresh(Region(0, 0, self.size.width, 1))
        top = int(self.scroll_offset.y)
        now = self.clock()
        keys = self.model.visible_keys(top, top + self.rows_visible)
        width = self.size.width
        for y in range(1, self.rows_visible + 1):
            key = keys[y - 1] if y - 1 < len(keys) else None
            sig = self._signature(key, now) if key is not None else None
            if self._painted.get(y, ()) != sig:
                self.refresh(Region(0, y, width, 1))

    def scroll_to_cursor(self) -> None:
        """Keep the cursor's row on screen (htop's follow), scrolling as little as possible."""
        index = self.model.cursor_index
        if index is None:
            return
        rows = max(1, self.rows_visible)
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False, immediate=True)

    # ---- cursor actions ---------------------------------------------------------------------------------
    def _moved(self) -> None:
        self.scroll_to_cursor()
        self.repaint_changed()
        self.post_message(self.CursorMoved(self.model.cursor_key))

    def action_cursor(self, delta: int) -> None:
        self.model.move_cursor(delta)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.model.move_cursor(direction * max(1, self.rows_visible - 1))
        self._moved()

    def action_home(self) -> None:
        self.model.move_cursor_to(0)
        self._moved()

    def action_end(self) -> None:
        self.model.move_cursor_to(len(self.model) - 1)
        self._moved()

    def on_click(self, event) -> None:
        y = event.y
        if y >= 1:
            self.model.move_cursor_to(int(self.scroll_offset.y) + y - 1)
            self._moved()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.model) + 1)
        self.scroll_to_cursor()

    # ---- rendering --------------------------------------------------------------------------------------
    def _signature(self, key: Key, now: float) -> tuple:
        state = self.model.state(key)
        age = fmt.age_cell(state, now) if state is not None else ""
        return (key, self.model.version(key), key == self.model.cursor_key, age)

    def _header_signature(self) -> tuple:
        return (self.model.sort_column, self.model.descending, self._layout_for)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = self.columns()
        if y == 0:
            self._header_sig = self._header_signature()
            return self._header_strip(columns, width)
        index = int(self.scroll_offset.y) + y - 1
        key = self.model.key_at(index)
        if key is None:
            self._painted[y] = None
            return Strip.blank(width, self.rich_style)
        sig = self._signature(key, self.clock())
        self._painted[y] = sig
        cached = self._cache.get(key)
        if cached is not None and cached[0] == sig:
            return cached[1]
        strip = self._row_strip(self.model.state(key), columns, width, cursor=sig[2], age_text=sig[3])
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = (sig, strip)
        return strip

    def _header_strip(self, columns: list[tuple[Spec, int]], width: int) -> Strip:
        base = self.rich_style + self._style("header")
        segments = []
        for i, (spec, w) in enumerate(columns):
            title = spec.title
            if spec.column is not None and spec.column is self.model.sort_column:
                title += " ▼" if self.model.descending else " ▲"
            segments.append(Segment(_fit(title, w, spec.right), base))
            if i < len(columns) - 1:
                segments.append(Segment(" ", base))
        used = sum(w for _, w in columns) + len(columns) - 1
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width).crop(0, width)

    def _row_strip(
        self, state: TaskState, columns: list[tuple[Spec, int]], width: int, *, cursor: bool, age_text: str
    ) -> Strip:
        from pushwatch.tui.table_model import category

        cat = category(state)
        base = self.rich_style
        row_style = base + self._style("incomplete") if cat is Category.INCOMPLETE else base
        status_style = row_style + self._style(cat.word)  # the CSS style is named after the status word
        cursor_style = self._style("cursor") if cursor else None
        dim = self._style("dim")
        r = state.report
        segments: list[Segment] = []

        def add(text: str, style: Style) -> None:
            segments.append(Segment(text, style + cursor_style if cursor_style else style))

        for i, (spec, w) in enumerate(columns):
            col = spec.column
            if i:
                add(" ", row_style)
            if col is None:
                add(_fit(fmt.row_marker(state), w), status_style)
            elif col is Column.STATUS:
                add(_fit(fmt.status_cell(state), w), status_style)
            elif col is Column.PROFILE:
                add(_fit(state.profile, w), row_style)
            elif col is Column.LABEL:
                add(_fit(state.label, w), row_style)
            elif col is Column.TASK_ID:
                add(_fit(state.task_id, w, keep_end=True), row_style)
            elif col is Column.START:
                add(_fit(fmt.start_time(r.start_time if r else None), w), row_style)
            elif col is Column.PROGRESS:
                fraction = r.fraction if r else None
                pct = fmt.percent(fraction)
                bar_w = max(0, w - len(pct) - 1)
                filled, empty = fmt.bar(fraction, bar_w)
                add(filled, row_style + self._style("bar"))
                add(empty, row_style + self._style("bar-empty"))
                add(" " + pct, row_style)
            elif col is Column.FINISHED:
                add(_fit(fmt.grouped(r.finished if r else None), w, right=True), row_style)
            elif col is Column.TOTAL:
                add(_fit(fmt.grouped(r.total if r else None), w, right=True), row_style)
            elif col is Column.RATE:
                add(_fit(fmt.rate(state.rate()), w, right=True), row_style)
            elif col is Column.ETA:
                add(_fit(fmt.eta(state), w, right=True), row_style)
            elif col is Column.AGE:
                style = row_style + self._style("stale") if state.stale else row_style
                add(_fit(age_text, w, right=True), style)
            elif col is Column.ERROR:
                add(_fit(" ".join(state.error.split()), w), row_style + self._style("error") if state.error else dim)
        used = sum(w for _, w in columns) + len(columns) - 1
        if used < width:
            add(" " * (width - used), row_style)
        return Strip(segments, width).crop(0, width)

    def row_text(self, key: Key) -> str:
        """The plain text of one row as it would be drawn now (for tests and screen readers)."""
        state = self.model.state(key)
        if state is None:
            return ""
        strip = self._row_strip(state, self.columns(), self.size.width, cursor=False, age_text=fmt.age_cell(state, self.clock()))
        return strip.text
