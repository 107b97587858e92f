"""Fuzzing the config loader: whatever config.toml holds (arbitrary bytes, arbitrary TOML documents, near-miss
profiles), resolving settings gives a Profile or a `ConfigError` with a one-line message: never another
exception (which would reach the user as a traceback), never a secret in the message."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pushwatch import config
from pushwatch.config import ConfigError
from pushwatch.engine.profile import Profile

SECRET = "fuzz-secret-key-5e0c7a91d2b4"
KEYS = list(config.PROFILE_KEYS) + ["default_profile", "profiles", "bogus"]
NAMES = ["default", "prod", "p-1", "bad name", "", "x" * 70, "ünï"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["1400000000", "china", "singapore", "http://127.0.0.1:1", "https://[::1", "http://x:99999",
                     "http://10.0.0.1", "~/nope.key", "/dev/null", "/", "\x00", "admin", "0.5s", "10s", "nan"]),
    st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)
profile_tables = st.builds(
    lambda table, secrets: {**table, **secrets},
    st.dictionaries(st.sampled_from(list(config.PROFILE_KEYS) + ["bogus"]), values, max_size=6),
    st.fixed_dictionaries({}, optional={"secret_key": st.just(SECRET), "usersig": st.just(SECRET)}),
)
PLAIN_ENV = [config.ENV[k] for k in config.PLAIN_SETTINGS] + [config.PROFILE_ENV, config.ENV["secret_key_file"]]
environments = st.builds(
    lambda plain, secrets: {**plain, **secrets},
    st.dictionaries(st.sampled_from(PLAIN_ENV), st.text(max_size=20) | st.sampled_from(["1400000000", "0", "1e3"]),
                    max_size=3),
    st.fixed_dictionaries({}, optional={config.ENV["secret_key"]: st.just(SECRET),
                                        config.ENV["usersig"]: st.just(SECRET)}),
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "default_profile": st.sampled_from(NAMES) | values,
        "profiles": st.dictionaries(st.sampled_from(NAMES), profile_tables, max_size=3) | values,
        "bogus": values,
    },
)


def _strip_none(value):
    """TOML has no null: drop None the way a user would simply not write the key."""
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value if v is not None]
    return value


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config-fuzz")


def exercise(folder: Path, data: bytes, environ: dict[str, str]) -> None:
    path = folder / "config.toml"
    path.write_bytes(data)
    os.chmod(path, 0o600)
    env = {"PUSHWATCH_CONFIG_DIR": str(folder), "PUSHWATCH_DATA_DIR": str(folder / "data"), **environ}
    calls = [
        lambda: config.load_config_file(env),
        lambda: config.default_profile_name(env),
        lambda: config.profile_names(env),
        lambda: config.choose_profile_name(None, env),
        lambda: config.resolve_profile(None, env=env),
        lambda: config.resolve_profile("prod", env=env),
        lambda: config.resolve_profiles(["default", "prod"], env=env),
        lambda: config.explain_profile(None, env=env),
    ]
    for call in calls:
        try:
            result = call()
        except ConfigError as exc:
            message = str(exc)
            assert message and "\n" not in message and "\r" not in message, message
            assert SECRET not in message
            continue
        if isinstance(result, Profile):
            assert SECRET not in repr(result)
            result.endpoints  # a resolved profile's endpoint must be usable, not fail later


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(folder: Path, data: bytes) -> None:
    exercise(folder, data, {})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_arbitrary_text(folder: Path, text: str) -> None:
    exercise(folder, text.encode("utf-8", "surrogatepass"), {})


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(documents, environments)
def test_arbitrary_toml_documents(folder: Path, doc: dict, environ: dict[str, str]) -> None:
    try:
        data = tomli_w.dumps(_strip_none(doc)).encode("utf-8")
    except (TypeError, ValueError):
        return  # not representable in TOML (e.g. a surrogate): not a file anyone can write
    environ = {k: v for k, v in environ.items() if "\x00" not in v}  # the OS refuses NUL in the environment
    exercise(folder, data, environ)


@pytest.mark.parametrize("table", [
    {"sdkappid": 1, "secret_key_file": "\x00"},
    {"sdkappid": 1, "secret_key_file": "a\x00b"},
    {"sdkappid": 1, "secret_key_file": "line\nbreak"},
    {"sdkappid": 1, "secret_key_file": "\x1b[2J"},
    {"sdkappid": 1, "secret_key": SECRET, "ca_bundle": "line\nbreak"},
    {"sdkappid": 1, "secret_key": SECRET, "identifier": "a\nb"},
    {"sdkappid": 1, "secret_key": SECRET, "endpoint": "https://[::1"},
    {"sdkappid": 1, "secret_key": SECRET, "endpoint": "http://127.0.0.1:99999"},
    {"sdkappid": 1, "secret_key": SECRET, "ca_bundle": "\x00"},
    {"sdkappid": 1, "secret_key": SECRET, "interval": float("nan")},
    {"sdkappid": 1, "secret_key": SECRET, "max_rps": 2**63 - 1},
    {"sdkappid": True, "secret_key": SECRET},
])
def test_near_miss_profiles(folder: Path, table: dict) -> None:
    exercise(folder, tomli_w.dumps({"profiles": {"default": table}}).encode(), {})


# What the fuzzing found (each was a traceback or a message broken over lines before the fix).
@pytest.mark.parametrize("data, says", [
    (b"\x80default_profile = 'x'", "not UTF-8 text"),
    (b'[profiles."\\r"]\nsdkappid = 1', "bad profile name"),
    (b'[profiles.default]\nsdkappid = 1\nsecret_key_file = "a\\u0000b"', "not a usable path"),
    (b'[profiles.default]\nsdkappid = 1\nsecret_key_file = "line\\nbreak"', "not a usable path"),
    (b'[profiles.default]\nsdkappid = 1\nsecret_key_file = "k"\nendpoint = "https://[::1"', "not a valid URL"),
    (b'[profiles.default]\nsdkappid = 1\nsecret_key_file = "k"\nendpoint = "http://127.0.0.1:99999"',
     "not a valid URL"),
])
def test_found_by_fuzzing(folder: Path, data: bytes, says: str) -> None:
    (folder / "k").write_text(SECRET)
    os.chmod(folder / "k", 0o600)
    (folder / "config.toml").write_bytes(data)
    env = {"PUSHWATCH_CONFIG_DIR": str(folder)}
    with pytest.raises(ConfigError) as info:
        config.resolve_profile(None, env=env)
    assert says in str(info.value) and "\n" not in str(info.value) and "\r" not in str(info.value)
