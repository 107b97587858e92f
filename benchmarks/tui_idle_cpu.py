"""Idle CPU of the real `pushwatch demo --tasks 500 --interval 2` in a real terminal (tmux), nobody typing.

    python benchmarks/tui_idle_cpu.py [--tasks 500] [--interval 2] [--seconds 60]

CPU is the process's user+system time from /proc over the wall time, after a 10 s warm-up. The process also
serves the in-process simulator (one 500-ID request per sweep), which is counted: a slight overestimate.
Target: under 2% of one core.
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=500)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--warmup", type=float, default=10.0)
    args = p.parse_args()
    tmux = shutil.which("tmux")
    if tmux is None:
        raise SystemExit("tmux is needed")
    sock = f"pw-bench-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="pw-idle-"))
    pid_file = work / "pid"
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
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
