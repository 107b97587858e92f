"""A small driver for a real terminal: one private tmux server per test, polled with deadlines (no fixed sleeps)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

DEADLINE_S = 60.0  # generous: the CI machine has 2 slow cores and tests may run side by side
POLL_S = 0.1
TMUX = shutil.which("tmux")


class Tmux:
    """`python -m pushwatch ARGS` in a detached tmux session of a given size, with its pid and exit code
    written to files so a test can signal it and check how it ended."""

    def __init__(self, workdir: Path, width: int = 100, height: int = 30) -> None:
        assert TMUX is not None
        self.workdir = workdir
        self.socket = f"pushwatch-test-{uuid.uuid4().hex[:10]}"
        self.session = "pw"
        self.width, self.height = width, height
        self.pid_file = workdir / "pid"
        self.exit_file = workdir / "exit"
        self.tmpdir = workdir / "tmp"
        self.tmpdir.mkdir(parents=True, exist_ok=True)

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=check, timeout=30,
            env={**os.environ, "TERM": os.environ.get("TERM") or "xterm-256color"},
        )

    def start(self, args: list[str], env: Mapping[str, str] | None = None) -> None:
        """Run pushwatch in the pane. TMPDIR points into the test's folder, so leftovers can be checked."""
        env = {"TMPDIR": str(self.tmpdir), **(env or {})}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        unset = "unset NO_COLOR COLORTERM; " if "NO_COLOR" not in env else ""
        inner = f"echo $$ > {shlex.quote(str(self.pid_file))}; exec env {exports} " + " ".join(
            shlex.quote(a) for a in [sys.executable, "-m", "pushwatch", *args]
        )
        # The outer shell records the exit code, then keeps the pane open so the final screen can be read.
        # It catches SIGINT (Ctrl-C reaches the whole foreground group) so it survives to write the code; a
        # caught signal is reset to the default in the child, so pushwatch sees Ctrl-C as usual.
        command = f"trap 'true' INT; {unset}sh -c {shlex.quote(inner)}; echo $? > {shlex.quote(str(self.exit_file))}; exec sleep 600"
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(self.width), "-y", str(self.height),
                  "sh", "-c", command)
        self.tmux("set-option", "-g", "remain-on-exit", "on", check=False)

    def screen(self, escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", self.session] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", self.session, "-x", str(width), "-y", str(height))

    @property
    def pid(self) -> int:
        self.wait_for(lambda: self.pid_file.exists() and self.pid_file.read_text().strip() != "", "the pid")
        return int(self.pid_file.read_text())

    def exit_code(self) -> int:
        self.wait_for(lambda: self.exit_file.exists() and self.exit_file.read_text().strip() != "", "the exit")
        return int(self.exit_file.read_text())

    def wait_for(self, predicate: Callable[[], bool], what: str, deadline: float = DEADLINE_S) -> None:
        end = time.monotonic() + deadline
        while True:
            if predicate():
                return
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {deadline:.0f}s waiting for {what}; screen:\n{self._safe_screen()}")
            time.sleep(POLL_S)

    def wait_screen(self, predicate: Callable[[str], bool], what: str, deadline: float = DEADLINE_S) -> str:
        seen = [""]

        def check() -> bool:
            seen[0] = self.screen()
            return predicate(seen[0])

        self.wait_for(check, what, deadline)
        return seen[0]

    def _safe_screen(self) -> str:
        try:
            return self.screen()
        except Exception as exc:  # the server may be gone
            return f"<no screen: {exc}>"

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.tmpdir.iterdir())

    def close(self) -> None:
        """Kill the server; if pushwatch still runs (a failed test), end it by its own pid."""
        try:
            pid = int(self.pid_file.read_text()) if self.pid_file.exists() else None
        except ValueError:
            pid = None
        self.tmux("kill-server", check=False)
        if pid is not None:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            end = time.monotonic() + 5
            while time.monotonic() < end:
                try:
                    os.kill(pid, 0)
                except OSError:
                    return
                time.sleep(0.05)
            try:
                os.kill(pid, 9)
            except OSError:
                pass
