"""The task table's data, free of any UI: rows, sorting, filtering, the visible order and the cursor.

Kept apart from the widget so that 10,000+ live rows cost what is visible (the widget asks for row N of the
visible order) and so that sorting and filtering are tested without a terminal. Each row is the UI's own
`TaskState`, folded from engine events; a per-row version number tells the widget which lines changed.
"""

from __future__ import annotations

import bisect
import enum
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pushwatch.api.models import Status
from pushwatch.engine.events import Event, TaskFailed, TaskInvalid, TaskReported, TaskState

Key = tuple[str, str]  # (profile, task_id)
RECENT_ERRORS = 5


class Category(enum.IntEnum):
    """What a row means to an operator, in the order that needs attention first."""

    INCOMPLETE = 0  # Status 2 with Finished < Total
    ERROR = 1  # no report at all, and the last attempt failed
    INVALID = 2  # 90016: the server does not know the ID
    PUSHING = 3
    PENDING = 4  # Status 0: not started yet
    WAITING = 5  # no answer yet
    DONE = 6  # Status 2, everyone reached

    @property
    def word(self) -> str:
        return _CATEGORY_WORDS[self]


_CATEGORY_WORDS = {
    Category.INCOMPLETE: "incomplete",
    Category.ERROR: "error",
    Category.INVALID: "invalid",
    Category.PUSHING: "pushing",
    Category.PENDING: "pending",
    Category.WAITING: "waiting",
    Category.DONE: "done",
}


def category(state: TaskState) -> Category:
    if state.invalid:
        return Category.INVALID
    report = state.report
    if report is None:
        return Category.ERROR if state.error else Category.WAITING
    if report.status is Status.FINISHED:
        return Category.INCOMPLETE if report.incomplete else Category.DONE
    if report.status is Status.PUSHING:
        return Category.PUSHING
    return Category.PENDING


class Column(enum.Enum):
    """Sortable columns; the widget decides which of them fit on screen."""

    STATUS = "status"
    LABEL = "label"
    TASK_ID = "task id"
    PROFILE = "profile"
    START = "start"
    PROGRESS = "progress"
    FINISHED = "finished"
    TOTAL = "total"
    RATE = "rate"
    ETA = "eta"
    AGE = "age"
    ERROR = "error"


SORT_CYCLE: tuple[Column, ...] = (
    Column.STATUS,
    Column.LABEL,
    Column.TASK_ID,
    Column.START,
    Column.PROGRESS,
    Column.FINISHED,
    Column.TOTAL,
    Column.RATE,
    Column.ETA,
    Column.AGE,
    Column.ERROR,
    Column.PROFILE,
)

_NONE_LAST = float("inf")


def _num(value: float | int | None) -> tuple[int, float]:
    """Numbers sort ascending with unknown values after every known one."""
    return (1, 0.0) if value is None else (0, float(value))


def sort_value(column: Column, state: TaskState) -> tuple:
    """The value one row sorts by in `column`, ascending (direction is applied by the model).

    The first element says "unknown or empty", which stays last in either direction.
    """
    r = state.report
    if column is Column.STATUS:
        return (0, int(category(state)))
    if column is Column.LABEL:
        return (state.label == "", state.label.casefold())
    if column is Column.TASK_ID:
        return (0, state.task_id)
    if column is Column.PROFILE:
        return (0, state.profile)
    if column is Column.START:
        return (1, "") if r is None or r.start_time is None else (0, r.start_time.isoformat())
    if column is Column.PROGRESS:
        return _num(r.fraction if r else None)
    if column is Column.FINISHED:
        return _num(r.finished if r else None)
    if column is Column.TOTAL:
        return _num(r.total if r else None)
    if column is Column.RATE:
        return _num(state.rate())
    if column is Column.ETA:
        return _num(state.eta())
    if column is Column.AGE:
        # Oldest data (smallest reported_at) first; never-reported rows last.
        return _num(state.reported_at)
    if column is Column.ERROR:
        return (state.error == "", state.error)
    raise ValueError(column)


