"""The monitor app over the real engine, store and HTTP client against the loopback simulator."""

from __future__ import annotations

import asyncio

from pushwatch.api.client import ReportClient
from pushwatch.engine.profile import Profile
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist
from pushwatch.tui.app import build_app, engine_factory
from pushwatch.tui.table_model import Category

SIM_ADMIN = "administrator"
BAD_ID = "999999_0000000000_0000000000"


async def wait_for(pilot, app, predicate, timeout: float = 10.0) -> None:
    """Poll the app until `predicate()` holds (the engine runs on real sockets)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out waiting for the engine"
        await asyncio.sleep(0.05)
    app._frame()
    await pilot.pause()


async def test_real_engine_fills_every_state_and_quit_saves_it(simulator, campaign, clock, tmp_path):
    profile = Profile("default", simulator.sdkappid, identifier=SIM_ADMIN, endpoint=simulator.url,
                      secret_key="unused", interval=0.2, max_rps=50)
    watchlist = Watchlist(tmp_path / "watchlist.toml", clock=clock)
    watchlist.add(campaign.ids(), profile="default", label="campaign")
    watchlist.add([BAD_ID], profile="default", label="typo")
    store = StateStore(tmp_path / "state.json", clock=clock)

    def source(p: Profile) -> ReportClient:
        return ReportClient(p.endpoints, simulator.signer(SIM_ADMIN))

    app = build_app(engine_factory({"default": profile}, source_factory=source, clock=clock),
                    profiles={"default": profile}, watchlist=watchlist, state_store=store, clock=clock,
                    theme="textual-dark", handle_signals=False)
    async with app.run_test(size=(120, 40)) as pilot:
        n = len(campaign.ids()) + 1
        await wait_for(pilot, app, lambda: app.model.summary().count(Category.WAITING) == 0
                       and app.model.summary().rows == n)
        summary = app.model.summary()
        assert summary.count(Category.INVALID) == 1
        assert app.model.state(("default", BAD_ID)).invalid
        states = {c for c in Category if summary.count(c)}
        assert {Category.PUSHING, Category.PENDING, Category.DONE, Category.INCOMPLETE} <= states
        assert app.model.key_at(0) and app.model.state(app.model.key_at(0)).report.incomplete
        assert "● live" in app.query_one("#header").render().plain
        # a change made by another process (`pushwatch add` in another pane) shows up
        other = Watchlist(tmp_path / "watchlist.toml", clock=clock)
        other.remove([BAD_ID])
        app._slow_tick()
        assert app.model.state(("default", BAD_ID)) is None
        await pilot.press("q")
    saved = StateStore(tmp_path / "state.json").load()
    assert len(saved) == n - 1 and all(s.report is not None for s in saved.values())
