"""config: flag > environment > profile > default, validation messages, secrets and their file modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pushwatch import config
from pushwatch.config import (
    ConfigError,
    choose_profile_name,
    default_profile_name,
    explain_profile,
    profile_names,
    resolve_profile,
    resolve_profiles,
)

KEY = "cfg-test-secret-key-5f2b9c81d0"  # 12+ chars: the session secret scan watches for it



def write_config(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def write_key(tmp_path: Path, name: str = "app.key", content: str = KEY + "\n", mode: int = 0o600) -> Path:
    path = tmp_path / "config" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)
    return path


# --- environment only ----------------------------------------------------------------------------------


def test_environment_only_needs_no_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1400000001")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    monkeypatch.setenv("PUSHWATCH_ENDPOINT", "http://127.0.0.1:8080/")
    p = resolve_profile()
    assert (p.name, p.sdkappid, p.identifier, p.endpoints) == ("default", 1400000001, "admin", ["http://127.0.0.1:8080"])
    assert p.secret_key == KEY and p.usersig is None
    assert (p.max_rps, p.interval) == (20, 10.0)
    assert not (tmp_path / "config").exists()


def test_usersig_instead_of_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "7")
    monkeypatch.setenv("PUSHWATCH_USERSIG", "ready-made-usersig-0123456789")
    p = resolve_profile()
    assert p.secret_key is None and p.usersig == "ready-made-usersig-0123456789"
    assert explain_profile().sources["usersig"].where == "environment PUSHWATCH_USERSIG"


# --- precedence of every setting -----------------------------------------------------------------------

# setting: (config.toml literal, its value), (environment text, its value), (flag value, its value)
SETTINGS = {
    "sdkappid": (("11", 11), ("22", 22), (33, 33)),
    "identifier": (('"cfgadmin"', "cfgadmin"), ("envadmin", "envadmin"), ("flagadmin", "flagadmin")),
    "region": (('"tokyo"', "tokyo"), ("Seoul", "seoul"), ("jakarta", "jakarta")),
    "endpoint": (
        ('"https://cfg.example.com"', "https://cfg.example.com"),
        ("https://env.example.com/", "https://env.example.com"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    ),
    "max_rps": (("5", 5), ("6", 6), (7, 7)),
    "interval": (("2.5", 2.5), ("3", 3.0), (4.0, 4.0)),
}
DEFAULTS = {"sdkappid": None, "identifier": "admin", "region": "china", "endpoint": None, "max_rps": 20, "interval": 10.0}


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("sources", ["flag+env+config", "env+config", "config", "none"])
def test_precedence(setting: str, sources: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (cfg_lit, cfg_val), (env_text, env_val), (flag_raw, flag_val) = SETTINGS[setting]
    lines = ["[profiles.default]", f'secret_key_file = "{write_key(tmp_path)}"']
    if setting != "sdkappid":
        lines.append("sdkappid = 1")
    if "config" in sources:
        lines.append(f"{setting} = {cfg_lit}")
    elif setting == "sdkappid":
        monkeypatch.setenv("PUSHWATCH_SDKAPPID", "99") if sources == "none" else None
    write_config(tmp_path, "\n".join(lines) + "\n")
    if "env" in sources:
        monkeypatch.setenv(config.ENV[setting], env_text)
    flags = {setting: flag_raw} if "flag" in sources else {setting: None}
    res = explain_profile(flags=flags)
    assert res.error is None, res.error
    got = getattr(res.profile, setting)
    if sources == "flag+env+config":
        assert got == flag_val and res.sources[setting].kind == "flag"
    elif sources == "env+config":
        assert got == env_val and res.sources[setting].where == f"environment {config.ENV[setting]}"
    elif sources == "config":
        assert got == cfg_val and res.sources[setting].kind == "config"
    elif setting == "sdkappid":
        assert got == 99  # no default for sdkappid: the environment supplied it
    else:
        assert got == DEFAULTS[setting] and res.sources[setting].kind == "default"


def test_secret_key_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keyfile = write_key(tmp_path, content="file-key-0123456789abcdef\n")
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{keyfile.name}"\n')
    res = explain_profile()
    assert res.profile.secret_key == "file-key-0123456789abcdef"  # relative to the config folder
    assert str(keyfile) in res.sources["secret_key"].where
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    res = explain_profile()
    assert res.profile.secret_key == KEY and res.sources["secret_key"].where == "environment PUSHWATCH_SECRET_KEY"


def test_secret_key_file_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keyfile = write_key(tmp_path)
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY_FILE", str(keyfile))
    assert resolve_profile().secret_key == KEY


@pytest.mark.parametrize("key", ["secret_key", "usersig", "secret_key_file"])
def test_secrets_are_never_taken_from_flags(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    with pytest.raises(ConfigError, match="never taken from a flag"):
        resolve_profile(flags={key: "x" * 20})


# --- secrets in files: refused unless private, like ssh -------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_secret_in_config_file_refused_unless_private(mode: int, tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key = "{KEY}"\n', mode=mode)
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    msg = str(info.value)
    assert str(path) in msg and "secret_key" in msg and f"mode {mode:03o}" in msg
    assert "expected mode 600 or 400" in msg and f"chmod 600 {path}" in msg
    assert KEY not in msg


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_secret_in_private_config_file_accepted(mode: int, tmp_path: Path) -> None:
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key = "{KEY}"\n', mode=mode)
    res = explain_profile()
    assert res.profile.secret_key == KEY and "file is private" in res.sources["secret_key"].where


def test_usersig_in_open_config_file_refused(tmp_path: Path) -> None:
    write_config(tmp_path, '[profiles.default]\nsdkappid = 1\nusersig = "abcdefghijklmnop"\n', mode=0o644)
    with pytest.raises(ConfigError, match="usersig: refusing .* mode 644"):
        resolve_profile()


def test_open_secret_key_file_refused(tmp_path: Path) -> None:
    keyfile = write_key(tmp_path, mode=0o644)
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{keyfile}"\n', mode=0o644)
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    assert f"refusing {keyfile} with mode 644" in str(info.value) and "secret_key_file" in str(info.value)


def test_config_without_secrets_may_be_world_readable(tmp_path: Path) -> None:
    keyfile = write_key(tmp_path)
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{keyfile}"\n', mode=0o644)
    assert resolve_profile().secret_key == KEY


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist; expected a file holding the secret key"),
        ("", "is empty; expected the secret key"),
        ("  \n", "is empty; expected the secret key"),
        ("two words\n", "holds several words; expected only the secret key"),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_secret_key_file_problems(content: object, expected: str, tmp_path: Path) -> None:
    keyfile = tmp_path / "config" / "app.key"
    keyfile.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        keyfile.write_bytes(content)
    elif content is not None:
        keyfile.write_text(content)
    if keyfile.exists():
        keyfile.chmod(0o600)
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{keyfile}"\n')
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    assert expected in str(info.value) and str(keyfile) in str(info.value)
    assert "two words" not in str(info.value)


def test_secret_key_file_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "keys"
    folder.mkdir(parents=True)
    folder.chmod(0o700)
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{folder}"\n')
    with pytest.raises(ConfigError, match="is a folder"):
        resolve_profile()


def test_both_secret_key_and_file(tmp_path: Path) -> None:
    keyfile = write_key(tmp_path)
    write_config(tmp_path, f'[profiles.default]\nsdkappid = 1\nsecret_key = "{KEY}"\nsecret_key_file = "{keyfile}"\n')
    with pytest.raises(ConfigError, match="both secret_key and secret_key_file are set; expected only one"):
        resolve_profile()


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    msg = str(info.value)
    assert "no credentials for profile 'default'" in msg
    assert "PUSHWATCH_SECRET_KEY" in msg and "secret_key_file" in msg and "PUSHWATCH_USERSIG" in msg


def test_repr_never_shows_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    monkeypatch.setenv("PUSHWATCH_USERSIG", "usersig-value-0123456789")
    res = explain_profile()
    for text in (repr(res), str(res), repr(res.profile), repr(res.sources), repr(res.values)):
        assert KEY not in text and "usersig-value-0123456789" not in text


# --- validation messages: where, what was found, what is expected ----------------------------------------

ENV_CASES = [
    ("sdkappid", "abc", "environment PUSHWATCH_SDKAPPID = 'abc'; expected a positive integer"),
    ("sdkappid", "0", "environment PUSHWATCH_SDKAPPID = '0'; expected a positive integer"),
    ("sdkappid", "-5", "environment PUSHWATCH_SDKAPPID = '-5'; expected a positive integer"),
    ("max_rps", "0", "environment PUSHWATCH_MAX_RPS = '0'; expected an integer from 1 to 100"),
    ("max_rps", "101", "environment PUSHWATCH_MAX_RPS = '101'; expected an integer from 1 to 100"),
    ("max_rps", "2.5", "environment PUSHWATCH_MAX_RPS = '2.5'; expected an integer from 1 to 100"),
    ("interval", "0", "environment PUSHWATCH_INTERVAL = '0'; expected a number of seconds, at least 1"),
    ("interval", "0.5", "environment PUSHWATCH_INTERVAL = '0.5'; expected a number of seconds, at least 1"),
    ("interval", "soon", "environment PUSHWATCH_INTERVAL = 'soon'; expected a number of seconds"),
    ("interval", "nan", "environment PUSHWATCH_INTERVAL = 'nan'; expected a number of seconds"),
    ("interval", "inf", "environment PUSHWATCH_INTERVAL = 'inf'; expected a number of seconds"),
    ("region", "mars", "environment PUSHWATCH_REGION = 'mars'; expected one of: china, singapore"),
    ("identifier", "two words", "environment PUSHWATCH_IDENTIFIER = 'two words'; expected an administrator"),
    ("endpoint", "ftp://x", "environment PUSHWATCH_ENDPOINT: endpoint 'ftp://x' is not an http(s) URL"),
    ("endpoint", "http://example.com", "environment PUSHWATCH_ENDPOINT: refusing plain http to example.com"),
    ("endpoint", "https://h/?a=1", "environment PUSHWATCH_ENDPOINT: the endpoint must be a base URL"),
    ("ca_bundle", "/nonexistent/ca.pem", "environment PUSHWATCH_CA_BUNDLE = '/nonexistent/ca.pem': no such file"),
]


@pytest.mark.parametrize(("setting", "raw", "expected"), ENV_CASES)
def test_environment_validation_messages(
    setting: str, raw: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    monkeypatch.setenv(config.ENV[setting], raw)
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


FILE_CASES = [
    ("sdkappid", '"abc"', "sdkappid = 'abc'; expected a positive integer"),
    ("sdkappid", "true", "sdkappid = True; expected a positive integer"),
    ("sdkappid", "1.5", "sdkappid = 1.5; expected a positive integer"),
    ("max_rps", "500", "max_rps = 500; expected an integer from 1 to 100"),
    ("max_rps", "0", "max_rps = 0; expected an integer from 1 to 100"),
    ("interval", "-1", "interval = -1; expected a number of seconds, at least 1"),
    ("interval", '"x"', "interval = 'x'; expected a number of seconds"),
    ("interval", "false", "interval = False; expected a number of seconds"),
    ("region", "3", "region = 3; expected one of: china"),
    ("identifier", '""', "identifier = ''; expected an administrator account name"),
    ("endpoint", "1", "endpoint = 1; expected a base URL"),
    ("ca_bundle", '""', "ca_bundle = ''; expected the path of a PEM file"),
    ("secret_key_file", "5", "secret_key_file = 5; expected the path of a file holding the secret key"),
    ("secret_key", "5", "secret_key: expected a non-empty string"),
]


@pytest.mark.parametrize(("setting", "literal", "expected"), FILE_CASES)
def test_config_file_validation_messages(setting: str, literal: str, expected: str, tmp_path: Path) -> None:
    lines = ["[profiles.prod]"]
    if setting != "sdkappid":
        lines.append("sdkappid = 1")
    if setting not in ("secret_key_file", "secret_key"):
        lines.append(f'secret_key_file = "{write_key(tmp_path)}"')
    lines.append(f"{setting} = {literal}")
    path = write_config(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as info:
        resolve_profile("prod")
    assert f"{path} [profiles.prod] {expected}" in str(info.value)


def test_flag_validation_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "1")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    with pytest.raises(ConfigError, match=r"^--max-rps = 500; expected an integer from 1 to 100"):
        resolve_profile(flags={"max_rps": 500})
    with pytest.raises(ConfigError, match=r"^--interval = 0.1; expected a number of seconds, at least 1"):
        resolve_profile(flags={"interval": 0.1})


def test_missing_sdkappid_message(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[profiles.default]\nsecret_key_file = "{write_key(tmp_path)}"\n')
    with pytest.raises(ConfigError) as info:
        resolve_profile()
    assert str(info.value) == (
        f"no sdkappid for profile 'default': set PUSHWATCH_SDKAPPID or sdkappid in [profiles.default] of {path}; "
        "expected the app's SDKAppID"
    )


def test_region_and_endpoint_both_in_config(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f'[profiles.default]\nsdkappid = 1\nsecret_key_file = "{write_key(tmp_path)}"\n'
        'region = "tokyo"\nendpoint = "https://x.example"\n',
    )
    with pytest.raises(ConfigError, match="both region and endpoint are set; expected one of them"):
        resolve_profile()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[profiles.a\n", "not valid TOML"),
        ("sdkappid = 1\n", "unknown top-level key 'sdkappid'; expected default_profile or profiles (settings go in"),
        ("[profiles.a]\nmax_rsp = 5\n", "[profiles.a] unknown key 'max_rsp'; expected one of: sdkappid"),
        ("profiles = 3\n", "profiles = 3; expected tables like [profiles.NAME]"),
        ("[profiles]\na = 3\n", "profiles.a = 3; expected a table [profiles.a]"),
        ('default_profile = "b"\n[profiles.a]\n', "default_profile = 'b' but there is no [profiles.b]; expected one of: a"),
        ("default_profile = 3\n", "default_profile = 3; expected a profile name"),
        ('[profiles."a b"]\n', "[profiles.a b]: bad profile name"),
    ],
)
def test_config_file_shape_errors(text: str, expected: str, tmp_path: Path) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        resolve_profile("a")
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


def test_unreadable_config_path(tmp_path: Path) -> None:
    (tmp_path / "config" / "config.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a folder, expected the config file"):
        resolve_profile()


# --- profiles ------------------------------------------------------------------------------------------

TWO = """
default_profile = "prod"
[profiles.prod]
sdkappid = 100
secret_key_file = "{key}"
max_rps = 30
[profiles.staging]
sdkappid = 200
secret_key_file = "{key}"
region = "singapore"
"""


def test_default_profile_name_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_profile_name() == "default"
    write_config(tmp_path, TWO.format(key=write_key(tmp_path)))
    assert default_profile_name() == "prod"
    monkeypatch.setenv("PUSHWATCH_PROFILE", "staging")
    assert default_profile_name() == "staging"
    assert resolve_profile().sdkappid == 200
    monkeypatch.setenv("PUSHWATCH_PROFILE", "bad name")
    with pytest.raises(ConfigError, match="environment PUSHWATCH_PROFILE: profile name 'bad name'"):
        default_profile_name()


def test_profile_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert profile_names() == ["default"]
    write_config(tmp_path, TWO.format(key=write_key(tmp_path)))
    assert profile_names() == ["prod", "staging"]


def test_unknown_profile_lists_known_ones(tmp_path: Path) -> None:
    path = write_config(tmp_path, TWO.format(key=write_key(tmp_path)))
    expected = f"unknown profile 'prdo': {path} has no [profiles.prdo]; expected one of: prod, staging"
    with pytest.raises(ConfigError) as info:
        resolve_profile("prdo")
    assert str(info.value).startswith(expected)
    with pytest.raises(ConfigError, match="unknown profile 'prdo'"):
        choose_profile_name("prdo")
    assert choose_profile_name("staging") == "staging" and choose_profile_name() == "prod"


def test_bad_profile_name_flag() -> None:
    with pytest.raises(ConfigError, match=r"--profile: profile name 'a/b'; expected letters"):
        choose_profile_name("a/b")


def test_several_profiles_each_with_own_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(tmp_path, TWO.format(key=write_key(tmp_path)))
    # The environment describes one app: it applies to the active profile only.
    monkeypatch.setenv("PUSHWATCH_MAX_RPS", "3")
    profiles = resolve_profiles(["staging", "prod", "staging"])
    assert list(profiles) == ["staging", "prod"]
    assert (profiles["prod"].sdkappid, profiles["prod"].max_rps) == (100, 3)
    assert (profiles["staging"].sdkappid, profiles["staging"].max_rps, profiles["staging"].region) == (200, 20, "singapore")
    profiles = resolve_profiles(["staging", "prod"], active="staging", flags={"max_rps": 9})
    assert (profiles["staging"].max_rps, profiles["prod"].max_rps) == (9, 30)


def test_resolve_profiles_unknown_name(tmp_path: Path) -> None:
    write_config(tmp_path, TWO.format(key=write_key(tmp_path)))
    with pytest.raises(ConfigError, match="unknown profile 'gone'"):
        resolve_profiles(["prod", "gone"])


def test_environment_only_profile_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHWATCH_PROFILE", "adhoc")
    monkeypatch.setenv("PUSHWATCH_SDKAPPID", "5")
    monkeypatch.setenv("PUSHWATCH_SECRET_KEY", KEY)
    assert resolve_profile().name == "adhoc"
    assert list(resolve_profiles(["adhoc"])) == ["adhoc"]
    with pytest.raises(ConfigError, match="no sdkappid for profile 'other'"):
        resolve_profiles(["other"])  # not active: the environment does not describe it