def matches(state: TaskState, needle: str) -> bool:
    """Every word of the filter must occur in the task ID, label, profile or status words."""
    if not needle:
        return True
    words = needle.casefold().split()
    cat = category(state)
    hay = " ".join(
        (
            state.task_id.casefold(),
            state.label.casefold(),
            state.profile.casefold(),
            cat.word,
            state.report.status.word if state.report else "",
            "stale" if state.stale else "",
            "error" if state.error else "",
        )
    )
    return all(w in hay for w in words)


@dataclass(frozen=True, slots=True)
class Summary:
    counts: dict[Category, int]
    finished: int
    total: int
    stale: int
    rows: int

    def count(self, cat: Category) -> int:
        return self.counts.get(cat, 0)


@dataclass(slots=True)
class _Row:
    state: TaskState
    version: int = 0
    cat: Category = Category.WAITING
    sort_key: tuple = ()
    match: bool = True
    errors: deque[tuple[float, str]] | None = None  # recent distinct errors, created on the first one


@dataclass(slots=True)
class Finish:
    """A task seen turning final in this session (for notifications)."""

    key: Key
    label: str
    incomplete: bool
    shortfall: int


def _shown(state: TaskState) -> tuple:
    """What a row shows apart from its age: when this is unchanged, the row need not be repainted."""
    return (state.report, state.error, state.invalid, state.stale, state.history[-1] if state.history else None)


