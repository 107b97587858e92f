"""`pushwatch report` through its real entry point against the simulator: output, JSON shape, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from pushwatch.cli import main
from pushwatch.commands import report as report_cmd
from pushwatch.engine.backoff import RetryPolicy
from pushwatch.engine.poller import Poller
from pushwatch.simulator import Fault, ManualClock, Simulator
from tests.commands.sim_env import apply_env, sim_env, subprocess_env
from tests.conftest import SIM_KEY

INCOMPLETE = "144115197002484901_2016053001_2016053003"
PUSHING = "144115197002484901_2016053002_2016053006"
PENDING = "144115197002484901_2016053003_2016053013"
DONE = "144115197002484901_2016053001_2016053001"


@pytest.fixture
def env(simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    e = sim_env(simulator, tmp_path)
    apply_env(monkeypatch, e)
    return e


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_cmd, "Poller", partial(Poller, policy=RetryPolicy(base=0.001, cap=0.002)))


def test_table_of_given_ids(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", DONE, INCOMPLETE, PUSHING, PENDING]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["TASK", "STATUS", "PUSHED", "STARTED"]
    assert [line.split()[0] for line in lines[1:5]] == [DONE, INCOMPLETE, PUSHING, PENDING]  # given order
    assert "INCOMPLETE" in lines[2] and "not pushed" in lines[2]
    assert lines[1].split()[1:3] == ["finished", "900/900"]
    assert lines[4].split()[1:] == ["pending"]
    assert lines[-1] == "4 tasks: 1 pushing, 1 pending, 2 finished (1 INCOMPLETE)"
    assert err == ""


def test_json_document_matches_the_server(
    env: dict[str, str], simulator: Simulator, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = simulator.campaign.ids()
    assert main(["report", "--json", *ids]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"Reports", "Errors"} and doc["Errors"] == []
    assert doc["Reports"] == [simulator.campaign.report(t, clock()) for t in ids]  # API field names and values


def test_unknown_id_fails_with_exit_1_and_one_line(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--json", PUSHING, "no-such-task", DONE]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert [r["TaskId"] for r in doc["Reports"]] == [PUSHING, DONE]
    assert doc["Errors"] == [
        {"TaskIds": ["no-such-task"], "ErrorCode": 90016, "ErrorInfo": doc["Errors"][0]["ErrorInfo"]}
    ]
    assert "invalid" in doc["Errors"][0]["ErrorInfo"]
    assert err.count("\n") == 1 and "no-such-task" in err and "Traceback" not in err


def test_report_of_the_watchlist(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", PUSHING, PENDING]) == 0
    capsys.readouterr()
    assert main(["report", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["TaskId"] for r in doc["Reports"]] == [PUSHING, PENDING]


def test_empty_watchlist_is_an_empty_document(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"Reports": [], "Errors": []}
    assert "watchlist is empty" in err


def test_ids_from_stdin(env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PUSHING},{DONE}\n{PUSHING}\n"))
    assert main(["report", "--json", "-"]) == 0
    assert [r["TaskId"] for r in json.loads(capsys.readouterr().out)["Reports"]] == [PUSHING, DONE]


def test_fatal_error_is_one_actionable_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", "a-wrong-secret-key-for-this-app")
    assert main(["report", PUSHING, DONE]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "check the secret key" in err and "2 tasks" in err
    assert "a-wrong-secret-key-for-this-app" not in err


def test_transient_failures_are_retried(
    env: dict[str, str], simulator: Simulator, fast_retries: None, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator.faults.add(Fault.http(502), times=2)
    assert main(["report", PUSHING]) == 0
    assert simulator.requests.total == 3


def test_retries_exhausted_exit_1(
    env: dict[str, str], simulator: Simulator, fast_retries: None, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator.faults.add(Fault.error(90017))
    assert main(["report", "--json", PUSHING, DONE]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["Reports"] == []
    assert doc["Errors"][0]["TaskIds"] == [PUSHING, DONE] and doc["Errors"][0]["ErrorCode"] == 90017
    assert err.count("\n") == 1 and "Traceback" not in err


def test_network_failure_has_code_minus_1(
    env: dict[str, str], fast_retries: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PUSHWATCH_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    assert main(["report", "--json", PUSHING]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["Errors"][0]["ErrorCode"] == -1
    assert "cannot connect" in err


def test_missing_configuration_is_exit_2(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUSHWATCH_SDKAPPID")
    assert main(["report", PUSHING]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sdkappid" in err.lower()


def test_as_a_subprocess(env: dict[str, str], simulator: Simulator) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pushwatch", "report", "--json", PUSHING, "bogus"],
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [r["TaskId"] for r in doc["Reports"]] == [PUSHING]
    assert doc["Errors"][0]["TaskIds"] == ["bogus"]
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert SIM_KEY not in proc.stdout + proc.stderr
