"""Soak: many chained sweeps against the simulator, watching the client process for leaks.

Run: `python benchmarks/soak.py [--sweeps 100000] [--sample-every 2000] [--tracemalloc]`.

The simulator runs in its own process (so its records and threads are not counted). The client side is
what a monitor left running in tmux does: a `Monitor` (one `Poller`, real `ReportClient` over loopback)
whose `tasks()` re-reads the watchlist file when it changes, every event folded into per-task state, and
the last-known state saved through the (throttled) `StateStore`. `--fault-rate 0.05` answers that share
of requests with a random fault (HTTP 502, reset, truncated JSON, 90017, HTML page, cut body) so the error
and retry paths are soaked too. Tasks push for days (Total 10^9), so every
sweep sends a request and every report shows progress. The interval is 0 and the request limiter is raised
to `--max-rps` (default 1000) so 100,000 sweeps take minutes instead of the 17 minutes 100 req/s would
need; the simulator has no rate limit.

RSS (from /proc/self/statm) and open descriptors (/proc/self/fd) are sampled every `--sample-every` sweeps.
Growth is measured from the end of the warm-up (the first 10% of sweeps, at least one sample) to the end.
Target: under 5 MB of RSS growth and no descriptor growth. With `--tracemalloc`, the top allocation
growth by file:line between the warm-up and the end is printed to find a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pushwatch.engine.events import Event, ProfileState, StateChanged, SweepFinished, TaskFailed  # noqa: E402
from pushwatch.engine.limiter import SlidingWindowLimiter  # noqa: E402
from pushwatch.engine.monitor import Monitor  # noqa: E402
from pushwatch.engine.profile import Profile  # noqa: E402
from pushwatch.engine.backoff import RetryPolicy  # noqa: E402
from pushwatch.simulator import DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY, Campaign, Fault, Simulator, Task  # noqa: E402
from pushwatch.store.state import StateStore  # noqa: E402
from pushwatch.store.watchlist import Watchlist  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


FAULTS = (Fault.http(502), Fault.reset(), Fault.truncated(), Fault.error(90017), Fault.html(), Fault.cut())


def _serve(ids: list[str], fault_rate: float, conn) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    campaign = Campaign(Task(tid, 10**9, now - 1, rate=100.0) for tid in ids)
    sim = Simulator(campaign, max_rps=None, max_records=100, seed=1)
    for fault in FAULTS if fault_rate else ():
        sim.faults.add(fault, probability=fault_rate / len(FAULTS))
    conn.send(sim.start())
    conn.recv()
    sim.stop()


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def soak(
    url: str, ids: list[str], sweeps: int, every: int, max_rps: int, trace: bool, folder: Path, faults: bool
) -> dict:
    watchlist = Watchlist(folder / "watchlist.toml")
    watchlist.add(ids, profile="soak")
    store = StateStore(folder / "state.json")
    profile = Profile(
        "soak", DEMO_SDKAPPID, DEMO_ADMIN, secret_key=DEMO_SECRET_KEY, endpoint=url, max_rps=100, interval=0.0
    )
    limiter = SlidingWindowLimiter(max_rps)
    samples: list[tuple[int, float, int, int]] = []  # (sweep, seconds, rss, fds)
    failures = 0
    retries = 0  # times the profile went to "backing off" (a request failed and was retried)
    done = asyncio.Event()
    monitor: Monitor
    started = time.perf_counter()
    warm = max(every, (sweeps // 10) // every * every)
    snapshots: dict[str, tracemalloc.Snapshot] = {}

    def tasks() -> list[tuple[str, str]]:
        return [(e.profile, e.task_id) for e in watchlist.current()]

    def on_event(event: Event) -> None:
        nonlocal failures, retries
        if isinstance(event, TaskFailed):
            failures += 1
        elif isinstance(event, StateChanged) and event.state is ProfileState.BACKING_OFF:
            retries += 1
        elif isinstance(event, SweepFinished):
            n = event.number
            if n % 50 == 0:
                store.save(monitor.states.values())
            if n % every == 0:
                gc.collect()
                samples.append((n, time.perf_counter() - started, rss_bytes(), open_fds()))
                if trace and n == warm:
                    snapshots["warm"] = tracemalloc.take_snapshot()
            if n >= sweeps:
                monitor.stop()
                done.set()

    if trace:
        tracemalloc.start(8)
    options: dict[str, object] = {"limiter": limiter}
    if faults:  # retry at once: the point is the error paths' memory, not the backoff's patience
        options["policy"] = RetryPolicy(attempts=8, base=0.001, cap=0.004, rate_attempts=8)
    monitor = Monitor({"soak": profile}, tasks, on_event, poller_options=options)
    samples.append((0, 0.0, rss_bytes(), open_fds()))
    try:
        await monitor.run()
    finally:
        await monitor.aclose()
    if trace:
        snapshots["end"] = tracemalloc.take_snapshot()
    elapsed = time.perf_counter() - started
    poller = monitor.pollers["soak"]
    result = {
        "sweeps": poller.sweeps,
        "seconds": elapsed,
        "failures": failures,
        "retries": retries,
        "samples": samples,
        "warm": warm,
        "consumer_errors": poller.consumer_errors,
    }
    if trace and "warm" in snapshots:
        stats = snapshots["end"].compare_to(snapshots["warm"], "traceback")
        result["top"] = [
            (s.size_diff, s.count_diff, s.traceback.format()[-1].strip() if s.traceback else "?")
            for s in stats[:12]
        ]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=100_000)
    parser.add_argument("--sample-every", type=int, default=0, help="default: sweeps / 50")
    parser.add_argument("--ids", type=int, default=5, help="task IDs in the watchlist")
    parser.add_argument("--max-rps", type=int, default=1000, help="client request limit for the soak")
    parser.add_argument("--tracemalloc", action="store_true", help="show the top allocation growth")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of requests answered with a random fault (502, reset, truncated JSON, 90017, "
                        "HTML page, cut body), to soak the error paths too")
    args = parser.parse_args()
    every = args.sample_every or max(1, args.sweeps // 50)
    ids = [f"144115197002484901_2016053001_{n:010d}" for n in range(args.ids)]

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(ids, args.fault_rate, child), daemon=True)
    server.start()
    url = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(soak(url, ids, args.sweeps, every, args.max_rps, args.tracemalloc, Path(tmp),
                                   args.fault_rate > 0))
    finally:
        parent.send("stop")
        server.join(timeout=10)

    samples = r["samples"]
    mb = 1024 * 1024
    print(f"{r['sweeps']:,} sweeps of {args.ids} IDs in {r['seconds']:.0f} s "
          f"({r['sweeps'] / r['seconds']:.0f} sweeps/s), {r['retries']} retried failures, {r['failures']} task failures, "
          f"{r['consumer_errors']} consumer errors")
    print(f"{'sweep':>8} {'seconds':>8} {'RSS MB':>8} {'fds':>5}")
    for n, t, rss, fds in samples:
        print(f"{n:>8} {t:>8.1f} {rss / mb:>8.2f} {fds:>5}")
    warm = [s for s in samples if s[0] >= r["warm"]]
    base = warm[0] if warm else samples[0]
    end = samples[-1]
    growth = (end[2] - base[2]) / mb
    fd_growth = end[3] - base[3]
    peak = max(s[2] for s in warm) / mb if warm else end[2] / mb
    print(f"after warm-up (sweep {base[0]}): RSS {base[2] / mb:.2f} -> {end[2] / mb:.2f} MB "
          f"(growth {growth:+.2f} MB, peak {peak:.2f} MB); fds {base[3]} -> {end[3]} ({fd_growth:+d})")
    ok = growth < 5.0 and fd_growth <= 0 and (r["failures"] == 0 or args.fault_rate > 0)
    print("PASS" if ok else "FAIL", "(target: < 5 MB RSS growth after warm-up, no fd growth, no failures)")
    for size, count, where in r.get("top", []):
        print(f"  {size / 1024:+9.1f} KiB {count:+7d} objects  {where}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
