"""Speed of the watchlist and last-known state at 1k / 10k / 100k tasks (medians of 3, wall seconds).

    python benchmarks/bench_store.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pushwatch.api.models import Report, Status  # noqa: E402
from pushwatch.engine.events import TaskReported, TaskState  # noqa: E402
from pushwatch.store.state import StateStore  # noqa: E402
from pushwatch.store.watchlist import Watchlist, parse_ids  # noqa: E402


def median(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ids(n: int) -> list[str]:
    return [f"144115197002484901_2016053001_{i:010d}" for i in range(n)]


def states(n: int) -> list[TaskState]:
    out = []
    for i, tid in enumerate(ids(n)):
        s = TaskState(tid, "default")
        for k in range(5):
            s.apply(TaskReported("default", Report(tid, Status.PUSHING, None, 100 * k, 1000), 1.7e9 + 60 * k))
        out.append(s)
    return out


def main() -> None:
    print(f"{'tasks':>7} {'parse_ids':>10} {'add (new file)':>15} {'load':>8} {'changed()':>10} {'state save':>11} {'state load':>11}")
    for n in (1_000, 10_000, 100_000):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "watchlist.toml"
            text = "\n".join(ids(n))
            t_parse = median(lambda: parse_ids(text))

            def add() -> None:
                path.unlink(missing_ok=True)
                Watchlist(path).add(ids(n), profile="default")

            t_add = median(add)
            t_load = median(lambda: Watchlist(path).load())
            w = Watchlist(path)
            w.load()
            t_changed = median(lambda: [w.changed() for _ in range(1000)]) / 1000
            st = states(n)
            store = StateStore(Path(tmp) / "state.json")
            t_ssave = median(lambda: store.save(st, force=True))
            t_sload = median(lambda: StateStore(Path(tmp) / "state.json").load())
        print(f"{n:>7} {t_parse:>10.3f} {t_add:>15.3f} {t_load:>8.3f} {t_changed * 1e6:>8.1f}us {t_ssave:>11.3f} {t_sload:>11.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PUSHWATCH_DATA_DIR": tmp, "PUSHWATCH_CONFIG_DIR": tmp, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        data = "\n".join(ids(10_000)).encode()

        def cli_add() -> None:
            (Path(tmp) / "watchlist.toml").unlink(missing_ok=True)
            subprocess.run([sys.executable, "-m", "pushwatch", "add", "-"], input=data, env=env, check=True, capture_output=True)

        print(f"`pushwatch add -` with 10,000 pasted IDs, whole process: {median(cli_add):.2f} s")


if __name__ == "__main__":
    main()
