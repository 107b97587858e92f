"""`pushwatch demo`: the live monitor against the built-in simulator, with a campaign that shows every state.

Everything lives in a fresh temporary folder (watchlist, last-known state, config dir) that is removed on exit,
and the paths are passed explicitly, so the demo never reads or touches the user's real watchlist or config,
whatever the environment says. The simulator runs in-process on a free loopback port with the public demo key.

`DemoSetup` is also what the screenshot script, the benchmarks and the tmux tests build on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pushwatch.engine.profile import Profile
from pushwatch.errors import UserError
from pushwatch.paths import CONFIG_DIR_ENV, DATA_DIR_ENV

if TYPE_CHECKING:
    from pushwatch.simulator import Campaign, Simulator
    from pushwatch.store.state import StateStore
    from pushwatch.store.watchlist import Watchlist
    from pushwatch.tui.app import PushwatchApp

PROFILE_NAME = "demo"
DEFAULT_INTERVAL_S = 2.0
DEFAULT_MAX_RPS = 20
MAX_TASKS = 200_000

# An ID the simulator does not know: it answers 90016 for any batch holding it, and the engine isolates it.
INVALID_ID = "144115197002484901_2016053099_2016053099"
INVALID_LABEL = "typo-in-id"

# Labels for the demo campaign, by the suffix of each task ID (see Campaign.demo).
DEMO_LABELS = {
    "01_2016053001": "welcome-series",
    "01_2016053002": "spring-sale-cn",
    "01_2016053003": "vip-reminder",
    "01_2016053004": "app-update-android",
    "02_2016053005": "flash-sale-all",
    "02_2016053006": "spring-sale-sea",
    "02_2016053007": "survey-invite",
    "02_2016053008": "coupon-expiry",
    "02_2016053009": "vip-early-access",
    "02_2016053010": "breaking-news",
    "03_2016053011": "evening-digest",
    "03_2016053012": "weekend-promo",
    "03_2016053013": "maintenance-notice",
    "03_2016053014": "draft-not-sent",
}
# Generated campaigns (--tasks N) get labels from this cycle; every fourth task has none.
GENERATED_LABELS = ("spring-sale-cn", "vip-reminder", "coupon-expiry", "flash-sale-all", "survey-invite",
                    "evening-digest", "app-update-ios")


@dataclass(frozen=True)
class DemoOptions:
    tasks: int | None = None  # None: the hand-made demo campaign; N: a generated campaign of N tasks
    interval: float = DEFAULT_INTERVAL_S
    max_rps: int = DEFAULT_MAX_RPS
    latency_ms: float = 0.0
    seed: int = 0
    invalid_id: bool = True  # watch one ID the server does not know
    port: int = 0  # the simulator's loopback port; 0: a free one

    def check(self) -> DemoOptions:
        if self.tasks is not None and not 1 <= self.tasks <= MAX_TASKS:
            raise UserError(f"--tasks must lie in 1..{MAX_TASKS}")
        if not 0.1 <= self.interval <= 3600:
            raise UserError("--interval must lie in 0.1..3600 seconds")
        if not 1 <= self.max_rps <= 100:
            raise UserError("--max-rps must lie in 1..100 (the API's own limit is 100 requests per second)")
        if not 0 <= self.latency_ms <= 10_000:
            raise UserError("--latency must lie in 0..10000 ms")
        return self


@dataclass
class DemoSetup:
    """A running simulator, a temporary data and config dir holding the demo watchlist, and the demo profile.

    Use `with DemoSetup.start(options) as demo: demo.build_app().run()`; leaving the block stops the simulator
    and removes the folder.
    """

    simulator: Simulator
    root: Path
    profile: Profile
    watchlist: Watchlist
    state_store: StateStore
    clock: Callable[[], float] = time.time
    _owns_root: bool = field(default=True, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def profiles(self) -> dict[str, Profile]:
        return {self.profile.name: self.profile}

    @classmethod
    @contextmanager
    def start(
        cls,
        options: DemoOptions = DemoOptions(),
        *,
        clock: Callable[[], float] = time.time,
        root: Path | None = None,
    ) -> Iterator[DemoSetup]:
        demo = cls.open(options, clock=clock, root=root)
        try:
            yield demo
        finally:
            demo.close()

    @classmethod
    def open(
        cls, options: DemoOptions = DemoOptions(), *, clock: Callable[[], float] = time.time, root: Path | None = None
    ) -> DemoSetup:
        """Start the simulator and fill a fresh watchlist (call `close()` when done)."""
        from pushwatch.simulator import DEMO_SECRET_KEY, Campaign, Simulator
        from pushwatch.store.state import StateStore
        from pushwatch.store.watchlist import Watchlist

        options.check()
        owns = root is None
        base = Path(tempfile.mkdtemp(prefix="pushwatch-demo-")) if root is None else Path(root)
        try:
            (base / "data").mkdir(parents=True, exist_ok=True)
            (base / "config").mkdir(parents=True, exist_ok=True)
            now = clock()
            if options.tasks is None:
                campaign = Campaign.demo(now)
            else:
                campaign = Campaign.generate(options.tasks, seed=options.seed, now=now)
            sim = Simulator(
                campaign, clock=clock, latency=options.latency_ms / 1000, max_rps=100, seed=options.seed,
                max_records=100, port=options.port,
            )
            url = sim.start()
        except OSError as exc:
            if owns:
                shutil.rmtree(base, ignore_errors=True)
            raise UserError(f"cannot start the demo: {exc.strerror or exc}") from None
        profile = Profile(
            PROFILE_NAME,
            sim.sdkappid,
            identifier=sim.admin,
            secret_key=DEMO_SECRET_KEY,
            endpoint=url,
            max_rps=options.max_rps,
            interval=options.interval,
        )
        demo = cls(sim, base, profile, Watchlist(base / "data" / "watchlist.toml", clock=clock),
                   StateStore(base / "data" / "state.json", clock=clock), clock, owns)
        try:
            demo._fill(campaign, options)
        except BaseException:
            demo.close()
            raise
        return demo

    def _fill(self, campaign: Campaign, options: DemoOptions) -> None:
        """One watchlist write per label (a write is atomic and fsynced; 10,000 single adds would be slow)."""
        groups: dict[str, list[str]] = {}
        for n, task_id in enumerate(campaign.ids()):
            if options.tasks is None:
                label = DEMO_LABELS.get(task_id[-13:], "")
            else:
                label = "" if n % 4 == 3 else GENERATED_LABELS[n % len(GENERATED_LABELS)]
            groups.setdefault(label, []).append(task_id)
        if options.invalid_id:
            groups.setdefault(INVALID_LABEL, []).append(INVALID_ID)
        for label, ids in groups.items():
            self.watchlist.add(ids, profile=PROFILE_NAME, label=label)

    def build_app(self, **options: Any) -> PushwatchApp:
        """The monitor app over this demo (options go to `build_app`, e.g. `handle_signals`, `theme`)."""
        from pushwatch.tui.app import build_app, engine_factory

        options.setdefault("clock", self.clock)
        return build_app(
            engine_factory(self.profiles, source_factory=self._source, clock=self.clock),
            profiles=self.profiles,
            watchlist=self.watchlist,
            state_store=self.state_store,
            default_profile=PROFILE_NAME,
            **options,
        )

    def _source(self, profile: Profile) -> Any:
        """The real HTTP client, signing with the simulator's clock (so a driven clock never expires it)."""
        from pushwatch.api.client import ReportClient
        from pushwatch.engine.poller import concurrency_for

        return ReportClient(profile.endpoints, self.simulator.signer(profile.identifier),
                            max_connections=concurrency_for(profile.max_rps))

    def close(self) -> None:
        self.simulator.stop()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="the live monitor against a built-in simulator (touches no real data)",
        description="Open the live monitor on a demo campaign served by a built-in simulator on 127.0.0.1: "
        "pending, pushing, complete and incomplete tasks and one invalid ID. Uses a temporary folder that is "
        "removed on exit; your watchlist and config are never read or changed.",
    )
    p.add_argument("--tasks", type=int, metavar="N", help="a generated campaign of N tasks (e.g. 10000)")
    p.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_S, metavar="S",
                   help=f"seconds between sweeps (default {DEFAULT_INTERVAL_S:g})")
    p.add_argument("--max-rps", type=int, default=DEFAULT_MAX_RPS, metavar="N",
                   help=f"requests per second pushwatch allows itself (default {DEFAULT_MAX_RPS})")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="added to every simulator answer")
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    options = DemoOptions(
        tasks=args.tasks, interval=args.interval, max_rps=args.max_rps, latency_ms=args.latency, seed=args.seed
    ).check()
    with DemoSetup.start(options) as demo, _isolated_env(demo):
        app = demo.build_app(tune_gc=True)
        result = app.run()
    return int(result or 0)



@contextmanager
def _isolated_env(demo: DemoSetup) -> Iterator[None]:
    """Point PUSHWATCH_CONFIG_DIR / PUSHWATCH_DATA_DIR at the demo's folder while it runs, so any code that
    looks paths up by itself also stays inside it."""
    saved = {name: os.environ.get(name) for name in (CONFIG_DIR_ENV, DATA_DIR_ENV)}
    os.environ[CONFIG_DIR_ENV] = str(demo.config_dir)
    os.environ[DATA_DIR_ENV] = str(demo.data_dir)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
