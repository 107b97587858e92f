"""`pushwatch watch` through its real entry point: change lines, errors and recovery, signals, broken pipes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from pushwatch.api.models import ErrorKind, Report, Status
from pushwatch.cli import main
from pushwatch.commands import watch as watch_cmd
from pushwatch.engine.events import (
    ProfileState,
    StateChanged,
    SweepFinished,
    TaskFailed,
    TaskInvalid,
    TaskReported,
)
from pushwatch.engine.monitor import Monitor
from pushwatch.simulator import Fault, ManualClock, Simulator
from tests.commands.sim_env import apply_env, sim_env, subprocess_env
from tests.engine.conftest import FakeTime

PUSHING = "144115197002484901_2016053002_2016053006"
DONE = "144115197002484901_2016053001_2016053001"
PENDING = "144115197002484901_2016053003_2016053013"


@pytest.fixture
def env(simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    e = sim_env(simulator, tmp_path, PUSHWATCH_INTERVAL="1")
    apply_env(monkeypatch, e)
    return e


# ----- the line printer ---------------------------------------------------------------------------------


def _report(status: Status, finished: int | None = None, total: int | None = None) -> Report:
    return Report("t1", status, None, finished, total)


def test_printer_writes_one_line_per_change() -> None:
    out = io.StringIO()
    p = watch_cmd.LinePrinter(out, jsonl=True, show_profile=False)
    pending, a, b = _report(Status.NOT_STARTED), _report(Status.PUSHING, 5, 10), _report(Status.PUSHING, 7, 10)
    done = _report(Status.FINISHED, 9, 10)
    events = [
        TaskReported("p", pending, 1.0),  # first seen
        TaskReported("p", pending, 2.0, pending),  # nothing changed: no line
        TaskReported("p", a, 3.0, pending),  # status
        TaskReported("p", b, 4.0, a),  # progress
        TaskFailed("p", "t1", "90017 query failed", ErrorKind.RETRYABLE, 5.0, 90017),  # error
        TaskFailed("p", "t1", "90017 query failed", ErrorKind.RETRYABLE, 6.0, 90017),  # same error: no line
        TaskReported("p", b, 7.0, b),  # recovery
        TaskReported("p", done, 8.0, b),  # status
        TaskInvalid("p", "t2", 9.0),
        StateChanged("p", ProfileState.WAITING, "waiting 62 s", 10.0),
        SweepFinished("p", 3, 10, 1, 10, 0, 12.5, 11.0, overran=True),
        SweepFinished("p", 4, 10, 1, 10, 0, 0.5, 12.0),  # not slow: no line
    ]
    for e in events:
        p(e)
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["event"] for d in docs] == [
        "status", "status", "progress", "error", "recovery", "status", "invalid", "state", "slow",
    ]
    assert docs[2]["Finished"] == 7 and docs[2]["Total"] == 10 and docs[2]["TaskId"] == "t1"
    assert docs[3]["ErrorCode"] == 90017 and docs[3]["message"] == "90017 query failed"
    assert docs[7] == {"time": 10.0, "event": "state", "profile": "p", "state": "waiting", "message": "waiting 62 s"}


def test_plain_lines_name_the_change_and_show_incomplete() -> None:
    out = io.StringIO()
    p = watch_cmd.LinePrinter(out, jsonl=False, show_profile=True)
    p(TaskReported("prod", Report("t1", Status.FINISHED, None, 90, 100), 1.0))
    line = out.getvalue().strip()
    assert " status " in line and "[prod] t1 INCOMPLETE 90/100 90% (10 not pushed)" in line


def test_printer_survives_a_broken_pipe() -> None:
    class Closed(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError

    stopped = []
    p = watch_cmd.LinePrinter(Closed(), jsonl=False, show_profile=False, on_broken_pipe=lambda: stopped.append(1))
    p(StateChanged("p", ProfileState.LIVE, "live", 1.0))
    p(StateChanged("p", ProfileState.PAUSED, "paused", 2.0))
    assert stopped == [1] and p.broken


# ----- the real command, in process ---------------------------------------------------------------------


def test_watch_jsonl_end_to_end(
    env: dict[str, str],
    simulator: Simulator,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["add", PUSHING, DONE, PENDING, "bogus"]) == 0
    capsys.readouterr()
    fake = FakeTime(clock)
    monkeypatch.setattr(
        watch_cmd, "Monitor", partial(Monitor, poller_options={"sleep": fake.sleep, "monotonic": fake.monotonic})
    )

    class Scripted(watch_cmd.LinePrinter):
        def __call__(self, event: object) -> None:
            super().__call__(event)  # type: ignore[arg-type]
            if isinstance(event, SweepFinished):
                if event.number == 1:
                    simulator.faults.add(Fault.error(90017), times=5)  # sweep 2 exhausts its retries
                if event.number == 3:
                    os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would

    monkeypatch.setattr(watch_cmd, "LinePrinter", Scripted)
    assert main(["watch", "--jsonl"]) == 0
    out, err = capsys.readouterr()
    docs = [json.loads(line) for line in out.splitlines()]
    kinds = [(d["event"], d.get("TaskId")) for d in docs]
    first = kinds[: kinds.index(("state", None)) + 2]
    assert ("status", PUSHING) in first and ("status", DONE) in first and ("status", PENDING) in first
    assert ("invalid", "bogus") in kinds
    errors = [k for k in kinds if k[0] == "error"]
    assert sorted(t for _, t in errors) == sorted([PUSHING, PENDING])  # DONE is final: not polled any more
    recoveries = [k for k in kinds if k[0] == "recovery"]
    assert sorted(t for _, t in recoveries) == sorted([PUSHING, PENDING])
    assert kinds.index(errors[0]) < kinds.index(recoveries[0])
    states = [d["state"] for d in docs if d["event"] == "state"]
    assert states[0] == "live" and "backing off" in states and states[-1] == "live"
    assert "Traceback" not in err
    assert main(["list", "--json"]) == 0  # watch kept the last-known state for `list`
    listed = {t["TaskId"]: t for t in json.loads(capsys.readouterr().out)["Tasks"]}
    assert listed[PUSHING]["Status"] == 1 and listed[DONE]["Status"] == 2 and listed["bogus"].get("Invalid")


# ----- the real command, as a process -------------------------------------------------------------------


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pushwatch", "watch", *args],
        env=subprocess_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_stop_cleanly(env: dict[str, str], sig: signal.Signals) -> None:
    assert main(["add", PUSHING, DONE]) == 0
    proc = _start(env, "--plain")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # polling has started
        assert PUSHING in first or DONE in first or "polling" in first
        proc.send_signal(sig)
        rest, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err and err == ""


def test_a_closed_pipe_ends_quietly(env: dict[str, str], clock: ManualClock) -> None:
    assert main(["add", PUSHING]) == 0
    proc = _start(env, "--jsonl")
    try:
        assert proc.stdout is not None
        json.loads(proc.stdout.readline())
        proc.stdout.close()  # the reader leaves (like `| head -1`)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            clock.advance(5)  # keep the task moving so watch has something to write
            time.sleep(0.2)
        assert proc.returncode == 0
        assert proc.stderr is not None and proc.stderr.read() == ""
    finally:
        proc.kill()
