"""Crash safety through the real command line: `pushwatch add`/`remove` into a data dir that is read-only,
on a full disk, or where the file cannot grow, end with one line on stderr, a non-zero exit code, no
traceback, and the previous watchlist byte-identical (no temp files left behind).

The store's own tests simulate these with patched `os` calls (and skip read-only folders as root); here the
kernel refuses for real: a small tmpfs that is full or remounted read-only (needs root, skipped otherwise)
and RLIMIT_FSIZE (any user: writes past the limit fail with EFBIG, as CPython ignores SIGXFSZ).
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cli(data: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWATCH_")}
    env.update({"PUSHWATCH_DATA_DIR": str(data), "PUSHWATCH_CONFIG_DIR": str(data.parent / "config"),
                "PYTHONPATH": str(REPO)})

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "pushwatch", *args], env=env, capture_output=True, text=True,
                          timeout=60, preexec_fn=cap)


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result
    err = result.stderr.strip()
    assert "Traceback" not in result.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("pushwatch: ")
    for word in words:
        assert word in err, err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "256k") -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_add_when_the_file_cannot_grow(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli(data, "add", "1_1_1", "2_2_2").returncode == 0
    path = data / "watchlist.toml"
    before = path.read_bytes()
    result = cli(data, "add", *[f"9_9_{n}" for n in range(50)], limit=len(before))
    assert_one_line_failure(result, str(path), "previous file is unchanged")
    assert path.read_bytes() == before
    assert leftovers(data) == []


def test_add_on_a_full_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt") as mnt:
        data = mnt / "data"
        assert cli(data, "add", "1_1_1", "2_2_2").returncode == 0
        path = data / "watchlist.toml"
        before = path.read_bytes()
        with open(mnt / "filler", "wb", buffering=0) as fh, contextlib.suppress(OSError):
            while True:  # take every free block
                fh.write(b"\0" * 4096)
        result = cli(data, "add", *[f"9_9_{n}" for n in range(200)])
        assert_one_line_failure(result, "no space left on the disk", "previous file is unchanged")
        assert path.read_bytes() == before
        assert leftovers(data) == []
        (mnt / "filler").unlink()
        assert cli(data, "add", "3_3_3").returncode == 0  # room again: works again


@pytest.mark.parametrize("command", [("add", "3_3_3"), ("remove", "1_1_1"), ("label", "1_1_1", "new label")])
def test_commands_in_a_read_only_data_dir(tmp_path: Path, command: tuple[str, ...]) -> None:
    if os.geteuid() == 0:
        with tmpfs(tmp_path / "mnt") as mnt:
            data = mnt / "data"
            assert cli(data, "add", "1_1_1", "2_2_2").returncode == 0
            before = (data / "watchlist.toml").read_bytes()
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
            result = cli(data, *command)
            assert_one_line_failure(result, "read-only file system")
            assert (data / "watchlist.toml").read_bytes() == before
    else:
        data = tmp_path / "data"
        assert cli(data, "add", "1_1_1", "2_2_2").returncode == 0
        before = (data / "watchlist.toml").read_bytes()
        data.chmod(0o500)
        try:
            result = cli(data, *command)
        finally:
            data.chmod(0o700)
        assert_one_line_failure(result, "permission denied")
        assert (data / "watchlist.toml").read_bytes() == before
