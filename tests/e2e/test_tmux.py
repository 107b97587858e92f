"""The real `pushwatch demo` (and `watch --plain`) in a real terminal: tmux, read back with capture-pane.

Each test runs its own tmux server. Skipped, with the reason shown, only where tmux is not installed
(`.ci/run` installs it).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmux_driver import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal tests need it")

ROWS_SHOWN = ("INCOMPLETE", "pushing", "pending", "invalid")
# SGR colour parameters beyond the 16 ANSI colours: 256-colour (38;5 / 48;5) and truecolor (38;2 / 48;2).
RICH_COLOUR = re.compile(r"\x1b\[[0-9;]*(?:38|48);[25];")


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    t = Tmux(tmp_path, 100, 30)
    try:
        yield t
    finally:
        t.close()


def demo_env(term_name: str = "screen-256color", **extra: str) -> dict[str, str]:
    # Where the demo would put a user's files if it ever used them: it must not.
    return {"TERM": term_name, "PUSHWATCH_DATA_DIR": "/nonexistent/data", "PUSHWATCH_CONFIG_DIR": "/nonexistent/cfg",
            **extra}


def table_shown(screen: str) -> bool:
    return all(word in screen for word in ROWS_SHOWN)


def header(screen: str) -> str:
    return screen.splitlines()[0] if screen else ""


def test_demo_keys_resize_and_quit(term: Tmux) -> None:
    term.start(["demo", "--interval", "1"], demo_env())
    screen = term.wait_screen(table_shown, "the demo table")
    assert "live" in header(screen) and "demo@127.0.0.1" in header(screen)
    assert "vip-rem" in screen and "typo-in" in screen

    # / filter: only matching rows stay; emptying the box brings every row back.
    term.keys("/")
    term.wait_screen(lambda s: "filter:" in s, "the filter box")
    term.text("vip")
    screen = term.wait_screen(lambda s: "typo-in" not in s and "flash-s" not in s, "the filter to apply")
    assert "vip-rem" in screen
    term.keys("BSpace", "BSpace", "BSpace")
    term.wait_screen(lambda s: "typo-in" in s and "flash-s" in s, "the filter to clear")
    term.keys("Enter")
    term.wait_screen(lambda s: "filter:" not in s, "the filter box to close")

    # ? help, closed again with enter.
    term.keys("?")
    term.wait_screen(lambda s: "pushwatch keys" in s, "the help screen")
    term.keys("Enter")
    term.wait_screen(lambda s: "pushwatch keys" not in s and table_shown(s), "the help screen to close")

    # p pauses (header says so), p again resumes.
    term.keys("p")
    term.wait_screen(lambda s: "paused" in header(s), "the paused header")
    term.keys("p")
    term.wait_screen(lambda s: "paused" not in header(s) and "live" in header(s), "live again")

    # Resize: still a whole screen, footer on the last line.
    term.resize(80, 24)
    screen = term.wait_screen(
        lambda s: len(s.rstrip("\n").splitlines()) == 24 and "Add" in s.rstrip("\n").splitlines()[-1] and table_shown(s),
        "a redraw at 80x24",
    )
    assert max(len(line) for line in screen.splitlines()) <= 80
    term.resize(120, 40)
    term.wait_screen(lambda s: "Finished" in s.splitlines()[2] if len(s.splitlines()) > 2 else False,
                     "the wide layout at 120x40")

    term.keys("q")
    assert term.exit_code() == 0
    screen = term.wait_screen(lambda s: "INCOMPLETE" not in s, "the terminal to be restored")
    assert "Traceback" not in screen
    assert term.leftovers() == [], "the demo's temporary folder is removed"


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_demo_exits_cleanly_on_hangup_and_terminate(term: Tmux, sig: signal.Signals) -> None:
    """SIGHUP is what an SSH drop delivers; SIGTERM what `kill` and service managers send."""
    term.start(["demo"], demo_env())
    term.wait_screen(table_shown, "the demo table")
    os.kill(term.pid, sig)
    assert term.exit_code() == 0
    screen = term.wait_screen(lambda s: "INCOMPLETE" not in s, "the terminal to be restored")
    assert "Traceback" not in screen
    assert term.leftovers() == []


def test_demo_in_16_colours_with_no_color(term: Tmux) -> None:
    term.start(["demo"], demo_env("screen", NO_COLOR="1"))
    screen = term.wait_screen(table_shown, "the demo table")
    # Never colour alone: the status words and symbols are there.
    assert "✘ INCOMPLETE" in screen and "⊘ invalid" in screen
    coloured = term.screen(escapes=True)
    assert not RICH_COLOUR.search(coloured), "only the terminal's own 16 colours (or none) are used"
    term.keys("q")
    assert term.exit_code() == 0


def test_demo_in_256_colours_uses_them(term: Tmux) -> None:
    """The other side of the 16-colour test, so that test can fail: a 256-colour terminal gets 256 colours."""
    term.start(["demo"], demo_env("screen-256color"))
    term.wait_screen(table_shown, "the demo table")
    assert RICH_COLOUR.search(term.screen(escapes=True))
    term.keys("q")
    assert term.exit_code() == 0


def test_watch_plain_prints_lines_and_stops_on_ctrl_c(term: Tmux, tmp_path: Path) -> None:
    from pushwatch.simulator import DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY, Campaign, Simulator

    with Simulator(Campaign.demo()) as sim:
        env = {
            "TERM": "screen", "PUSHWATCH_DATA_DIR": str(tmp_path / "data"),
            "PUSHWATCH_CONFIG_DIR": str(tmp_path / "config"), "PUSHWATCH_ENDPOINT": sim.url,
            "PUSHWATCH_SDKAPPID": str(DEMO_SDKAPPID), "PUSHWATCH_IDENTIFIER": DEMO_ADMIN,
            "PUSHWATCH_SECRET_KEY": DEMO_SECRET_KEY, "PUSHWATCH_INTERVAL": "1",
        }
        ids = sim.campaign.ids()[:4]
        added = subprocess.run([sys.executable, "-m", "pushwatch", "add", *ids, "--label", "tmux-plain"],
                               env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        term.start(["watch", "--plain"], env)
        screen = term.wait_screen(lambda s: all(i in s for i in ids), "a line for every watched task")
        assert DEMO_SECRET_KEY not in screen
        term.keys("C-c")
        assert term.exit_code() in (0, 130)
        assert "Traceback" not in term.screen()


def test_demo_exits_when_its_terminal_disappears(term: Tmux) -> None:
    """Killing the tmux server closes the terminal under the app, as a dropped SSH session does: the app must
    exit (not linger without a terminal) and leave nothing behind."""
    term.start(["demo"], demo_env())
    term.wait_screen(table_shown, "the demo table")
    pid = term.pid
    term.tmux("kill-server", check=False)

    def gone() -> bool:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return True
        return "\nState:\tZ" in status  # exited, waiting to be reaped

    term.wait_for(gone, "pushwatch to exit after its terminal went away")
    term.wait_for(lambda: term.leftovers() == [], "the demo's temporary folder to be removed")
