"""The table model without a UI: categories, sorting, filtering, incomplete-first, cursor following, totals."""

from __future__ import annotations

from datetime import datetime

from pushwatch.api.models import ErrorKind, Report, Status
from pushwatch.engine.events import TaskFailed, TaskInvalid, TaskReported, TaskState
from pushwatch.tui.table_model import Category, Column, TableModel, category

T0 = 1_700_000_000.0


def reported(task_id: str, status: int, finished=None, total=None, at=T0, profile="default"):
    return TaskReported(profile, Report(task_id, Status(status), datetime(2023, 11, 15, 6), finished, total), at)


def model_with(*ids: str) -> TableModel:
    m = TableModel(clock=lambda: T0)
    for i in ids:
        m.add(TaskState(i, "default"))
    return m


def order(m: TableModel) -> list[str]:
    return [k[1] for k in m.visible_keys(0, len(m))]


def test_categories_cover_every_state():
    s = TaskState("t", "p")
    assert category(s) is Category.WAITING
    s.apply(TaskFailed("p", "t", "boom", ErrorKind.RETRYABLE, T0))
    assert category(s) is Category.ERROR
    s.apply(reported("t", 0, profile="p"))
    assert category(s) is Category.PENDING
    s.apply(reported("t", 1, 5, 10, profile="p"))
    assert category(s) is Category.PUSHING
    s.apply(reported("t", 2, 10, 10, profile="p"))
    assert category(s) is Category.DONE
    s.apply(reported("t", 2, 9, 10, profile="p"))
    assert category(s) is Category.INCOMPLETE
    s.apply(TaskInvalid("p", "t", T0))
    assert category(s) is Category.INVALID


def test_incomplete_sorts_first_in_any_column_and_direction():
    m = model_with("a", "b", "c", "d")
    m.apply(reported("a", 2, 10, 10))
    m.apply(reported("b", 1, 1, 10))
    m.apply(reported("c", 2, 3, 10))  # incomplete
    m.apply(reported("d", 0))
    assert order(m)[0] == "c"
    for column in Column:
        for descending in (False, True):
            m.set_sort(column, descending)
            assert order(m)[0] == "c", (column, descending)
    m.incomplete_first = False
    m.set_sort(Column.TASK_ID, False)
    assert order(m) == ["a", "b", "c", "d"]


def test_default_order_puts_attention_first():
    m = model_with("done", "push", "pend", "inc", "bad", "err", "wait")
    m.apply(reported("done", 2, 5, 5))
    m.apply(reported("push", 1, 1, 5))
    m.apply(reported("pend", 0))
    m.apply(reported("inc", 2, 4, 5))
    m.apply(TaskInvalid("default", "bad", T0))
    m.apply(TaskFailed("default", "err", "x", ErrorKind.RETRYABLE, T0))
    assert order(m) == ["inc", "err", "bad", "push", "pend", "wait", "done"]


def test_sort_by_numbers_puts_unknown_last_and_direction_reverses():
    m = model_with("x", "y", "z")
    m.apply(reported("x", 1, 50, 100))
    m.apply(reported("y", 1, 10, 100))
    m.set_sort(Column.FINISHED, False)
    assert order(m) == ["y", "x", "z"]
    m.toggle_direction()
    assert order(m)[:2] == ["x", "y"]


def test_cursor_follows_its_task_across_updates_and_resorts():
    m = model_with(*[f"t{i:03d}" for i in range(100)])
    m.set_sort(Column.FINISHED, True)
    m.move_cursor_to(10)
    key = m.cursor_key
    for i in range(100):
        m.apply(reported(f"t{i:03d}", 1, (i * 37) % 100, 100))
    assert m.cursor_key == key
    assert m.key_at(m.cursor_index) == key
    m.cycle_sort()
    assert m.cursor_key == key


