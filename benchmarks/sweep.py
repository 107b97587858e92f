"""Sweep speed and quota discipline against the simulator (run: `python benchmarks/sweep.py`).

For 1k, 10k and 100k task IDs at max_rps 100, with 0 ms and 250 ms simulated latency, one full sweep is timed
and compared with the floor (requests / max_rps) and the target (floor + 5% + one round trip). The simulator
runs in its own process (so client CPU is the client's alone). The table gives the most requests that left
the engine in any sliding one-second window (the contract: at most 100), the most that the simulator's
handler threads saw in any sliding second (this adds the server's own thread-scheduling jitter, which the
engine's 50 ms window margin absorbs only partly), and how many the simulator refused (it refuses anything
over 100 in a calendar second, as the real service would).
Client CPU seconds per 10,000 IDs covers HTTP, parsing, scheduling and event delivery to a consumer that
folds every event into per-task state, as the front ends do. The measured sweep is the second of a poller
(steady state: connections open, per-task state exists), forced so that finished tasks are asked for too.
Median of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pushwatch.api.client import ReportClient  # noqa: E402
from pushwatch.api.usersig import Signer  # noqa: E402
from pushwatch.engine.events import TaskFailed, TaskInvalid, TaskReported, TaskState  # noqa: E402
from pushwatch.engine.poller import Poller, concurrency_for  # noqa: E402
from pushwatch.engine.profile import Profile  # noqa: E402
from pushwatch.simulator import DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY, Campaign, Simulator, generated_ids  # noqa: E402

MAX_RPS = 100


def _serve(n: int, latency: float, conn: mp.connection.Connection) -> None:
    sim = Simulator(Campaign.generate(n, seed=1), latency=latency, max_records=1_000_000, seed=1)
    conn.send(sim.start())
    while True:
        cmd = conn.recv()
        if cmd == "log":
            records = sim.requests.snapshot()
            conn.send([(r.mono, r.code) for r in records])
            sim.requests.clear()
        else:
            sim.stop()
            conn.send("bye")
            return


@dataclass
class Run:
    wall: float
    requests: int
    ok: int
    cpu: float
    max_window: int
    refused: int
    client_window: int


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best = lo = 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def one_sweep(url: str, ids: list[str], warm: Callable[[], None] | None = None) -> tuple[float, int, int, float, int]:
    profile = Profile(name="bench", sdkappid=DEMO_SDKAPPID, identifier=DEMO_ADMIN, endpoint=url, max_rps=MAX_RPS,
                      interval=10.0)
    signer = Signer(DEMO_SDKAPPID, DEMO_ADMIN, secret_key=DEMO_SECRET_KEY)
    client = ReportClient(url, signer, max_connections=concurrency_for(MAX_RPS))
    states: dict[str, TaskState] = {}

    def fold(event: object) -> None:  # what a front end does with every event
        if isinstance(event, TaskReported):
            tid = event.report.task_id
        elif isinstance(event, (TaskFailed, TaskInvalid)):
            tid = event.task_id
        else:
            return
        state = states.get(tid)
        if state is None:
            state = states[tid] = TaskState(tid, "bench")
        state.apply(event)  # type: ignore[arg-type]

    sent: list[float] = []
    fetch = client.fetch

    async def timed_fetch(batch: list[str]) -> list:  # when each request really left the engine
        sent.append(time.monotonic())
        return await fetch(batch)

    client.fetch = timed_fetch  # type: ignore[method-assign]
    poller = Poller(profile, client, lambda: ids, fold)
    if warm is not None:
        await poller.sweep(force=True)  # steady state: connections open, per-task state exists
        warm()
        sent.clear()
    cpu0 = time.process_time()
    done = await poller.sweep(force=True)  # final tasks included: every ID is asked for
    cpu = time.process_time() - cpu0
    await client.aclose()
    return done.duration, done.requests, done.ok, cpu, max_in_window(sent)


def measure(n: int, latency: float, repeat: int) -> tuple[list[Run], float]:
    parent, child = mp.Pipe()
    proc = mp.Process(target=_serve, args=(n, latency, child), daemon=True)
    proc.start()
    url = parent.recv()
    ids = generated_ids(n, 1)
    runs = []
    rtt = []
    try:
        for _ in range(repeat):
            time.sleep(1.1)  # let the simulator's own per-second counter start afresh

            def clear_log() -> None:
                parent.send("log")
                parent.recv()
                time.sleep(1.1)  # a fresh simulator second, as for the first sweep

            wall, requests, ok, cpu, client_window = asyncio.run(one_sweep(url, ids, clear_log))
            parent.send("log")
            log = parent.recv()
            refused = sum(1 for _, code in log if code != 0)
            runs.append(Run(wall, requests, ok, cpu, max_in_window([m for m, _ in log]), refused, client_window))
        # one round trip, alone, for the target
        for _ in range(3):
            t0 = time.monotonic()
            asyncio.run(one_sweep(url, ids[:1]))
            rtt.append(time.monotonic() - t0)
        parent.send("log")
        parent.recv()
    finally:
        parent.send("stop")
        parent.recv()
        proc.join(5)
    return runs, min(rtt)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--latencies", default="0,250", help="simulated latency in ms")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for latency_ms in [int(x) for x in args.latencies.split(",")]:
        for n in [int(x) for x in args.sizes.split(",")]:
            runs, rtt = measure(n, latency_ms / 1000, args.repeat)
            requests = runs[0].requests
            floor = requests / MAX_RPS
            target = floor * 1.05 + rtt
            wall = statistics.median(r.wall for r in runs)
            cpu10k = statistics.median(r.cpu for r in runs) * 10_000 / n
            worst = max(r.max_window for r in runs)
            worst_client = max(r.client_window for r in runs)
            refused = sum(r.refused for r in runs)
            ok = all(r.ok == n for r in runs)
            verdict = "yes" if wall <= target and worst_client <= MAX_RPS and ok and not refused else "NO"
            rows.append(
                f"| {n:,} | {latency_ms} ms | {requests} | {floor:.2f} s | {wall:.2f} s | {target:.2f} s | "
                f"{worst_client} | {worst} | {refused} | {cpu10k:.3f} s | {verdict} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Sweep benchmark: max_rps {MAX_RPS}, median of {args.repeat} runs, simulator in its own process, "
          f"{os.cpu_count()} CPUs (load average {load}), Python {sys.version.split()[0]}\n")
    print("| IDs | latency | requests | floor (req / max_rps) | sweep wall | target (floor +5% + 1 RTT) | "
          "most starts in any 1 s (client) | most arrivals in any 1 s (server) | refused | client CPU per 10k IDs | within target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
