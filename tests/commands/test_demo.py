"""`pushwatch demo`: its temporary folder, its campaign through the real engine and app, and a clean exit.

The real terminal run (tmux, signals, keys) is in tests/e2e/test_tmux.py.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from pushwatch.commands.demo import INVALID_ID, PROFILE_NAME, DemoOptions, DemoSetup
from pushwatch.simulator import DEMO_SECRET_KEY
from pushwatch.tui.table_model import Category

DEADLINE_S = 20.0  # a slow CI machine; the first sweep normally takes well under a second


async def wait_until(pilot, predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def test_demo_fills_a_temporary_watchlist_and_removes_it_on_close() -> None:
    with DemoSetup.start(DemoOptions()) as demo:
        root = demo.root
        entries = demo.watchlist.load()
        ids = [e.task_id for e in entries]
        assert demo.watchlist.path.is_relative_to(root) and demo.state_store.path.is_relative_to(root)
        assert set(ids) == set(demo.simulator.campaign.ids()) | {INVALID_ID}
        assert INVALID_ID not in demo.simulator.campaign
        assert all(e.profile == PROFILE_NAME for e in entries)
        assert all(e.label for e in entries), "every demo task has a label"
        assert demo.simulator.running
        assert demo.profile.endpoint == demo.simulator.url
        assert demo.profile.secret_key == DEMO_SECRET_KEY
    assert not root.exists()
    assert not demo.simulator.running


def test_demo_never_touches_the_users_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_data, real_config = tmp_path / "real-data", tmp_path / "real-config"
    real_data.mkdir()
    real_config.mkdir()
    (real_data / "watchlist.toml").write_text("not even toml [", encoding="utf-8")
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(real_data))
    monkeypatch.setenv("PUSHWATCH_CONFIG_DIR", str(real_config))
    before = {p: p.read_bytes() for p in real_data.rglob("*")}
    with DemoSetup.start(DemoOptions()) as demo:
        assert not demo.root.is_relative_to(tmp_path)
        assert len(demo.watchlist.load()) == len(demo.simulator.campaign) + 1
    assert {p: p.read_bytes() for p in real_data.rglob("*")} == before
    assert list(real_config.iterdir()) == []


def test_generated_campaign_size_and_options_reach_the_profile() -> None:
    options = DemoOptions(tasks=1200, interval=0.5, max_rps=50, latency_ms=5, invalid_id=False)
    with DemoSetup.start(options) as demo:
        assert len(demo.watchlist.load()) == 1200
        assert demo.profile.interval == 0.5 and demo.profile.max_rps == 50
        assert demo.simulator.latency == pytest.approx(0.005)
        labels = {e.label for e in demo.watchlist.entries}
        assert "" in labels and len(labels) > 3


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--tasks", "0"], "--tasks"),
        (["--interval", "0"], "--interval"),
        (["--max-rps", "101"], "--max-rps"),
        (["--latency", "-1"], "--latency"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(run, argv: list[str], message: str) -> None:
    result = run("demo", *argv)
    assert result.code == 2
    assert result.err.startswith("pushwatch: ") and message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_run_opens_the_app_inside_the_demo_folder_then_cleans_up(
    run, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    from pushwatch.tui.app import PushwatchApp

    seen: dict[str, object] = {}

    def fake_run(self: PushwatchApp, *args: object, **kwargs: object) -> int:
        seen["data"] = os.environ["PUSHWATCH_DATA_DIR"]
        seen["config"] = os.environ["PUSHWATCH_CONFIG_DIR"]
        seen["watchlist"] = Path(self.watchlist.path)  # type: ignore[attr-defined]
        seen["rows"] = len(self.watchlist.load())
        seen["profiles"] = dict(self.profiles)
        return 0

    monkeypatch.setattr(PushwatchApp, "run", fake_run)
    result = run("demo", "--interval", "3")
    assert result.code == 0, result.err
    demo_data = Path(str(seen["data"]))
    assert seen["watchlist"] == demo_data / "watchlist.toml"
    assert not demo_data.is_relative_to(isolated) and not demo_data.exists()
    assert os.environ["PUSHWATCH_DATA_DIR"] == str(isolated / "data"), "the environment is restored"
    assert seen["rows"] == 15
    profile = seen["profiles"][PROFILE_NAME]  # type: ignore[index]
    assert profile.interval == 3
    assert DEMO_SECRET_KEY not in result.out + result.err


async def test_demo_app_shows_every_state_through_the_real_engine() -> None:
    with DemoSetup.start(DemoOptions(interval=0.5)) as demo:
        app = demo.build_app(handle_signals=False, theme="textual-dark")
        async with app.run_test(size=(100, 30)) as pilot:
            def counts() -> dict[Category, int]:
                summary = app.model.summary()
                return {c: summary.count(c) for c in Category}

            await wait_until(pilot, lambda: counts()[Category.WAITING] == 0, "every task to be answered")
            got = counts()
            assert got[Category.INVALID] == 1
            assert got[Category.INCOMPLETE] >= 2
            assert got[Category.PUSHING] >= 3
            assert got[Category.PENDING] >= 2
            assert got[Category.DONE] >= 2
            assert got[Category.ERROR] == 0
            assert app.model.state((PROFILE_NAME, INVALID_ID)) is not None
            assert app.model.key_at(0) is not None
            assert app.model.state(app.model.key_at(0)).task_id != INVALID_ID, "incomplete tasks come first"


async def test_ctrl_c_quits_the_demo_app() -> None:
    with DemoSetup.start(DemoOptions()) as demo:
        app = demo.build_app(handle_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+c")
            await asyncio.wait_for(_exited(app), DEADLINE_S)
        assert app.return_code == 0


async def _exited(app) -> None:
    while app.is_running:
        await asyncio.sleep(0.02)
