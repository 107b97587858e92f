"""`pushwatch doctor` against the loopback simulator: locations, setting sources, one harmless request."""

from __future__ import annotations

from pathlib import Path

import pytest

from pushwatch.simulator import Fault, Simulator
from tests.conftest import SIM_ADMIN, SIM_KEY, SIM_SDKAPPID


@pytest.fixture
def sim_env(simulator: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    monkeypatch.setenv("PUSHWATCH_ENDPOINT", simulator.url)
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", str(SIM_SDKAPPID))
    monkeypatch.setenv("PUSHWATCH_IDENTIFIER", SIM_ADMIN)
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", SIM_KEY)
    return simulator


def test_all_good(run, sim_env: Simulator, isolated: Path) -> None:
    r = run("doctor")
    assert r.code == 0, r.out
    lines = r.out.splitlines()
    assert f"config dir        {isolated / 'config'}  (from PUSHWATCH_CONFIG_DIR)" in lines
    assert f"data dir          {isolated / 'data'}  (from PUSHWATCH_DATA_DIR)" in lines
    assert any(line.startswith("config file") and "(none: using the environment only)" in line for line in lines)
    assert f"  sdkappid        {SIM_SDKAPPID}  (from environment PUSHWATCH_SDKAPPID)" in lines
    assert "  max_rps         20  (default)" in lines
    assert "  secret key      from environment PUSHWATCH_SECRET_KEY" in lines
    assert "OK: credentials accepted (the server answered 90016 for the probe ID, as expected)" in lines
    assert SIM_KEY not in r.out + r.err
    assert len(sim_env.requests) == 1  # exactly one harmless request
    assert not (isolated / "data").exists()  # doctor changes nothing


def test_wrong_key(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", "not-the-right-key-123456")
    r = run("doctor")
    assert r.code == 1
    assert "PROBLEM: credentials refused:" in r.out and "check the secret key" in r.out
    assert "not-the-right-key-123456" not in r.out


def test_not_an_administrator(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_IDENTIFIER", "bob")
    r = run("doctor")
    assert r.code == 1 and "administrator" in r.out.splitlines()[-1]


def test_wrong_sdkappid(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1400999999")
    r = run("doctor")
    assert r.code == 1 and r.out.splitlines()[-1].startswith("PROBLEM:")


def test_busy_server_is_inconclusive(run, sim_env: Simulator) -> None:
    sim_env.faults.once(Fault.error(90017))
    r = run("doctor")
    assert r.code == 1 and "INCONCLUSIVE: 90017" in r.out


def test_unreachable_endpoint(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sim_env.stop()
    r = run("doctor")
    assert r.code == 1 and f"PROBLEM: cannot reach 127.0.0.1:{sim_env.port}" in r.out


def test_no_configuration(run) -> None:
    r = run("doctor")
    assert r.code == 1
    assert "PROBLEM: no sdkappid for profile 'default'" in r.out
    assert "  identifier      admin  (default)" in r.out


def test_secret_key_file_source_and_open_config_refused(
    run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.delenv("PUSHWATCH_SECRET_KEY")
    cfg = isolated / "config"
    cfg.mkdir()
    key = cfg / "sim.key"
    key.write_text(SIM_KEY + "\n")
    key.chmod(0o600)
    (cfg / "config.toml").write_text('[profiles.default]\nsecret_key_file = "sim.key"\nmax_rps = 7\n')
    r = run("doctor")
    assert r.code == 0, r.out
    assert f"  secret key      from file {key} (secret_key_file)" in r.out
    assert f"  max_rps         7  (from {cfg / 'config.toml'} [profiles.default])" in r.out
    (cfg / "config.toml").write_text(f'[profiles.default]\nsecret_key = "{SIM_KEY}"\n')
    (cfg / "config.toml").chmod(0o644)
    r = run("doctor")
    assert r.code == 1 and "refusing" in r.out and "mode 644" in r.out and "chmod 600" in r.out
    assert SIM_KEY not in r.out + r.err


def test_corrupt_watchlist_reported_but_not_moved(run, sim_env: Simulator, isolated: Path) -> None:
    wl = isolated / "data" / "watchlist.toml"
    wl.parent.mkdir(parents=True)
    wl.write_text("[[x")
    r = run("doctor")
    assert r.code == 1 and "PROBLEM:" in r.out and "could not be read" in r.out
    assert wl.read_text() == "[[x"


def test_unwritable_data_dir(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    monkeypatch.setenv("PUSHWATCH_DATA_DIR", str(isolated / "file"))
    (isolated / "file").write_text("")
    r = run("doctor")
    assert r.code == 1 and "PROBLEM: data dir" in r.out


def test_tasks_of_undefined_profiles_are_flagged(run, sim_env: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "a", "b")
    monkeypatch.setenv("PUSHWATCH_PROFILE", "ghost")
    run("add", "c")
    monkeypatch.delenv("PUSHWATCH_PROFILE")
    r = run("doctor")
    assert r.code == 1
    assert "  tasks           3 watched (default 2, ghost 1)" in r.out
    assert "PROBLEM: tasks belong to profile(s) ghost that" in r.out
    assert "OK: credentials accepted" in r.out  # the active profile itself is fine


def test_profile_option_after_the_command(run, sim_env: Simulator, isolated: Path) -> None:
    cfg = isolated / "config"
    cfg.mkdir()
    (cfg / "config.toml").write_text("[profiles.a]\nsdkappid = 1\n[profiles.b]\nsdkappid = 2\n")
    r = run("doctor", "--profile", "b")
    assert "profile           b\n" in r.out and "other profiles  a" in r.out
