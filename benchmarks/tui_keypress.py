"""Key press -> updated screen, with 10,000 watched tasks being swept (run by hand; figures go in RESULTS.md).

    python benchmarks/tui_keypress.py [--tasks 10000] [--presses 200] [--max-rps 100] [--interval 0.5]

The real app, engine, HTTP client and simulator run in one process (the app headless at 120x40); with
`--external-sim` the simulator is a separate `pushwatch simulate` process, as a remote server would be, so
its threads do not compete with the app for the GIL. A press is
posted as a Key event; its latency ends at the first screen update (`App._display`) that shows the moved
cursor. Headless Textual skips turning the update into terminal bytes, so the hook does that work too
(`render_segments`), as a real terminal run would. Presses are spaced 30-120 ms apart at random so they land
at every point of the sweeps.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events  # noqa: E402
from textual._compositor import CompositorUpdate  # noqa: E402

from pushwatch.commands.demo import DemoOptions, DemoSetup  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def bench(
    tasks: int, presses: int, max_rps: int, interval: float, seed: int, save_state: bool = True,
    external_sim: bool = False,
) -> dict[str, float]:
    rng = random.Random(seed)
    with _setup(tasks, interval, max_rps, seed, external_sim) as build:
        app = build(handle_signals=False, theme="textual-dark", tune_gc=True)
        if not save_state:
            app.state_store = None  # to measure what the periodic last-known-state save costs the UI
        paints: list[tuple[float, int | None]] = []
        paint_cost: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            original = app._display

            def display(screen, renderable) -> None:
                start = time.perf_counter()
                original(screen, renderable)
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(app.console)
                now = time.perf_counter()
                paint_cost.append(now - start)
                paints.append((now, app.model.cursor_index))

            app._display = display  # type: ignore[method-assign]

            started = time.monotonic()
            while len(app.model) < tasks or app.model.summary().counts.get(_waiting(), 0) > tasks // 2:
                if time.monotonic() - started > 120:
                    raise SystemExit("the first sweeps did not arrive within 120 s")
                await asyncio.sleep(0.1)
            setup_s = time.monotonic() - started
            sweeps_before = _sweeps(app)

            latencies: list[float] = []
            missed = 0
            for n in range(presses):
                await asyncio.sleep(rng.uniform(0.03, 0.12))
                key = "pagedown" if n % 4 == 3 else "down"
                before = app.model.cursor_index or 0
                if before > len(app.model) - 200:
                    app.post_message(events.Key("home", None))
                    await asyncio.sleep(0.2)
                    before = app.model.cursor_index or 0
                mark = len(paints)
                t0 = time.perf_counter()
                app.post_message(events.Key(key, None))
                deadline = t0 + 5.0
                while True:
                    hit = next((t for t, cur in paints[mark:] if cur is not None and cur != before), None)
                    if hit is not None:
                        latencies.append(hit - t0)
                        break
                    if time.perf_counter() > deadline:
                        missed += 1
                        break
                    await asyncio.sleep(0.0005)
            sweeps = _sweeps(app) - sweeps_before
            await pilot.press("q")
    return {
        "tasks": tasks,
        "presses": len(latencies),
        "missed": missed,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
        "paint_median_ms": statistics.median(paint_cost) * 1000,
        "paint_p95_ms": pct(paint_cost, 0.95) * 1000,
        "sweeps_during": sweeps,
        "setup_s": setup_s,
    }


def _waiting():
    from pushwatch.tui.table_model import Category

    return Category.WAITING


def _sweeps(app) -> int:
    last = next(iter(app.status.profiles.values())).last_sweep
    return 0 if last is None else last.number


@contextlib.contextmanager
def _setup(tasks: int, interval: float, max_rps: int, seed: int, external_sim: bool):
    """Yield a function building the app: on the demo (simulator in process) or against a simulator process."""
    if not external_sim:
        with DemoSetup.start(DemoOptions(tasks=tasks, interval=interval, max_rps=max_rps, seed=seed)) as demo:
            yield demo.build_app
        return
    from benchmarks.tui_idle_cpu import _external_simulator
    from pushwatch.engine.profile import Profile
    from pushwatch.store.state import StateStore
    from pushwatch.store.watchlist import Watchlist
    from pushwatch.tui.app import build_app, engine_factory

    work = Path(tempfile.mkdtemp(prefix="pw-keys-"))
    sim, env = _external_simulator(work, tasks, interval)
    try:
        profile = Profile("default", int(env["PUSHWATCH_SDKAPPID"]), env["PUSHWATCH_IDENTIFIER"],
                          secret_key=env["PUSHWATCH_SECRET_KEY"], endpoint=env["PUSHWATCH_ENDPOINT"],
                          max_rps=max_rps, interval=interval)
        profiles = {"default": profile}
        data = Path(env["PUSHWATCH_DATA_DIR"])
        yield lambda **options: build_app(
            engine_factory(profiles), profiles=profiles, watchlist=Watchlist(data / "watchlist.toml"),
            state_store=StateStore(data / "state.json"), **options)
    finally:
        sim.terminate()
        sim.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--presses", type=int, default=200)
    p.add_argument("--max-rps", type=int, default=100)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-state-save", action="store_true", help="skip the app's periodic state save (diagnosis)")
    p.add_argument("--external-sim", action="store_true", help="the simulator in its own process")
    args = p.parse_args()
    r = asyncio.run(bench(args.tasks, args.presses, args.max_rps, args.interval, args.seed, not args.no_state_save,
                          args.external_sim))
    print(
        f"{r['tasks']} tasks, {r['presses']} presses ({r['missed']} missed), {r['sweeps_during']} sweeps meanwhile: "
        f"key -> screen median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms; "
        f"one screen update median {r['paint_median_ms']:.1f} ms, p95 {r['paint_p95_ms']:.1f} ms "
        f"(first sweep after {r['setup_s']:.1f} s)"
    )


if __name__ == "__main__":
    main()
