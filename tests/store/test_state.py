"""Last-known state: saved throttled and atomically, merged per profile, loaded as not yet refreshed."""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from pushwatch.api.models import Report, Status
from pushwatch.engine.events import TaskInvalid, TaskReported, TaskState
from pushwatch.store.state import NOT_REFRESHED, StateError, StateStore


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def reported(profile: str, task_id: str, status: Status, finished: int | None, total: int | None, at: float) -> TaskState:
    s = TaskState(task_id, profile)
    start = datetime(2023, 11, 15, 6, 13, 20) if status else None
    s.apply(TaskReported(profile, Report(task_id, status, start, finished, total), at))
    return s


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.json"


def test_roundtrip_marks_loaded_states_as_not_refreshed(path: Path) -> None:
    a = reported("prod", "a", Status.PUSHING, 10, 100, 1000.0)
    a.apply(TaskReported("prod", Report("a", Status.PUSHING, a.report.start_time, 50, 100), 1100.0))
    a.label = "spring"
    b = reported("prod", "b", Status.NOT_STARTED, None, None, 1001.0)
    c = TaskState("c", "prod")
    c.apply(TaskInvalid("prod", "c", 1002.0))
    never = TaskState("d", "prod")  # nothing known: not saved
    assert StateStore(path).save([a, b, c, never]) is True
    loaded = StateStore(path).load()
    assert set(loaded) == {("prod", "a"), ("prod", "b"), ("prod", "c")}
    la = loaded[("prod", "a")]
    assert la.report == a.report and la.reported_at == 1100.0 and la.label == "spring"
    assert list(la.history) == [(1000.0, 10), (1100.0, 50)]
    assert la.stale and la.error == NOT_REFRESHED
    assert la.rate() == a.rate()
    assert loaded[("prod", "b")].report == b.report and loaded[("prod", "b")].stale
    assert loaded[("prod", "c")].invalid and loaded[("prod", "c")].report is None
    # The first fresh report clears the mark.
    la.apply(TaskReported("prod", Report("a", Status.PUSHING, None, 60, 100), 1200.0))
    assert not la.stale and la.error == ""


def test_saved_rows_are_compact_and_named(path: Path) -> None:
    StateStore(path).save([reported("p", "a", Status.FINISHED, 90, 100, 5.0)])
    doc = json.loads(path.read_text())
    assert doc["version"] == 1
    row = dict(zip(doc["columns"], doc["tasks"][0]))
    assert {k: row[k] for k in ("task_id", "Status", "StartTime", "Finished", "Total", "reported_at")} == {
        "task_id": "a", "Status": 2, "StartTime": "2023-11-15 06:13:20", "Finished": 90, "Total": 100, "reported_at": 5.0,
    }


def test_saves_are_throttled_unless_forced(path: Path) -> None:
    clock = Clock()
    store = StateStore(path, clock=clock, every=5.0)
    s = reported("p", "a", Status.PUSHING, 1, 10, 1.0)
    assert store.save([s]) is True
    clock.t += 4.9
    assert store.save([s]) is False
    assert store.save([s], force=True) is True
    clock.t += 5.0
    assert store.save([s]) is True


def test_history_on_disk_is_short(path: Path) -> None:
    s = TaskState("a", "p")
    for n in range(60):
        s.apply(TaskReported("p", Report("a", Status.PUSHING, None, n, 100), 100.0 * n))
    StateStore(path).save([s])
    loaded = StateStore(path).load()[("p", "a")]
    assert list(loaded.history) == list(s.history)[-20:]


def test_other_profiles_records_are_kept(path: Path) -> None:
    one, two = StateStore(path), StateStore(path)
    one.save([reported("prod", "a", Status.PUSHING, 1, 10, 1.0)])
    two.save([reported("staging", "x", Status.PUSHING, 2, 10, 2.0)])
    one.save([reported("prod", "b", Status.PUSHING, 3, 10, 3.0)], force=True)  # prod: a was removed
    assert set(StateStore(path).load()) == {("prod", "b"), ("staging", "x")}


def test_unreadable_state_file_is_set_aside(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    store = StateStore(path)
    assert store.load() == {}
    assert "unreadable" in store.problem and str(path) in store.problem
    assert path.with_name("state.json.unreadable").read_text() == "{not json"
    assert store.save([reported("p", "a", Status.PUSHING, 1, 2, 1.0)]) is True
    assert set(StateStore(path).load()) == {("p", "a")}


def test_bad_rows_are_skipped(path: Path) -> None:
    good = StateStore(path)
    good.save([reported("p", "good", Status.PUSHING, 1, 2, 1.0)])
    doc = json.loads(path.read_text())
    row = doc["tasks"][0]
    doc["tasks"] += [
        ["p", "bad", 1.0, 7, None, 1, 2, 0, "", []],  # unknown status
        ["p", "bad2", 1.0, 1, "noon", 1, 2, 0, "", []],  # bad StartTime
        ["p", "short"],  # wrong length
        row[:1] + ["hist"] + row[2:9] + [["x", 1]],  # bad history
    ]
    path.write_text(json.dumps(doc))
    assert set(StateStore(path).load()) == {("p", "good")}


def test_unknown_layout_is_set_aside(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "columns": ["x"], "tasks": []}))
    store = StateStore(path)
    assert store.load() == {} and "unreadable" in store.problem


def test_full_disk_is_a_clear_error(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = StateStore(path)
    store.save([reported("p", "a", Status.PUSHING, 1, 2, 1.0)])
    before = path.read_bytes()

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StateError, match=r"^cannot save .*state.json: no space left on the disk; the previous file"):
        store.save([reported("p", "b", Status.PUSHING, 1, 2, 1.0)], force=True)
    monkeypatch.undo()
    assert path.read_bytes() == before


def test_slow_saves_are_spaced_out(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    store = StateStore(path, clock=clock, every=5.0)
    ticks = iter([0.0, 2.0])  # perf_counter around the save: it took 2 s
    monkeypatch.setattr("pushwatch.store.state.time.perf_counter", lambda: next(ticks))
    assert store.save([reported("p", "a", Status.PUSHING, 1, 2, 1.0)]) is True
    clock.t += 19.0
    assert store.save([reported("p", "a", Status.PUSHING, 1, 2, 1.0)]) is False  # 10 x 2 s not yet over
    monkeypatch.setattr("pushwatch.store.state.time.perf_counter", lambda: 0.0)
    clock.t += 1.0
    assert store.save([reported("p", "a", Status.PUSHING, 1, 2, 1.0)]) is True


def test_row_by_row_encoding_is_the_same_json_as_one_dump() -> None:
    import json

    from pushwatch.store.state import COLUMNS, FORMAT_VERSION, _encode

    rows = [["p", "id1", 1.5, 1, "2026-01-01 00:00:00", 5, 10, 0, 'läbel "q"', [1.0, 2]], ["p", "id2", None, None,
            None, None, None, 1, "", []]]
    expected = {"version": FORMAT_VERSION, "saved_at": 7.25, "columns": COLUMNS, "tasks": rows}
    assert json.loads(_encode(7.25, rows)) == expected
    assert json.loads(_encode(7.25, [])) == {**expected, "tasks": []}
