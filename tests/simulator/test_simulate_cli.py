"""`pushwatch simulate` as a user runs it: a real process, real requests, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pushwatch import cli
from pushwatch.api.usersig import generate
from pushwatch.simulator import API_PATH, DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str], env_key: str | None) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k != "PUSHWATCH_SECRET_KEY"}
    if env_key is not None:
        env["PUSHWATCH_SECRET_KEY"] = env_key
    proc = subprocess.Popen(
        [sys.executable, "-m", "pushwatch", "simulate", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    fields: dict[str, str] = {}
    deadline = time.monotonic() + 15
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] in ("SDKAppID", "identifier", "endpoint", "secret"):
            fields[parts[0]] = parts[1].strip()
        if line.strip() == "pushwatch":  # the banner's last line
            break
    assert "endpoint" in fields, f"no banner: {fields}"
    return proc, fields


def _interrupt(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    return proc.returncode, out, err


def _post(endpoint: str, key: str, identifier: str, sdkappid: int, ids: list[str]) -> dict:
    params = {
        "usersig": generate(key, identifier, sdkappid),
        "identifier": identifier,
        "sdkappid": str(sdkappid),
        "random": "1",
        "contenttype": "json",
    }
    r = httpx.post(endpoint + API_PATH, params=params, content=json.dumps({"TaskIds": ids}), timeout=5)
    return r.json()


def test_serves_the_ids_file_with_the_key_from_the_environment(tmp_path: Path) -> None:
    key = "env-secret-key-for-cli-test-91b2"
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("1_2_3\n\n  odd-id  \n1_2_3\n4_5_6\n", encoding="utf-8")
    proc, fields = _start(["--ids", str(ids_file), "--sdkappid", "1400000555", "--admin", "ops"], key)
    try:
        assert fields["SDKAppID"] == "1400000555" and fields["identifier"] == "ops"
        assert fields["endpoint"].startswith("http://127.0.0.1:")
        doc = _post(fields["endpoint"], key, "ops", 1400000555, ["1_2_3", "odd-id", "4_5_6"])
        assert doc["ErrorCode"] == 0 and [r["TaskId"] for r in doc["Reports"]] == ["1_2_3", "odd-id", "4_5_6"]
        assert _post(fields["endpoint"], key, "ops", 1400000555, ["7_8_9"])["ErrorCode"] == 90016
        assert _post(fields["endpoint"], DEMO_SECRET_KEY, "ops", 1400000555, ["1_2_3"])["ErrorCode"] == 70009
    finally:
        code, out, err = _interrupt(proc)
    assert code == 0, err
    assert "Traceback" not in err and err == ""
    assert "stopped after 3 requests" in out
    assert key not in out and key not in err
    assert "usersig=" not in (out + err).lower()
    assert "not shown" in fields["secret"]


def test_demo_key_is_printed_and_generated_tasks_can_be_saved(tmp_path: Path) -> None:
    saved = tmp_path / "served.txt"
    proc, fields = _start(["--tasks", "25", "--seed", "3", "--save-ids", str(saved), "--max-rps", "50"], None)
    try:
        assert DEMO_SECRET_KEY in fields["secret"]
        ids = saved.read_text(encoding="utf-8").split()
        assert len(ids) == 25
        doc = _post(fields["endpoint"], DEMO_SECRET_KEY, DEMO_ADMIN, DEMO_SDKAPPID, ids)
        assert doc["ErrorCode"] == 0 and len(doc["Reports"]) == 25
    finally:
        code, out, err = _interrupt(proc)
    assert code == 0 and "Traceback" not in err


def test_faults_from_the_command_line() -> None:
    proc, fields = _start(["--fault", "90017=1"], None)
    try:
        doc = _post(fields["endpoint"], DEMO_SECRET_KEY, DEMO_ADMIN, DEMO_SDKAPPID, ["x"])
        assert doc["ErrorCode"] == 90017
    finally:
        code, _, err = _interrupt(proc)
    assert code == 0 and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "90017"], "CODE=P"),
        (["--fault", "bogus=0.1"], "unknown fault"),
        (["--fault", "502=2"], "probability"),
        (["--ids", "/nonexistent/ids.txt"], "cannot read"),
        (["--latency", "-5"], "--latency"),
        (["--tasks", "0"], "--tasks"),
        (["--port", "70000"], "--port"),
    ],
)
def test_user_mistakes_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_empty_ids_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    assert cli.main(["simulate", "--ids", str(empty)]) == 2
    assert "no task IDs" in capsys.readouterr().err
