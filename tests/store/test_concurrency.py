"""Real processes: 8 concurrent `pushwatch add` lose nothing; a writer killed with SIGKILL leaves a valid file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pushwatch.store.watchlist import Watchlist

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWATCH_")}
    env.update(
        PUSHWATCH_CONFIG_DIR=str(tmp_path / "config"),
        PUSHWATCH_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def test_eight_concurrent_add_processes_lose_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # A big existing watchlist makes each read-merge-write long, so the eight overlap.
    base = [f"base_{n}" for n in range(20_000)]
    Watchlist(tmp_path / "data" / "watchlist.toml").add(base, profile="default")
    shared = [f"shared_{n}" for n in range(50)]
    expected: set[str] = set(shared) | set(base)
    procs = []
    for p in range(8):
        expected.update(own_ids(p))
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "pushwatch", "add", "-", "--label", f"writer {p}"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
            )
        )
    # Release them together: each waits on stdin until every process has started.
    for p, proc in enumerate(procs):
        assert proc.stdin is not None
        proc.stdin.write("\n".join(own_ids(p) + shared).encode())
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
    outputs = [(proc.stdout.read(), proc.stderr.read(), proc.wait(timeout=60)) for proc in procs]  # type: ignore[union-attr]
    for out, err, rc in outputs:
        assert rc == 0, err.decode()
        assert b"Traceback" not in err
    entries = Watchlist(tmp_path / "data" / "watchlist.toml").load()
    ids = [e.task_id for e in entries]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    # Every process's own IDs carry its own label; the shared ones were added exactly once.
    for e in entries:
        if e.task_id.startswith("p"):
            assert e.label == f"writer {e.task_id[1:].split('_')[0]}"
    added = sum(int(out.split()[1]) for out, _, _ in outputs)
    assert added == len(expected) - len(base)


def own_ids(p: int) -> list[str]:
    return [f"p{p}_{n}" for n in range(300)]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pushwatch.store.atomic import write_atomic
    from pushwatch.store.watchlist import WatchEntry, _encode

    path = Path(sys.argv[1])
    # Seven versions of different lengths, encoded up front so the loop spends its time writing.
    blobs = [
        _encode([WatchEntry(f"v{k}_{i:06d}", "prod", "a label", 1.7e9) for i in range(10000 + k * 4000)])
        for k in range(7)
    ]
    n = 0
    while True:
        write_atomic(path, blobs[n % 7])
        n += 1
        print(n, flush=True)
    """
)


@pytest.mark.parametrize("round_", range(8))
def test_sigkill_mid_save_leaves_a_complete_version(tmp_path: Path, round_: int) -> None:
    path = tmp_path / "data" / "watchlist.toml"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, env=_env(tmp_path), cwd=tmp_path
    )
    try:
        assert proc.stdout is not None
        for _ in range(2 + round_):  # a few complete saves, then kill at a different point each round
            assert proc.stdout.readline()
        time.sleep(0.003 * round_)  # vary the moment of the kill (not a timing assertion)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    entries = Watchlist(path).load()  # parses: never a half-written file
    k = int(entries[0].task_id[1:].split("_")[0])
    assert len(entries) == 10000 + k * 4000
    assert [e.task_id for e in entries] == [f"v{k}_{i:06d}" for i in range(len(entries))]
    assert all(e.profile == "prod" and e.label == "a label" for e in entries)
    # The next locked writer removes any temp file the killed one left behind.
    Watchlist(path).add(["after"], profile="prod")
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
