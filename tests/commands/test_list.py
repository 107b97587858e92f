"""`pushwatch list`: the watchlist with last-known state, as a table or JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pushwatch.api.models import Report, Status
from pushwatch.engine.events import TaskReported, TaskState
from pushwatch.store.state import StateStore


def reported(profile: str, report: Report, at: float = 1_700_000_000.0) -> TaskState:
    s = TaskState(report.task_id, profile)
    s.apply(TaskReported(profile, report, at))
    return s


def test_empty(run) -> None:
    r = run("list")
    assert r.code == 0 and "the watchlist is empty" in r.out
    assert json.loads(run("list", "--json").out) == {"TaskIds": [], "Tasks": []}


def test_table_and_json(run) -> None:
    run("add", "a", "b", "c", "--label", "sale")
    start = datetime(2023, 11, 15, 6, 13, 20)
    StateStore().save(
        [
            reported("default", Report("a", Status.FINISHED, start, 90, 100)),
            reported("default", Report("b", Status.PUSHING, start, 1500, 3000)),
        ]
    )
    table = run("list").out.splitlines()
    assert table[0].split() == ["TASK", "STATUS", "PUSHED", "SEEN", "LABEL"]
    assert table[1].split()[:3] == ["a", "INCOMPLETE", "90/100"]
    assert table[2].split()[:4] == ["b", "pushing", "1,500/3,000", "50%"]
    assert table[3].split()[:4] == ["c", "unknown", "never", "seen"]
    assert table[-1] == "3 tasks"
    doc = json.loads(run("list", "--json").out)
    assert doc["TaskIds"] == ["a", "b", "c"]
    a, b, c = doc["Tasks"]
    assert {k: a[k] for k in ("TaskId", "Status", "StartTime", "Finished", "Total")} == {
        "TaskId": "a", "Status": 2, "StartTime": "2023-11-15 06:13:20", "Finished": 90, "Total": 100,
    }
    assert (a["Profile"], a["Label"], a["ReportedAt"]) == ("default", "sale", 1_700_000_000.0)
    assert b["Status"] == 1 and "Status" not in c and c["TaskId"] == "c"


def test_profile_column_only_with_several_profiles(run, monkeypatch) -> None:
    run("add", "a")
    assert "PROFILE" not in run("list").out
    monkeypatch.setenv("PUSHWATCH_PROFILE", "other")
    run("add", "b")
    out = run("list").out
    assert out.splitlines()[0].split()[:2] == ["TASK", "PROFILE"] and "2 tasks in 2 profiles" in out
    assert json.loads(run("list", "--json", "--profile", "other").out)["TaskIds"] == ["b"]


def test_corrupt_watchlist_is_reported_and_list_continues(run, watchlist_path: Path) -> None:
    watchlist_path.parent.mkdir(parents=True)
    watchlist_path.write_text("oops = [")
    r = run("list", "--json")
    assert r.code == 1 and json.loads(r.out) == {"TaskIds": [], "Tasks": []}
    aside = next(watchlist_path.parent.glob("watchlist.toml.corrupt-*"))
    assert str(aside) in r.err and aside.read_text() == "oops = ["
