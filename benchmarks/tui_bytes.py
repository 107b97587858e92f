"""Bytes the real `pushwatch` monitor writes to the terminal per sweep, with 50 of 500 rows changing.

    python benchmarks/tui_bytes.py [--seconds 20] [--interval 2]

A simulator in this process serves 500 tasks: 50 pushing slowly (their Finished changes every sweep) and 450
final (frozen, never asked again). The real binary runs in tmux at 120x40 with its own temporary data dir;
`tmux pipe-pane -o` copies everything it writes to a file. Compared with: the same run where no row changes
(header clock and ages only), and one full-screen redraw (forced by a resize).
The 50 changing rows sort first (pushing before done), so every visible row changes: the worst case for 50.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pushwatch.simulator import Campaign, Simulator, Task, generated_ids  # noqa: E402

KEY = "bench-bytes-secret-key-1b2c3d"
SDKAPPID = 1400000777
ADMIN = "administrator"


def campaign(changing: int, total: int, now: float) -> Campaign:
    ids = generated_ids(total, seed=5)
    tasks = []
    for n, task_id in enumerate(ids):
        if n < changing:  # pushing for hours at 50-500 users/s
            tasks.append(Task(task_id, 10_000_000, now - 60 - n, rate=50 + 9 * n))
        else:  # finished long ago
            tasks.append(Task(task_id, 1000 + n, now - 7200, rate=100))
    return Campaign(tasks)


def measure(changing: int, seconds: float, interval: float, warmup: float = 8.0) -> tuple[float, int, int]:
    """(bytes per sweep, bytes of one full redraw, sweeps)."""
    tmux = shutil.which("tmux")
    if tmux is None:
        raise SystemExit("tmux is needed")
    work = Path(tempfile.mkdtemp(prefix="pw-bytes-"))
    sock = f"pw-bytes-{uuid.uuid4().hex[:8]}"
    sim = Simulator(campaign(changing, 500, time.time()), sdkappid=SDKAPPID, secret_key=KEY, admins=(ADMIN,))
    url = sim.start()
    env = {**os.environ, "PUSHWATCH_DATA_DIR": str(work / "data"), "PUSHWATCH_CONFIG_DIR": str(work / "config"),
           "PUSHWATCH_ENDPOINT": url, "PUSHWATCH_SDKAPPID": str(SDKAPPID), "PUSHWATCH_IDENTIFIER": ADMIN,
           "PUSHWATCH_SECRET_KEY": KEY, "PUSHWATCH_INTERVAL": str(interval), "PUSHWATCH_MAX_RPS": "20",
           "TERM": "screen-256color"}
    env.pop("NO_COLOR", None)
    try:
        subprocess.run([sys.executable, "-m", "pushwatch", "add", "-"], input="\n".join(sim.campaign.ids()),
                       text=True, env=env, check=True, capture_output=True)
        exports = " ".join(f"{k}={v}" for k, v in env.items() if k.startswith("PUSHWATCH_") or k == "TERM")
        cmd = f"exec env {exports} {sys.executable} -m pushwatch"
        run = lambda *a: subprocess.run([tmux, "-L", sock, *a], check=True, capture_output=True, text=True)  # noqa: E731
        run("new-session", "-d", "-x", "120", "-y", "40", "sh", "-c", cmd)
        time.sleep(warmup)  # first sweeps, finished tasks frozen (ages tick each second for the first minute)
        out = work / "pipe.bin"
        before = sim.requests.total
        run("pipe-pane", "-o", f"cat >> {out}")
        time.sleep(seconds)
        run("pipe-pane")
        sweeps = max(1, sim.requests.total - before)  # one request per sweep: 50 active IDs
        per_sweep = out.stat().st_size / sweeps if out.exists() else 0.0
        redraw = work / "redraw.bin"
        run("pipe-pane", "-o", f"cat >> {redraw}")
        run("resize-window", "-x", "120", "-y", "39")
        time.sleep(1.5)
        run("pipe-pane")
        full = redraw.stat().st_size if redraw.exists() else 0
        run("kill-server")
        return per_sweep, full, sweeps
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], check=False, capture_output=True)
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring (65: ages shown in minutes)")
    args = p.parse_args()
    per_sweep, full, sweeps = measure(50, args.seconds, args.interval, args.warmup)
    quiet, _, quiet_sweeps = measure(0, args.seconds, args.interval, args.warmup)
    print(f"50 of 500 rows changing: {per_sweep:,.0f} bytes per sweep ({sweeps} sweeps); "
          f"no row changing: {quiet:,.0f} bytes in {args.seconds:g} s; one full-screen redraw (120x40): {full:,} bytes; "
          f"per-sweep cost = {per_sweep / full * 100 if full else 0:.0f}% of a full redraw")


if __name__ == "__main__":
    main()
