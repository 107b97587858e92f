"""The fault matrix through `pushwatch watch --plain` as a real subprocess (one process for the whole table).

For every fault the process keeps running and prints where a log reader looks: a `backing` line naming the
error while it retries, an `error` line per task once its data is stale, a `recovery` line per task when
the fault clears. The watchlist file is byte-identical afterwards; stderr holds no traceback.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pushwatch.simulator import Simulator
from pushwatch.store.watchlist import Watchlist
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID
from tests.faults.conftest import make_simulator, wait_sync
from tests.faults.matrix import CASES, IDS, INTERVAL_S, Expect, FaultCase

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("fastcli.py")
QUIET_KINDS = ("error", "invalid", "stopped")


@dataclass
class Watch:
    sim: Simulator
    proc: subprocess.Popen
    watchlist: Path
    before: bytes
    stderr: Path
    lines: list[str] = field(default_factory=list)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.rstrip("\n"))

    def since(self, mark: int, kind: str | None = None) -> list[tuple[str, str]]:
        """(kind, rest of line) after `mark`; a plain line is `date time kind text`."""
        out = []
        for line in self.lines[mark:]:
            parts = line.split(None, 3)
            if len(parts) < 3:
                continue
            k, text = parts[2], parts[3] if len(parts) > 3 else ""
            if kind is None or k == kind:
                out.append((k, text))
        return out

    def ids_with(self, mark: int, kinds: tuple[str, ...], pattern: re.Pattern[str] | None = None) -> set[str]:
        got = set()
        for k, text in self.since(mark):
            if k in kinds and (pattern is None or pattern.search(text)):
                got.add(text.split(None, 1)[0])
        return got


@pytest.fixture(scope="module")
def watch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watch]:
    folder = tmp_path_factory.mktemp("watch-faults")
    sim = make_simulator()
    sim.start()
    data = folder / "data"
    Watchlist(data / "watchlist.toml").add(IDS, profile="default", label="spring sale")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PUSHWATCH_")}
    env.update({
        "PUSHWATCH_ENDPOINT": sim.url, "PUSHWATCH_SDKAPPID": str(SIM_SDKAPPID), "PUSHWATCH_IDENTIFIER": SIM_ADMIN,
        "PUSHWATCH_SECRET_KEY": SIM_KEY, "PUSHWATCH_CONFIG_DIR": str(folder / "config"),
        "PUSHWATCH_DATA_DIR": str(data), "PUSHWATCH_INTERVAL": str(INTERVAL_S), "PUSHWATCH_MAX_RPS": "100",
        "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
    })
    stderr = folder / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(LAUNCHER), "watch", "--plain"], stdout=subprocess.PIPE,
                                stderr=err, env=env, cwd=folder, text=True, encoding="utf-8")
    w = Watch(sim, proc, data / "watchlist.toml", (data / "watchlist.toml").read_bytes(), stderr)
    reader = threading.Thread(target=w.read, daemon=True)
    reader.start()
    try:
        yield w
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        reader.join(timeout=5)
        sim.stop()
    errors = stderr.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in errors, errors[-2000:]
    assert code == 0, (code, errors[-500:])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_watch_line_log_survives_and_recovers(case: FaultCase, watch: Watch) -> None:
    sim = watch.sim
    sim.faults.clear()
    if not sim.running:
        sim.start()
    start = len(watch.lines)
    wait_sync(lambda: watch.ids_with(start, ("progress", "status", "recovery")) == set(IDS), "healthy progress")
    mark = len(watch.lines)
    token = case.inject(sim)
    pattern = re.compile(case.shows) if case.shows else None
    if case.expect is Expect.STALE:
        wait_sync(lambda: watch.ids_with(mark, ("error",), pattern) == set(IDS), "an error line per task")
        backing = [text for _, text in watch.since(mark, "backing")]
        assert any(pattern.search(t) for t in backing), backing
    elif case.expect is Expect.BLIP:
        wait_sync(lambda: any(pattern.search(t) for k, t in watch.since(mark) if k in ("backing", "error")),
                  "a line naming the error")
    else:
        wait_sync(lambda: case.exercised(sim, token), "the fault to happen")
    assert watch.proc.poll() is None, "watch must keep running"

    case.clear(sim, token)
    cleared = len(watch.lines)
    failed = watch.ids_with(mark, ("error",))
    wait_sync(lambda: failed <= watch.ids_with(cleared, ("recovery",)), "a recovery line per failed task")
    wait_sync(lambda: watch.ids_with(cleared, ("progress", "recovery")) == set(IDS), "progress again")
    if case.expect is Expect.NONE:
        noisy = [(k, t) for k, t in watch.since(mark) if k in QUIET_KINDS or re.search("retrying|slowed", t)]
        assert noisy == []
    assert watch.proc.poll() is None
    assert watch.watchlist.read_bytes() == watch.before
