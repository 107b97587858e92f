"""Export SVG screenshots of the real monitor on the demo campaign into screenshots/ (shown by the README).

    python scripts/export_screenshots.py [OUT_DIR]

The real app, engine, HTTP client and simulator run headless (`App.run_test`); only the clock is driven: the
simulator, the engine and the app all read one `ManualClock`, and each sweep is started by hand after moving
the clock on, so every run shows the same campaign at the same moments (a sweep's measured duration and
req/s, which are real time, may differ by a digit). The time zone is fixed for the same reason.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pushwatch.commands.demo import DemoOptions, DemoSetup  # noqa: E402
from pushwatch.errors import UserError  # noqa: E402
from pushwatch.simulator import ManualClock  # noqa: E402

T0 = 1_717_209_000.0  # 2024-06-01 10:30:00 CST: a campaign morning
SWEEPS = 10  # history for the details view's sparkline
STEP_S = 6.0  # simulated seconds between sweeps
DEADLINE_S = 30.0
SIZE = (120, 34)
SMALL = (80, 24)
DETAILS_LABEL = "spring-sale-sea"  # a task that is still pushing, so its sparkline climbs
PORT = 48_213  # a fixed port keeps the header identical between runs; a free one when it is taken


@dataclass
class Export:
    paths: list[Path] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)  # the secret key and every UserSig used while exporting


async def _wait(pilot, predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def _sweeps(app) -> int:
    last = app.status.profiles["demo"].last_sweep
    return 0 if last is None else last.number


async def _drive(app, pilot, clock: ManualClock) -> None:
    """The first sweep, then SWEEPS more, each after moving the clock on by STEP_S."""
    await _wait(pilot, lambda: _sweeps(app) >= 1, "the first sweep")
    for _ in range(SWEEPS):
        done = _sweeps(app)
        clock.advance(STEP_S)
        app.monitor.refresh_now()
        await _wait(pilot, lambda: _sweeps(app) > done, "a sweep")
    await pilot.pause(0.3)  # the 10 Hz frame timer folds the last events into the screen
    app.clear_notifications()
    await pilot.pause(0.15)


def _collect_secrets(app, export: Export) -> None:
    for poller in getattr(app.monitor, "pollers", {}).values():
        signer = getattr(poller.source, "signer", None)
        if signer is not None:
            export.secrets.update(signer.secrets())


async def _shoot(out: Path, size: tuple[int, int], shots: list[str], export: Export) -> None:
    clock = ManualClock(T0)
    options = DemoOptions(interval=3600.0, max_rps=100, seed=0, port=PORT)  # no sweep starts by itself after the first
    try:
        demo = DemoSetup.open(options, clock=clock)
    except UserError:
        demo = DemoSetup.open(replace(options, port=0), clock=clock)
    with closing(demo):
        export.secrets.add(demo.profile.secret_key or "")
        app = demo.build_app(handle_signals=False, theme="textual-dark")
        async with app.run_test(size=size) as pilot:
            await _drive(app, pilot, clock)
            _collect_secrets(app, export)
            suffix = "" if size == SIZE else f"-{size[0]}x{size[1]}"
            if "main" in shots:
                export.paths.append(Path(app.save_screenshot(f"main{suffix}.svg", str(out))))
            if "details" in shots:
                key = next(k for k in app.model.keys() if app.model.state(k).label == DETAILS_LABEL)
                index = app.model.index_of(key)
                assert index is not None
                await pilot.press("home")
                for _ in range(index):
                    await pilot.press("down")
                await pilot.press("enter")
                await pilot.pause(0.3)
                export.paths.append(Path(app.save_screenshot(f"details{suffix}.svg", str(out))))
                await pilot.press("escape")
                await pilot.pause(0.1)
            if "help" in shots:
                await pilot.press("question_mark")
                await pilot.pause(0.3)
                export.paths.append(Path(app.save_screenshot(f"help{suffix}.svg", str(out))))
            _collect_secrets(app, export)
            await pilot.press("q")
    export.secrets.discard("")


async def export_screenshots(out: Path) -> Export:
    """Write main.svg, details.svg, help.svg (120x34) and main-80x24.svg into `out`."""
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    out.mkdir(parents=True, exist_ok=True)
    export = Export()
    await _shoot(out, SIZE, ["main", "details", "help"], export)
    await _shoot(out, SMALL, ["main"], export)
    return export


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "screenshots"
    export = asyncio.run(export_screenshots(out))
    for path in export.paths:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
