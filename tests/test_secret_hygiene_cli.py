"""Secret hygiene through the real command line, as subprocesses, with a distinctive (non-demo) secret key.

Every command a user runs (`add`, `list --json`, `report`, `report --json`, `watch --plain` for a few
seconds, `doctor`) and the error paths (a wrong key, an expired ready-made UserSig) are run against the
simulator; stdout, stderr and every file under the data and config dirs (except the key file the user made)
are searched for the key and for any UserSig: the exact ones the simulator received, and anything that
decodes as one. Also: `repr()` of the objects that hold secrets, and TLS verification that nothing turns off.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pushwatch import config
from pushwatch.api import usersig
from pushwatch.api.client import ReportClient, TransportError
from pushwatch.engine.monitor import make_source
from pushwatch.simulator import Campaign, Simulator

REPO = Path(__file__).resolve().parents[1]
KEY = "hygiene-SECRET-3b9e71c04fa2d8e5"  # distinctive: found anywhere means leaked
SDKAPPID = 1400000777
ADMIN = "opsadmin"
SIG_CANDIDATE = re.compile(r"[A-Za-z0-9*\-_+/=]{40,}")


class RecordingSimulator(Simulator):
    """Keeps every UserSig it receives (the request log redacts them), to search for them afterwards."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen_sigs: set[str] = set()

    def _check_sig(self, sig: str, identifier: str, now: float):  # type: ignore[override]
        self.seen_sigs.add(sig)
        return super()._check_sig(sig, identifier, now)


@pytest.fixture
def sim() -> Iterator[RecordingSimulator]:
    campaign = Campaign.generate(6, seed=5)
    with RecordingSimulator(campaign, sdkappid=SDKAPPID, secret_key=KEY, admins=(ADMIN,), max_rps=None) as s:
        yield s


