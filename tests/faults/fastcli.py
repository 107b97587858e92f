"""Run the real `pushwatch` command line with the timing shrunk for the fault tests (a subprocess entry point).

Only timing constants change: the client timeout (so a stall is "past the timeout" in 0.3 s, not 10 s), the
retry policy's delays and attempt counts, and the smallest interval config accepts. Everything else, the
config resolution, the engine, the output and the signal handling, is the shipped code path.

    PYTHONPATH=<repo> python tests/faults/fastcli.py watch --plain
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pushwatch import config  # noqa: E402
from pushwatch.api.client import ReportClient  # noqa: E402
from pushwatch.engine.poller import Poller  # noqa: E402
from tests.faults.matrix import CLIENT_TIMEOUT_S, FAST_POLICY  # noqa: E402

config.MIN_INTERVAL_S = 0.05
ReportClient.__init__.__kwdefaults__["timeout"] = CLIENT_TIMEOUT_S
Poller.__init__.__kwdefaults__["policy"] = FAST_POLICY

from pushwatch.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