class _Descending:
    """Inverts comparison, so `bisect` can search an order sorted descending."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return other.key < self.key


@dataclass
class TableModel:
    """Rows keyed by (profile, task_id) with a sort column, direction, filter and a cursor that follows its task."""

    clock: Callable[[], float] = time.time
    sort_column: Column = Column.STATUS
    descending: bool = False
    incomplete_first: bool = True
    filter_text: str = ""
    cursor_key: Key | None = None
    cursor_follows_top: bool = True  # until the user moves it, the cursor sits on the first row as rows re-sort
    _rows: dict[Key, _Row] = field(default_factory=dict)
    _order: list[Key] = field(default_factory=list)
    _order_dirty: bool = False  # the whole order must be rebuilt (sort or filter changed)
    _moved: set[Key] = field(default_factory=set)  # rows whose place may have changed since the last order
    _counts: dict[Category, int] = field(default_factory=dict)
    _finished_sum: int = 0
    _total_sum: int = 0
    _stale: int = 0
    generation: int = 0  # bumped whenever the visible order may have changed

    # ---- rows -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        self._ensure_order()
        return len(self._order)

    @property
    def total_rows(self) -> int:
        return len(self._rows)

    def __contains__(self, key: Key) -> bool:
        return key in self._rows

    def keys(self) -> Iterable[Key]:
        return self._rows.keys()

    def state(self, key: Key) -> TaskState | None:
        row = self._rows.get(key)
        return row.state if row else None

    def states(self) -> Iterable[TaskState]:
        return (row.state for row in self._rows.values())

    def version(self, key: Key) -> int:
        row = self._rows.get(key)
        return row.version if row else -1

    def recent_errors(self, key: Key) -> list[tuple[float, str]]:
        row = self._rows.get(key)
        return list(row.errors) if row and row.errors else []

    def add(self, state: TaskState) -> None:
        """Add a row, or replace the state of an existing one."""
        key = (state.profile, state.task_id)
        old = self._rows.get(key)
        if old is not None:
            self._uncount(old)
            old.state = state
            self._refresh_row(key, old)
            return
        row = _Row(state)
        self._rows[key] = row
        self._refresh_row(key, row, new=True)

    def ensure(self, profile: str, task_id: str, label: str = "") -> TaskState:
        key = (profile, task_id)
        row = self._rows.get(key)
        if row is None:
            self.add(TaskState(task_id=task_id, profile=profile, label=label))
            row = self._rows[key]
        elif label != row.state.label:
            self.set_label(key, label)
        return row.state

    def remove(self, key: Key) -> bool:
        if key not in self._rows:
            return False
        i = self.index_of(key) if key == self.cursor_key else None
        row = self._rows.pop(key)
        self._uncount(row)
        self._moved.add(key)
        if key == self.cursor_key:
            # Keep the cursor near where it was: on the next visible row, else the previous one.
            self._ensure_order()
            if self._order:
                self.cursor_key = self._order[min(i or 0, len(self._order) - 1)]
            else:
                self.cursor_key = None
        return True

    def set_label(self, key: Key, label: str) -> None:
        row = self._rows.get(key)
        if row is None:
            return
        self._uncount(row)
        row.state.label = label
        self._refresh_row(key, row)

    def apply(self, event: Event) -> Finish | None:
        """Fold one engine event into its row; rows not in the table (removed tasks) are ignored.

        Returns a `Finish` when this event turned a task final (it was seen not final before), so the app
        can notify; a task already final when first seen is not news.
        """
        if not isinstance(event, (TaskReported, TaskFailed, TaskInvalid)):
            return None
        task_id = event.report.task_id if isinstance(event, TaskReported) else event.task_id
        key = (event.profile, task_id)
        row = self._rows.get(key)
        if row is None:
            return None
        self._uncount(row)
        before = row.state.report
        shown_before = _shown(row.state)
        row.state.apply(event)
        if isinstance(event, (TaskFailed, TaskInvalid)) and row.state.error:
            if row.errors is None:
                row.errors = deque(maxlen=RECENT_ERRORS)
            if not row.errors or row.errors[-1][1] != row.state.error:
                row.errors.append((event.at, row.state.error))
        # A report that only confirms what is on screen does not repaint the row (its age is tracked apart).
        self._refresh_row(key, row, changed=_shown(row.state) != shown_before)
        if isinstance(event, TaskReported) and event.report.is_final and before is not None and not before.is_final:
            r = event.report
            return Finish(key, row.state.label, r.incomplete, r.shortfall)
        return None

    def _uncount(self, row: _Row) -> None:
        self._counts[row.cat] = self._counts.get(row.cat, 0) - 1
        self._stale -= row.state.stale
        r = row.state.report
        if r is not None:
            self._finished_sum -= r.finished or 0
            self._total_sum -= r.total or 0

    def _refresh_row(self, key: Key, row: _Row, new: bool = False, changed: bool = True) -> None:
        """Recompute a row's derived values after its state changed; mark the order dirty only if needed."""
        if changed:
            row.version += 1
        row.cat = category(row.state)
        self._counts[row.cat] = self._counts.get(row.cat, 0) + 1
        self._stale += row.state.stale
        r = row.state.report
        if r is not None:
            self._finished_sum += r.finished or 0
            self._total_sum += r.total or 0
        sort_key = self._sort_key(row)
        match = matches(row.state, self.filter_text)
        if new or sort_key != row.sort_key or match != row.match:
            if new or match or row.match:
                self._moved.add(key)
        row.sort_key, row.match = sort_key, match
        if self.cursor_key is None and match:
            self.cursor_key = key

    def _sort_key(self, row: _Row) -> tuple:
        """One key holding the whole order, so a re-sort is a single pass over nearly sorted rows.

        Sorted ascending, or with reverse=True when descending; either way unknown values come last and,
        with `incomplete_first`, incomplete pushes come first.
        """
        value = sort_value(self.sort_column, row.state)
        key: tuple = (value, (row.state.task_id, row.state.profile))
        if self.descending:
            key = (-value[0], key)
        if self.incomplete_first:
            incomplete = row.cat is Category.INCOMPLETE
            key = (incomplete if self.descending else not incomplete, key)
        return key

    # ---- order ------------------------------------------------------------------------------------------
    def set_sort(self, column: Column, descending: bool | None = None) -> None:
        self.sort_column = column
        if descending is not None:
            self.descending = descending
        for row in self._rows.values():
            row.sort_key = self._sort_key(row)
        self._order_dirty = True

    def cycle_sort(self) -> Column:
        i = SORT_CYCLE.index(self.sort_column) if self.sort_column in SORT_CYCLE else -1
        self.set_sort(SORT_CYCLE[(i + 1) % len(SORT_CYCLE)])
        return self.sort_column

    def toggle_direction(self) -> bool:
        self.set_sort(self.sort_column, not self.descending)
        return self.descending

    def set_filter(self, text: str) -> None:
        text = text.strip()
        if text == self.filter_text:
            return
        self.filter_text = text
        for row in self._rows.values():
            row.match = matches(row.state, text)
        self._order_dirty = True
        if self.index_of(self.cursor_key) is None:
            self.cursor_key = self._order[0] if self._order else None

    def _ensure_order(self) -> None:
        """Bring the visible order up to date. When few rows moved (the usual case while reports stream in),
        they are taken out and inserted back by binary search; a new sort or filter rebuilds it all."""
        if not self._order_dirty and not self._moved:
            return
        rows, moved = self._rows, self._moved
        if self._order_dirty or len(moved) > max(64, len(self._order) // 8):
            # Start from the previous order: timsort on a nearly sorted list is close to one pass.
            visible = [k for k in self._order if (row := rows.get(k)) is not None and row.match]
            if len(visible) != len(rows):
                placed = set(visible)
                visible += [k for k, row in rows.items() if row.match and k not in placed]
            visible.sort(key=lambda k: rows[k].sort_key, reverse=self.descending)
        else:
            visible = [k for k in self._order if k not in moved]
            order_key = (lambda k: _Descending(rows[k].sort_key)) if self.descending else (lambda k: rows[k].sort_key)
            for k in moved:
                row = rows.get(k)
                if row is not None and row.match:
                    bisect.insort(visible, k, key=order_key)
        self._order_dirty, self._moved = False, set()
        self._order = visible
        self.generation += 1
        if self.cursor_key is not None and self.cursor_key not in rows or self.cursor_follows_top and visible:
            self.cursor_key = visible[0] if visible else None

    @property
    def order_dirty(self) -> bool:
        return self._order_dirty or bool(self._moved)

    def key_at(self, index: int) -> Key | None:
        self._ensure_order()
        return self._order[index] if 0 <= index < len(self._order) else None

    def index_of(self, key: Key | None) -> int | None:
        """A row's place in the visible order, found by binary search on its sort key (the order is sorted
        by exactly those keys), so following the cursor costs O(log n) instead of an index of every row."""
        self._ensure_order()
        row = self._rows.get(key) if key is not None else None
        if row is None or not row.match:
            return None
        rows, order = self._rows, self._order
        if self.descending:
            i = bisect.bisect_left(order, _Descending(row.sort_key), key=lambda k: _Descending(rows[k].sort_key))
        else:
            i = bisect.bisect_left(order, row.sort_key, key=lambda k: rows[k].sort_key)
        if i < len(order) and order[i] == key:
            return i
        try:  # not expected; stay correct even so
            return order.index(key)
        except ValueError:
            return None

    def visible_keys(self, start: int, stop: int) -> list[Key]:
        self._ensure_order()
        return self._order[max(0, start) : max(0, stop)]

    # ---- cursor -----------------------------------------------------------------------------------------
    @property
    def cursor_index(self) -> int | None:
        """Where the cursor's task is in the visible order (None when hidden by the filter or no rows)."""
        return self.index_of(self.cursor_key)

    def move_cursor_to(self, index: int) -> Key | None:
        self._ensure_order()
        if not self._order:
            self.cursor_key = None
            return None
        index = max(0, min(index, len(self._order) - 1))
        self.cursor_key = self._order[index]
        self.cursor_follows_top = False
        return self.cursor_key

    def move_cursor(self, delta: int) -> Key | None:
        current = self.cursor_index
        return self.move_cursor_to(0 if current is None else current + delta)

    # ---- totals -----------------------------------------------------------------------------------------
    def summary(self) -> Summary:
        return Summary(
            counts={c: n for c, n in self._counts.items() if n > 0},
            finished=self._finished_sum,
            total=self._total_sum,
            stale=self._stale,
            rows=len(self._rows),
        )

    def counts(self) -> dict[Category, int]:
        return {c: n for c, n in self._counts.items() if n > 0}

    @property
    def finished_sum(self) -> int:
        return self._finished_sum

    @property
    def total_sum(self) -> int:
        return self._total_sum
