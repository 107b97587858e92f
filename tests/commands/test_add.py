"""`pushwatch add`: arguments, stdin, profiles, and clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pushwatch.store.watchlist import Watchlist

ROOT = Path(__file__).resolve().parents[2]


def ids_in(path: Path) -> list[tuple[str, str, str]]:
    return [(e.task_id, e.profile, e.label) for e in Watchlist(path).load()]


def test_add_arguments(run, watchlist_path: Path) -> None:
    r = run("add", "a", "b,c", " d  e ", "a")
    assert r.code == 0
    assert r.out == "added 5 tasks to profile 'default'; watching 5 in all\n"
    assert [i for i, _, _ in ids_in(watchlist_path)] == ["a", "b", "c", "d", "e"]
    r = run("add", "a", "f", "--label", "later")
    assert r.out == "added 1 task to profile 'default' (1 already watched); watching 6 in all\n"
    assert ids_in(watchlist_path)[-1] == ("f", "default", "later")


def test_add_from_stdin_edge_cases(run, watchlist_path: Path) -> None:
    pasted = "\ufeffa\r\n\r\nb, c,,\r\n  \t\n d\u00a0e\u3000f\n\na\nb\n"
    r = run("add", "-", "g", stdin=pasted)
    assert r.code == 0
    assert [i for i, _, _ in ids_in(watchlist_path)] == ["a", "b", "c", "d", "e", "f", "g"]


def test_add_ten_thousand_ids_from_stdin(run, watchlist_path: Path) -> None:
    ids = [f"144115197002484901_2016053001_{n:010d}" for n in range(10_000)]
    r = run("add", "-", stdin="\n".join(ids) + "\n")
    assert r.out.startswith("added 10000 tasks")
    assert [i for i, _, _ in ids_in(watchlist_path)] == ids


def test_no_ids(run) -> None:
    r = run("add", "-", stdin=" \n,\n")
    assert r.code == 2 and r.err == "pushwatch: no task IDs given (stdin was empty?)\n"


def test_profile_before_or_after_the_command(run, watchlist_path: Path, isolated: Path) -> None:
    cfg = isolated / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('default_profile = "prod"\n[profiles.prod]\nsdkappid = 1\n[profiles.staging]\nsdkappid = 2\n')
    run("add", "p1")
    run("--profile", "staging", "add", "s1")
    run("add", "s2", "--profile", "staging")
    assert [(i, p) for i, p, _ in ids_in(watchlist_path)] == [("p1", "prod"), ("s1", "staging"), ("s2", "staging")]


def test_profile_from_environment(run, watchlist_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PUSHWATCH_PROFILE", "adhoc")
    run("add", "x")
    assert ids_in(watchlist_path) == [("x", "adhoc", "")]


def test_unknown_profile(run, isolated: Path, watchlist_path: Path) -> None:
    cfg = isolated / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("[profiles.prod]\nsdkappid = 1\n")
    r = run("add", "x", "--profile", "prdo")
    assert r.code == 2
    assert r.err.startswith(f"pushwatch: unknown profile 'prdo': {cfg} has no [profiles.prdo]; expected one of: prod")
    assert not watchlist_path.exists()


def test_corrupt_watchlist_is_kept_and_reported(run, watchlist_path: Path) -> None:
    watchlist_path.parent.mkdir(parents=True)
    watchlist_path.write_text("[[tasks]\n")
    r = run("add", "x")
    assert r.code == 2
    aside = next(watchlist_path.parent.glob("watchlist.toml.corrupt-*"))
    assert f"kept unchanged as {aside}" in r.err and r.err.count("\n") == 1
    assert aside.read_text() == "[[tasks]\n"


def test_unwritable_data_dir(run, monkeypatch, isolated: Path) -> None:
    blocker = isolated / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(blocker / "data"))
    r = run("add", "x")
    assert r.code == 2
    assert r.err == f"pushwatch: cannot create the folder {blocker / 'data'}: a path component is not a folder\n"


def test_real_process_reads_crlf_stdin(isolated: Path, watchlist_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-m", "pushwatch", "add", "-", "--label", "from a pipe"],
        input=b"a\r\nb\r\n\r\nc,d\r\n", capture_output=True, env=env, cwd=isolated, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert ids_in(watchlist_path) == [(i, "default", "from a pipe") for i in "abcd"]
