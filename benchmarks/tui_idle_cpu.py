"""Idle CPU of the real `pushwatch demo --tasks 500 --interval 2` in a real terminal (tmux), nobody typing.

    python benchmarks/tui_idle_cpu.py [--tasks 500] [--interval 2] [--seconds 60]

CPU is the process's user+system time from /proc over the wall time, after a 10 s warm-up. By default the
process also serves the in-process simulator (one 500-ID request per sweep), which is counted: an
overestimate. With `--external-sim` the simulator runs as its own `pushwatch simulate` process and the real
`pushwatch` monitor (not the demo) watches its 500 tasks, as in production where the server is remote.
Target: under 2% of one core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=500)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--external-sim", action="store_true", help="simulator in its own process; real monitor")
    args = p.parse_args()
    tmux = shutil.which("tmux")
    if tmux is None:
        raise SystemExit("tmux is needed")
    sock = f"pw-bench-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="pw-idle-"))
    pid_file = work / "pid"
    sim = None
    if args.external_sim:
        sim, env = _external_simulator(work, args.tasks, args.interval)
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        cmd = f"echo $$ > {pid_file}; exec env TERM=screen-256color {exports} {sys.executable} -m pushwatch"
    else:
        cmd = (f"echo $$ > {pid_file}; exec env TERM=screen-256color {sys.executable} -m pushwatch demo "
               f"--tasks {args.tasks} --interval {args.interval}")
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", "120", "-y", "40", "sh", "-c", cmd], check=True)
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text().strip()):
            if time.monotonic() > deadline:
                raise SystemExit("pushwatch did not start")
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        time.sleep(args.warmup)
        c0, w0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.seconds)
        c1, w1 = cpu_seconds(pid), time.monotonic()
        share = (c1 - c0) / (w1 - w0)
        print(f"{args.tasks} tasks, interval {args.interval:g} s: {c1 - c0:.2f} s CPU over {w1 - w0:.0f} s wall "
              f"= {share * 100:.2f}% of one core (target < 2%)")
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], check=False)
        if sim is not None:
            sim.terminate()
            sim.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def _external_simulator(work: Path, tasks: int, interval: float) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start `pushwatch simulate` on a free port and fill a fresh watchlist with its task IDs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = "bench-idle-secret-key-7f3e2d1c"
    env = {
        "PUSHWATCH_SECRET_KEY": key, "PUSHWATCH_SDKAPPID": "1400000888", "PUSHWATCH_IDENTIFIER": "administrator",
        "PUSHWATCH_ENDPOINT": f"http://127.0.0.1:{port}", "PUSHWATCH_INTERVAL": f"{interval:g}",
        "PUSHWATCH_DATA_DIR": str(work / "data"), "PUSHWATCH_CONFIG_DIR": str(work / "config"),
    }
    ids = work / "ids.txt"
    sim = subprocess.Popen(
        [sys.executable, "-m", "pushwatch", "simulate", "--port", str(port), "--tasks", str(tasks), "--sdkappid",
         env["PUSHWATCH_SDKAPPID"], "--admin", "administrator", "--save-ids", str(ids), "--max-rps", "0"],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (ids.exists() and len(ids.read_text().split()) >= tasks):
        if time.monotonic() > deadline:
            sim.kill()
            raise SystemExit("the simulator did not start")
        time.sleep(0.1)
    subprocess.run([sys.executable, "-m", "pushwatch", "add", "-"], input=ids.read_bytes(), env={**os.environ, **env},
                   check=True, stdout=subprocess.DEVNULL)
    return sim, env


if __name__ == "__main__":
    main()