def test_filter_matches_id_label_and_status_words_and_keeps_cursor_when_possible():
    m = model_with("alpha1", "beta2", "gamma3")
    m.set_label(("default", "beta2"), "Spring Sale")
    m.apply(reported("gamma3", 2, 1, 5))
    m.move_cursor_to(m.index_of(("default", "beta2")))
    m.set_filter("spring")
    assert order(m) == ["beta2"] and m.cursor_key == ("default", "beta2")
    m.set_filter("incomplete")
    assert order(m) == ["gamma3"] and m.cursor_key == ("default", "gamma3")
    m.set_filter("ALPHA")
    assert order(m) == ["alpha1"]
    m.set_filter("nothing-matches")
    assert len(m) == 0 and m.cursor_key is None
    m.set_filter("")
    assert len(m) == 3


def test_row_leaves_filter_when_its_status_changes():
    m = model_with("a", "b")
    m.apply(reported("a", 1, 1, 10))
    m.apply(reported("b", 1, 1, 10))
    m.set_filter("pushing")
    assert len(m) == 2
    m.apply(reported("a", 2, 10, 10))
    assert order(m) == ["b"]


def test_summary_counts_follow_events_incrementally():
    m = model_with("a", "b", "c")
    m.apply(reported("a", 1, 10, 100))
    m.apply(reported("b", 2, 50, 100))
    m.apply(reported("a", 1, 20, 100))
    m.apply(TaskFailed("default", "a", "boom", ErrorKind.RETRYABLE, T0 + 1))
    s = m.summary()
    assert s.count(Category.PUSHING) == 1 and s.count(Category.INCOMPLETE) == 1 and s.count(Category.WAITING) == 1
    assert (s.finished, s.total, s.stale, s.rows) == (70, 200, 1, 3)
    m.remove(("default", "b"))
    s = m.summary()
    assert s.count(Category.INCOMPLETE) == 0 and (s.finished, s.total, s.rows) == (20, 100, 2)


def test_finish_is_reported_once_and_only_for_a_change_seen_live():
    m = model_with("a", "b")
    assert m.apply(reported("a", 2, 5, 5)) is None  # already final when first seen: not news
    m.apply(reported("b", 1, 1, 5))
    finish = m.apply(reported("b", 2, 4, 5))
    assert finish is not None and finish.incomplete and finish.shortfall == 1
    assert m.apply(reported("b", 2, 4, 5)) is None


def test_events_for_unwatched_tasks_are_ignored_and_versions_bump_on_change():
    m = model_with("a")
    v = m.version(("default", "a"))
    assert m.apply(reported("zzz", 1, 1, 2)) is None and ("default", "zzz") not in m
    m.apply(reported("a", 1, 1, 2))
    assert m.version(("default", "a")) > v


def test_removing_the_cursor_row_moves_cursor_to_a_neighbour():
    m = model_with("a", "b", "c")
    m.set_sort(Column.TASK_ID)
    m.move_cursor_to(1)
    m.remove(("default", "b"))
    assert m.cursor_key == ("default", "c")
    m.remove(("default", "c"))
    assert m.cursor_key == ("default", "a")


def test_recent_errors_keep_distinct_messages():
    m = model_with("a")
    for msg in ("one", "one", "two"):
        m.apply(TaskFailed("default", "a", msg, ErrorKind.RETRYABLE, T0))
    assert [e for _, e in m.recent_errors(("default", "a"))] == ["one", "two"]


def test_a_task_turning_incomplete_moves_first_even_when_its_sort_value_is_unchanged():
    m = model_with("a", "b", "c")
    for i in "abc":
        m.set_label(("default", i), "same")
        m.apply(reported(i, 1, 1, 10))
    m.set_sort(Column.LABEL, False)
    assert order(m) == ["a", "b", "c"]
    m.apply(reported("c", 2, 5, 10))  # finished short: label (the sort value) did not change
    assert order(m) == ["c", "a", "b"]


def test_descending_keeps_unknown_values_last_and_incomplete_first():
    m = model_with("a", "b", "c", "d")
    m.apply(reported("a", 1, 5, 10))
    m.apply(reported("b", 1, 9, 10))
    m.apply(reported("c", 2, 1, 10))  # incomplete, lowest progress
    # d: never reported, unknown progress
    m.set_sort(Column.PROGRESS, descending=True)
    assert order(m) == ["c", "b", "a", "d"]
    m.toggle_direction()
    assert order(m) == ["c", "a", "b", "d"]