def base_env(sim: Simulator, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWATCH_")}
    env.update({
        "PUSHWATCH_ENDPOINT": sim.url, "PUSHWATCH_SDKAPPID": str(SDKAPPID), "PUSHWATCH_IDENTIFIER": ADMIN,
        "PUSHWATCH_SECRET_KEY": KEY, "PUSHWATCH_CONFIG_DIR": str(home / "config"),
        "PUSHWATCH_DATA_DIR": str(home / "data"), "PYTHONPATH": str(REPO), "NO_COLOR": "1",
    })
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "-m", "pushwatch", *args], env=env, input=stdin, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def watch_for(env: dict[str, str], seconds: float) -> tuple[int, str, str]:
    p = subprocess.Popen([sys.executable, "-m", "pushwatch", "watch", "--plain"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    return p.returncode, out, err


def leaks(text: str, sigs: set[str]) -> list[str]:
    """Names (never values) of what leaked in `text`."""
    found = []
    if KEY in text:
        found.append("secret key")
    if any(s in text for s in sigs):
        found.append("a UserSig the server received")
    for candidate in SIG_CANDIDATE.findall(text):
        try:
            usersig.decode(candidate)
        except usersig.UserSigError:
            continue
        found.append("a decodable UserSig")
    return found


def files_under(*folders: Path, skip: tuple[Path, ...] = ()) -> Iterator[Path]:
    for folder in folders:
        if folder.exists():
            for path in folder.rglob("*"):
                if path.is_file() and path not in skip:
                    yield path


def test_no_command_output_or_file_holds_the_key_or_a_usersig(sim: RecordingSimulator, tmp_path: Path) -> None:
    env = base_env(sim, tmp_path)
    ids = sim.campaign.ids()
    outputs: list[tuple[str, int, str, str]] = []

    def do(name: str, result: tuple[int, str, str]) -> None:
        outputs.append((name, *result))
        assert "Traceback" not in result[2], (name, result[2][-300:])

    do("add", run(env, "add", "-", "--label", "hygiene", stdin="\n".join(ids[:4])))
    do("list --json", run(env, "list", "--json"))
    do("report", run(env, "report"))
    do("report --json", run(env, "report", "--json", *ids[:2]))
    do("watch --plain", watch_for(env | {"PUSHWATCH_INTERVAL": "1"}, 2.5))
    do("doctor", run(env, "doctor"))
    do("list after", run(env, "list"))

    # the key in a private key file the user made (the only place it may be), used by every command
    key_file = tmp_path / "config" / "app.key"
    key_file.parent.mkdir(mode=0o700, exist_ok=True)
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    (tmp_path / "config" / "config.toml").write_text(
        f'[profiles.default]\nsdkappid = {SDKAPPID}\nidentifier = "{ADMIN}"\nendpoint = "{sim.url}"\n'
        f'secret_key_file = "app.key"\ninterval = 1\n'
    )
    file_env = base_env(sim, tmp_path, PUSHWATCH_SECRET_KEY="", PUSHWATCH_ENDPOINT="", PUSHWATCH_SDKAPPID="",
                        PUSHWATCH_IDENTIFIER="")
    do("report (key file)", run(file_env, "report"))
    do("doctor (key file)", run(file_env, "doctor"))

    # error paths: a wrong key, an expired ready-made UserSig, a valid ready-made UserSig
    wrong = "hygiene-WRONG-key-77aa01bc9d3e"
    code, out, err = run(env | {"PUSHWATCH_SECRET_KEY": wrong}, "report", ids[0])
    assert code != 0 and "70009" in err
    do("report (wrong key)", (code, out, err))
    code, out, err = run(env | {"PUSHWATCH_SECRET_KEY": wrong}, "doctor")
    assert code != 0, out[-600:]
    do("doctor (wrong key)", (code, out, err))
    expired = usersig.generate(KEY, ADMIN, SDKAPPID, 60, now=int(time.time()) - 3600)
    valid = usersig.generate(KEY, ADMIN, SDKAPPID, 3600)
    sig_env = base_env(sim, tmp_path, PUSHWATCH_SECRET_KEY="", PUSHWATCH_CONFIG_DIR=str(tmp_path / "config-sig"))
    code, out, err = run(sig_env | {"PUSHWATCH_USERSIG": expired}, "report", ids[0])
    assert code != 0 and "70001" in err
    do("report (expired usersig)", (code, out, err))
    code, out, err = run(sig_env | {"PUSHWATCH_USERSIG": expired}, "doctor")
    assert code != 0
    do("doctor (expired usersig)", (code, out, err))
    do("report (usersig)", run(sig_env | {"PUSHWATCH_USERSIG": valid}, "report"))

    sigs = sim.seen_sigs | {expired, valid}
    assert len(sim.seen_sigs) >= 3  # the commands really signed requests
    for name, code, out, err in outputs:
        assert not leaks(out, sigs), f"{name}: stdout holds {leaks(out, sigs)}"
        assert not leaks(err, sigs), f"{name}: stderr holds {leaks(err, sigs)}"
    checked = 0
    for path in files_under(tmp_path / "data", tmp_path / "config", tmp_path / "config-sig", skip=(key_file,)):
        text = path.read_bytes().decode("utf-8", "replace")
        assert not leaks(text, sigs), f"{path.name} holds {leaks(text, sigs)}"
        checked += 1
    assert checked >= 2  # at least the watchlist and the saved state


def test_reprs_hold_no_secret(tmp_path: Path) -> None:
    sig = usersig.generate(KEY, ADMIN, SDKAPPID, 3600)
    (tmp_path / "config.toml").write_text(
        f'[profiles.default]\nsdkappid = {SDKAPPID}\nsecret_key = "{KEY}"\nendpoint = "https://example.com"\n'
    )
    (tmp_path / "config.toml").chmod(0o600)
    env = {"PUSHWATCH_CONFIG_DIR": str(tmp_path), "PUSHWATCH_USERSIG": sig}
    profile = config.resolve_profile(None, env=env)
    signer = profile.signer()
    signer.current()
    objects = [profile, signer, config.explain_profile(None, env=env), config.load_config_file(env),
               usersig.decode(sig), make_source(profile)]
    for obj in objects:
        text = repr(obj) + str(obj)
        assert KEY not in text and sig not in text and signer.current() not in text, type(obj).__name__


# ----- TLS ----------------------------------------------------------------------------------------------


def _ssl_context(client: ReportClient) -> ssl.SSLContext:
    return client._http._transport._pool._ssl_context  # httpx 0.28: the pool's context decides verification


@pytest.mark.parametrize("env", [
    {},
    {"PUSHWATCH_VERIFY": "0", "PUSHWATCH_INSECURE": "1", "PUSHWATCH_TLS_VERIFY": "false",
     "PUSHWATCH_SSL_VERIFY": "no", "PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": ""},
])
async def test_tls_verification_cannot_be_turned_off(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert not [k for k in config.PROFILE_KEYS if re.search("verify|insecure|tls|ssl", k)]
    assert not [v for v in config.ENV.values() if re.search("VERIFY|INSECURE|TLS|SSL", v)]
    profile = config.resolve_profile(None, env={"PUSHWATCH_CONFIG_DIR": str(tmp_path), "PUSHWATCH_SDKAPPID": "1",
                                                "PUSHWATCH_SECRET_KEY": KEY, **env})
    client = make_source(profile)
    try:
        ctx = _ssl_context(client)
        assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    finally:
        await client.aclose()


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "ca.pem", tmp_path / "ca.key"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    return cert, key


async def test_custom_ca_bundle_from_config_reaches_the_client(tls_files: tuple[Path, Path], tmp_path: Path) -> None:
    """A private CA given as `ca_bundle` in config.toml makes an https endpoint signed by it work; without
    it the same server is refused (verification on). Over a real TLS handshake on loopback."""
    cert, key = tls_files
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    with RecordingSimulator(Campaign.generate(2, seed=1), sdkappid=SDKAPPID, secret_key=KEY, admins=(ADMIN,)) as sim:
        sim._server.socket = server_ctx.wrap_socket(sim._server.socket, server_side=True)
        https = sim.url.replace("http://", "https://")
        (tmp_path / "config.toml").write_text(
            f'[profiles.default]\nsdkappid = {SDKAPPID}\nidentifier = "{ADMIN}"\nendpoint = "{https}"\n'
            f'ca_bundle = "{cert}"\n'
        )
        env = {"PUSHWATCH_CONFIG_DIR": str(tmp_path), "PUSHWATCH_SECRET_KEY": KEY}
        profile = config.resolve_profile(None, env=env)
        assert profile.ca_bundle == str(cert)
        ids = sim.campaign.ids()
        client = make_source(profile)
        try:
            assert [r.task_id for r in await client.fetch(ids)] == ids
        finally:
            await client.aclose()
        plain = config.resolve_profile(None, env=env | {"PUSHWATCH_CONFIG_DIR": str(tmp_path / "none"),
                                                        "PUSHWATCH_SDKAPPID": str(SDKAPPID),
                                                        "PUSHWATCH_IDENTIFIER": ADMIN, "PUSHWATCH_ENDPOINT": https})
        assert plain.ca_bundle is None
        client = make_source(plain)
        try:
            with pytest.raises(TransportError, match="TLS certificate of .* could not be verified; .* ca_bundle"):
                await client.fetch(ids)
        finally:
            await client.aclose()


def test_a_ca_bundle_that_is_not_pem_is_one_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    (tmp_path / "config.toml").write_text(
        f'[profiles.default]\nsdkappid = 1\nendpoint = "https://example.com"\nca_bundle = "{bogus}"\n'
    )
    env = base_env_plain(tmp_path)
    code, out, err = run(env, "report", "1_1_1")
    assert code == 2 and "ca_bundle" in err and "not a readable PEM" in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def base_env_plain(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHWATCH_")}
    env.update({"PUSHWATCH_CONFIG_DIR": str(folder), "PUSHWATCH_DATA_DIR": str(folder / "data"),
                "PUSHWATCH_SECRET_KEY": KEY, "PYTHONPATH": str(REPO)})
    return env
