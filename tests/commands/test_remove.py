"""`pushwatch remove`: by ID, and `--finished` (complete ones only unless asked)."""

from __future__ import annotations

from pathlib import Path

from pushwatch.api.models import Report, Status
from pushwatch.engine.events import TaskInvalid, TaskReported, TaskState
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist


def ids_in(path: Path) -> list[str]:
    return [e.task_id for e in Watchlist(path).load()]


def test_remove_ids(run, watchlist_path: Path) -> None:
    run("add", "a", "b", "c", "d")
    r = run("remove", "b", "zz", "d", "yy")
    assert r.code == 0 and r.out == "removed 2 tasks; watching 2 in all\n"
    assert r.err == "pushwatch: not in the watchlist: zz, yy\n"
    assert ids_in(watchlist_path) == ["a", "c"]


def test_remove_from_stdin(run, watchlist_path: Path) -> None:
    run("add", "a", "b", "c")
    run("remove", "-", stdin="a,\r\nc\n")
    assert ids_in(watchlist_path) == ["b"]


def state(profile: str, task_id: str, status: Status | None, finished: int | None = None, total: int | None = None) -> TaskState:
    s = TaskState(task_id, profile)
    if status is None:
        s.apply(TaskInvalid(profile, task_id, 1.0))
    else:
        s.apply(TaskReported(profile, Report(task_id, status, None, finished, total), 1.0))
    return s


def setup_campaign(run, isolated: Path) -> None:
    run("add", "done", "short", "pushing", "pending", "unknown", "bad", "done_nototal")
    StateStore().save(
        [
            state("default", "done", Status.FINISHED, 100, 100),
            state("default", "short", Status.FINISHED, 90, 100),
            state("default", "pushing", Status.PUSHING, 100, 100),
            state("default", "pending", Status.NOT_STARTED),
            state("default", "bad", None),
            state("default", "done_nototal", Status.FINISHED),
        ]
    )


def test_remove_finished_keeps_incomplete(run, isolated: Path, watchlist_path: Path) -> None:
    setup_campaign(run, isolated)
    r = run("remove", "--finished")
    assert r.code == 0 and r.out == "removed 1 finished task; watching 6 in all\n"
    assert "kept 1 incomplete task (finished short of Total); add --include-incomplete" in r.err
    assert ids_in(watchlist_path) == ["short", "pushing", "pending", "unknown", "bad", "done_nototal"]


def test_remove_finished_including_incomplete(run, isolated: Path, watchlist_path: Path) -> None:
    setup_campaign(run, isolated)
    r = run("remove", "--finished", "--include-incomplete")
    assert r.out == "removed 2 finished tasks; watching 5 in all\n" and r.err == ""
    assert ids_in(watchlist_path) == ["pushing", "pending", "unknown", "bad", "done_nototal"]


def test_remove_finished_respects_profile(run, isolated: Path, watchlist_path: Path, monkeypatch) -> None:
    run("add", "x")
    monkeypatch.setenv("PUSHWATCH_PROFILE", "other")
    run("add", "x")
    StateStore().save([state("default", "x", Status.FINISHED, 5, 5), state("other", "x", Status.FINISHED, 5, 5)])
    r = run("remove", "--finished", "--profile", "other")
    assert r.out.startswith("removed 1 finished task")
    assert [(e.task_id, e.profile) for e in Watchlist(watchlist_path).load()] == [("x", "default")]


def test_remove_mistakes(run) -> None:
    assert run("remove").err == "pushwatch: no task IDs given (or use --finished)\n"
    assert run("remove", "a", "--finished").err == "pushwatch: give either task IDs or --finished, not both\n"
    r = run("remove", "--include-incomplete")
    assert r.code == 2 and r.err == "pushwatch: --include-incomplete only goes with --finished\n"