def _from_scratch(m: TableModel) -> list[str]:
    """The order the model must show, computed independently of its incremental bookkeeping."""
    fresh = TableModel(clock=m.clock, sort_column=m.sort_column, descending=m.descending)
    fresh.set_filter(m.filter_text)
    for key in m.keys():
        s = m.state(key)
        fresh.add(s)
    return order(fresh)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ops = st.lists(
    st.tuples(
        st.sampled_from(["report", "remove", "add", "sort", "reverse", "filter"]),
        st.integers(0, 39),
        st.integers(0, 2),
        st.integers(0, 12),
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(_ops)
def test_incremental_order_always_equals_a_full_sort(ops):
    m = model_with(*[f"t{i:02d}" for i in range(20)])
    columns = list(Column)
    for op, i, status, finished in ops:
        tid = f"t{i:02d}"
        if op == "report" and ("default", tid) in m:
            m.apply(reported(tid, status, finished if status else None, 10 if status else None, at=T0 + finished))
        elif op == "remove":
            m.remove(("default", tid))
        elif op == "add":
            m.ensure("default", tid)
        elif op == "sort":
            m.set_sort(columns[finished % len(columns)])
        elif op == "reverse":
            m.toggle_direction()
        elif op == "filter":
            m.set_filter(["", "pushing", "t1", "finished"][status])
        if finished % 3 == 0:  # read the order now and then, as frames do
            assert order(m) == _from_scratch(m)
    assert order(m) == _from_scratch(m)
    assert m.cursor_key is None or m.cursor_key in m
    visible = m.visible_keys(0, len(m))
    assert [m.index_of(k) for k in visible] == list(range(len(visible)))
    assert all(m.index_of(k) is None for k in m.keys() if k not in visible)


def test_a_report_that_changes_nothing_shown_does_not_repaint_the_row():
    m = model_with("a")
    key = ("default", "a")
    m.apply(reported("a", 1, 5, 10, at=T0))
    v = m.version(key)
    m.apply(reported("a", 1, 5, 10, at=T0 + 2))  # same numbers, fresher: only the age differs
    assert m.version(key) == v and m.state(key).reported_at == T0 + 2
    m.apply(reported("a", 1, 6, 10, at=T0 + 4))
    assert m.version(key) == v + 1
    m.apply(TaskFailed("default", "a", "boom", ErrorKind.RETRYABLE, T0 + 6))  # now stale, with an error
    assert m.version(key) == v + 2
    m.apply(reported("a", 1, 6, 10, at=T0 + 8))  # same numbers, but the error and stale mark go away
    assert m.version(key) == v + 3 and not m.state(key).stale


def test_ages_are_coarse_so_rows_rarely_repaint():
    from pushwatch.tui.format import age

    assert [age(s) for s in (0, 4.9, 5, 59, 60, 3599, 7200, 200000)] == ["0s", "0s", "5s", "55s", "1m", "59m", "2h", "2d"]
    assert age(None) == "–"


def test_the_cursor_starts_on_the_first_row_and_follows_the_task_once_moved():
    m = model_with("a", "b", "c")  # "a" added first
    m.apply(reported("c", 2, 5, 10))  # incomplete: sorts first
    assert order(m)[0] == "c" and m.cursor_key == ("default", "c")
    m.apply(reported("b", 2, 1, 10))  # now b and c incomplete; b sorts before c by ID
    assert order(m)[:2] == ["b", "c"] and m.cursor_key == ("default", "b")
    m.move_cursor(1)
    assert m.cursor_key == ("default", "c")
    m.apply(reported("a", 2, 1, 10))  # a sorts first now; the cursor stays on the task the user chose
    assert order(m)[0] == "a" and m.cursor_key == ("default", "c")


def test_compact_counts_fit_the_status_column():
    from pushwatch.tui.format import compact

    assert [compact(n) for n in (0, 999, 1234, 9949, 9950, 85_300, 801_000, 1_700_000, 2.6e9, -85_300)] == [
        "0", "999", "1.2k", "9.9k", "10k", "85k", "801k", "1.7M", "2.6G", "-85k"]
    assert compact(None) == "–"
