"""The fault matrix through the running TUI (Pilot), built as `pushwatch` builds it (commands/monitor.py):
`build_app(engine_factory(profiles), watchlist=Watchlist(), state_store=StateStore(), ...)` with the real
engine polling the simulator; only the client timeout, retry delays and interval are shrunk.

For every fault the app keeps running; the header shows the polling state (backing off while retrying),
every row keeps its last-known data marked stale (⚠) with the error, the summary counts the stale rows, and
all of it clears by itself when the fault does. The watchlist file is byte-identical afterwards.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pushwatch.api.client import ReportClient
from pushwatch.config import resolve_profiles
from pushwatch.engine.events import ProfileState
from pushwatch.engine.profile import Profile
from pushwatch.simulator import Simulator
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist
from pushwatch.tui.app import build_app, engine_factory
from pushwatch.tui.format import STALE_MARK
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID
from tests.faults.conftest import until
from tests.faults.matrix import CASES, CLIENT_TIMEOUT_S, FAST_POLICY, IDS, INTERVAL_S, Expect, FaultCase
from tests.tui.tui_helpers import screen_text


def fast_source(profile: Profile) -> ReportClient:
    return ReportClient(profile.endpoints, profile.signer(), timeout=CLIENT_TIMEOUT_S)


def make_app(sim: Simulator, folder: Path):
    env = {"PUSHWATCH_ENDPOINT": sim.url, "PUSHWATCH_SDKAPPID": str(SIM_SDKAPPID),
           "PUSHWATCH_IDENTIFIER": SIM_ADMIN, "PUSHWATCH_SECRET_KEY": SIM_KEY, "PUSHWATCH_MAX_RPS": "100",
           "PUSHWATCH_CONFIG_DIR": str(folder / "config"), "PUSHWATCH_DATA_DIR": str(folder / "data")}
    profiles = {n: dataclasses.replace(p, interval=INTERVAL_S)
                for n, p in resolve_profiles(["default"], env=env).items()}
    watchlist = Watchlist(folder / "data" / "watchlist.toml")
    watchlist.add(IDS, profile="default", label="spring sale")
    app = build_app(
        engine_factory(profiles, source_factory=fast_source, poller_options={"policy": FAST_POLICY}),
        profiles=profiles,
        watchlist=watchlist,
        state_store=StateStore(folder / "data" / "state.json"),
        default_profile="default",
        theme="textual-dark",
        handle_signals=False,
    )
    return app, watchlist


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_tui_survives_shows_and_recovers(case: FaultCase, fault_sim: Simulator, tmp_path: Path) -> None:
    app, watchlist = make_app(fault_sim, tmp_path)
    before = watchlist.path.read_bytes()
    pattern = re.compile(case.shows) if case.shows else None

    def states():
        return [app.model.state(("default", tid)) for tid in IDS]

    def fresh() -> bool:
        return all(s is not None and s.report is not None and not s.stale and not s.error for s in states())

    async with app.run_test(size=(160, 30)) as pilot:
        await until(fresh, "first reports on screen")
        seen = {tid: app.model.state(("default", tid)).reported_at for tid in IDS}
        token = case.inject(fault_sim)
        if case.expect is Expect.STALE:
            await until(lambda: all(s.stale and pattern.search(s.error) for s in states()), "stale rows with the error")
            assert app.model.summary().stale == len(IDS)
            await until(lambda: f"{STALE_MARK} {len(IDS)} stale" in screen_text(app), "the summary's stale count")
            text = screen_text(app)
            header = text.split("\n", 1)[0]
            assert "backing off" in header
            assert "default: " in header  # the reason is in the header too, not only in each row
            for state in states():
                row = next(line for line in text.split("\n") if state.task_id in line)
                assert row.startswith(STALE_MARK) and state.error[:8] in row, row  # marker and "Last error"
        elif case.expect is Expect.BLIP:
            await until(lambda: app.status.profiles["default"].state is ProfileState.BACKING_OFF
                        or any(s.error for s in states()), "backing off")
        else:
            await until(lambda: case.exercised(fault_sim, token), "the fault to happen")
        assert app.is_running and app.status.engine_error == ""

        case.clear(fault_sim, token)
        await until(lambda: fresh() and all(s.reported_at > seen[s.task_id] for s in states()), "fresh rows again")
        await pilot.pause()
        assert app.is_running and app.status.engine_error == ""
        assert app.status.profiles["default"].state is not ProfileState.STOPPED
        await until(lambda: "stale" not in screen_text(app).split("\n", 3)[1], "the stale count gone")
        if case.expect is Expect.NONE:
            assert app.model.summary().stale == 0
        await pilot.press("q")
    assert watchlist.path.read_bytes() == before
    assert (tmp_path / "data" / "state.json").exists()  # the last-known state was saved on the way out
