"""Settings and profiles: flags, environment and config.toml resolved into one validated `Profile`.

One resolution path for every setting: flag > environment > the profile's table in config.toml > default.
Every mistake ends as a `ConfigError` naming where the value came from (file and key, variable or flag),
what was found and what was expected, in one line. Secret values never appear in a message.

The environment and flags describe *one* app: they apply to the active profile (the one chosen by
`--profile`, PUSHWATCH_PROFILE or `default_profile`); other profiles that the watchlist uses are resolved
from config.toml alone, so each polls with its own credentials.

config.toml:

    default_profile = "prod"
    [profiles.prod]
    sdkappid = 1400000000
    identifier = "admin"
    region = "singapore"            # or endpoint = "https://..."
    secret_key_file = "~/.config/pushwatch/prod.key"
    max_rps = 20
    interval = 10
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pushwatch import paths
from pushwatch.api.client import check_endpoint
from pushwatch.api.models import ApiError
from pushwatch.api.regions import DEFAULT_REGION, REGIONS
from pushwatch.engine.profile import DEFAULT_IDENTIFIER, DEFAULT_INTERVAL_S, DEFAULT_MAX_RPS, Profile
from pushwatch.errors import UserError

DEFAULT_PROFILE_NAME = "default"
MIN_INTERVAL_S = 1.0
MAX_RPS_RANGE = (1, 100)

PROFILE_ENV = "PUSHWATCH_PROFILE"
ENV = {
    "sdkappid": "PUSHWATCH_SDKAPPID",
    "identifier": "PUSHWATCH_IDENTIFIER",
    "region": "PUSHWATCH_REGION",
    "endpoint": "PUSHWATCH_ENDPOINT",
    "max_rps": "PUSHWATCH_MAX_RPS",
    "interval": "PUSHWATCH_INTERVAL",
    "ca_bundle": "PUSHWATCH_CA_BUNDLE",
    "secret_key": "PUSHWATCH_SECRET_KEY",
    "secret_key_file": "PUSHWATCH_SECRET_KEY_FILE",
    "usersig": "PUSHWATCH_USERSIG",
}
PLAIN_SETTINGS = ("sdkappid", "identifier", "region", "endpoint", "max_rps", "interval", "ca_bundle")
SECRET_SETTINGS = ("secret_key", "usersig")  # never from a flag; in config.toml only if the file is private
PROFILE_KEYS = (*PLAIN_SETTINGS, "secret_key_file", *SECRET_SETTINGS)
TOP_KEYS = ("default_profile", "profiles")

DEFAULTS: dict[str, object] = {
    "identifier": DEFAULT_IDENTIFIER,
    "region": DEFAULT_REGION,
    "max_rps": DEFAULT_MAX_RPS,
    "interval": DEFAULT_INTERVAL_S,
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(UserError):
    """A setting is missing or wrong; the message says where, what was found and what is expected."""


@dataclass(frozen=True)
class Source:
    """Where one setting's value came from, in words a user can act on."""

    kind: str  # "flag", "environment", "config", "default", "secret_key_file"
    where: str

    def __str__(self) -> str:
        return self.where


@dataclass
class Resolution:
    """Everything `doctor` wants to show about one profile: values (secrets masked by `Profile`), sources,
    and the first problem (None when the profile is usable)."""

    name: str
    config_file: Path
    in_config: bool
    profile: Profile | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)  # plain settings resolved so far (no secrets)
    error: ConfigError | None = None


# --- config file ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    exists: bool
    default_profile: str | None
    profiles: dict[str, dict[str, Any]] = field(repr=False)  # may hold secret_key/usersig: never in a repr


def load_config_file(env: Mapping[str, str] | None = None) -> ConfigFile:
    """Read and shape-check config.toml; a missing file is an empty config (environment-only use)."""
    path = paths.config_file(env)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return ConfigFile(path, False, None, {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or move it away") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); expected a TOML file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected the config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(
                f"{path}: unknown top-level key {key!r}; expected {' or '.join(TOP_KEYS)} "
                f"(settings go in a [profiles.NAME] table)"
            )
    default = data.get("default_profile")
    if default is not None and (not isinstance(default, str) or not _NAME.match(default)):
        raise ConfigError(f"{path}: default_profile = {default!r}; expected a profile name such as \"prod\"")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: profiles = {_show(profiles)}; expected tables like [profiles.NAME]")
    for name, table in profiles.items():
        if not _NAME.match(name):
            raise ConfigError(
                f"{path}: [profiles.{name if name.isprintable() else repr(name)}]: bad profile name; "
                f"expected letters, digits, '_', '-' or '.'"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: profiles.{name} = {_show(table)}; expected a table [profiles.{name}]")
        for key in table:
            if key not in PROFILE_KEYS:
                raise ConfigError(
                    f"{path}: [profiles.{name}] unknown key {key!r}; expected one of: {', '.join(PROFILE_KEYS)}"
                )
    if default is not None and profiles and default not in profiles:
        raise ConfigError(
            f"{path}: default_profile = {default!r} but there is no [profiles.{default}]; "
            f"expected one of: {', '.join(profiles)}"
        )
    return ConfigFile(path, True, default, dict(profiles))


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- names ---------------------------------------------------------------------------------------------


def default_profile_name(env: Mapping[str, str] | None = None) -> str:
    """PUSHWATCH_PROFILE, else config.toml's default_profile, else "default"."""
    environ = os.environ if env is None else env
    name = environ.get(PROFILE_ENV, "").strip()
    if name:
        return check_profile_name(name, f"environment {PROFILE_ENV}")
    return load_config_file(env).default_profile or DEFAULT_PROFILE_NAME


def profile_names(env: Mapping[str, str] | None = None) -> list[str]:
    """Profiles defined in config.toml (file order), plus the default profile when only the environment
    defines it."""
    names = list(load_config_file(env).profiles)
    default = default_profile_name(env)
    if default not in names:
        names.insert(0, default)
    return names


def choose_profile_name(name: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The profile a command acts on (`name`, else the default), checked to exist, without needing its
    credentials (for add, list, remove, label)."""
    config = load_config_file(env)
    chosen = check_profile_name(name) if name else default_profile_name(env)
    environ = os.environ if env is None else env
    if config.profiles and chosen not in config.profiles and not environ.get(ENV["sdkappid"], "").strip():
        raise _unknown_profile(chosen, config)
    return chosen


def _unknown_profile(name: str, config: ConfigFile) -> ConfigError:
    return ConfigError(
        f"unknown profile {name!r}: {config.path} has no [profiles.{name}]; "
        f"expected one of: {', '.join(config.profiles)} (choose with --profile or default_profile)"
    )


def check_profile_name(name: str, where: str = "--profile") -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise ConfigError(
            f"{where}: profile name {name!r}; expected letters, digits, '_', '-' or '.' (at most 64)"
        )
    return name


# --- resolution ----------------------------------------------------------------------------------------


def resolve_profile(
    name: str | None = None,
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Profile:
    """The validated settings of profile `name` (default: the active profile). Flags and the environment
    apply when `name` is the active profile. Raises ConfigError."""
    res = explain_profile(name, flags, env)
    if res.error is not None:
        raise res.error
    assert res.profile is not None
    return res.profile


def resolve_profiles(
    names: Iterable[str],
    *,
    active: str | None = None,
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Profile]:
    """Profiles for every name (for example every profile the watchlist uses). Flags and the environment
    apply only to the active profile (`active`, else PUSHWATCH_PROFILE / default_profile / "default")."""
    config = load_config_file(env)
    active_name = check_profile_name(active) if active else default_profile_name(env)
    out: dict[str, Profile] = {}
    for name in dict.fromkeys(names):
        res = _resolve(name, flags if name == active_name else None, env, config, name == active_name)
        if res.error is not None:
            raise res.error
        assert res.profile is not None
        out[name] = res.profile
    return out


def explain_profile(
    name: str | None = None,
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Resolution:
    """Resolve like `resolve_profile` but keep the sources and return the problem instead of raising
    (for `doctor`). Errors in config.toml itself are still raised."""
    config = load_config_file(env)
    chosen = check_profile_name(name) if name else default_profile_name(env)
    return _resolve(chosen, flags, env, config, active=True)




def _resolve(
    name: str,
    flags: Mapping[str, object] | None,
    env: Mapping[str, str] | None,
    config: ConfigFile,
    active: bool,
) -> Resolution:
    environ: Mapping[str, str] = (os.environ if env is None else env) if active else {}
    flags = dict(flags or {}) if active else {}
    res = Resolution(name=name, config_file=config.path, in_config=name in config.profiles)
    try:
        res.profile = _build(name, flags, environ, config, res)
    except ConfigError as exc:
        res.error = exc
    return res


def _build(
    name: str,
    flags: dict[str, object],
    environ: Mapping[str, str],
    config: ConfigFile,
    res: Resolution,
) -> Profile:
    for key in SECRET_SETTINGS + ("secret_key_file",):
        if flags.get(key) is not None:
            raise ConfigError(
                f"the {key.replace('_', ' ')} is never taken from a flag (it would show in `ps` and shell "
                f"history); use {ENV[key]} or secret_key_file in config.toml"
            )
    if config.profiles and name not in config.profiles and not environ.get(ENV["sdkappid"], "").strip():
        raise _unknown_profile(name, config)
    table = config.profiles.get(name, {})
    section = f"{config.path} [profiles.{name}]"

    def pick(key: str) -> tuple[object, str, Source] | None:
        """(raw value, 'where' text for messages, source) from the first source that has the setting."""
        value = flags.get(key)
        if value is not None and value != "":
            flag = "--" + key.replace("_", "-")
            return value, flag, Source("flag", f"flag {flag}")
        var = ENV.get(key)
        if var and environ.get(var, "").strip():
            return environ[var].strip(), f"environment {var}", Source("environment", f"environment {var}")
        if key in table:
            return table[key], f"{section} {key}", Source("config", f"{config.path} [profiles.{name}]")
        return None

    values: dict[str, Any] = {}
    for key in PLAIN_SETTINGS:
        picked = pick(key)
        if picked is None:
            res.sources[key] = Source("default", "default")
            res.values[key] = DEFAULTS.get(key)
            continue
        raw, where, source = picked
        res.sources[key] = source
        values[key] = res.values[key] = _CHECKS[key](raw, where)

    if "sdkappid" not in values:
        raise ConfigError(
            f"no sdkappid for profile {name!r}: set {ENV['sdkappid']} or sdkappid in [profiles.{name}] of "
            f"{config.path}; expected the app's SDKAppID"
        )
    if "endpoint" in values and "region" in values and res.sources["region"].kind == res.sources["endpoint"].kind == "config":
        raise ConfigError(f"{section}: both region and endpoint are set; expected one of them")

    secret_key, key_source = _secret_key(name, table, environ, config, section)
    usersig, sig_source = _usersig(name, table, environ, config, section)
    if key_source:
        res.sources["secret_key"] = key_source
    if sig_source:
        res.sources["usersig"] = sig_source
    if not secret_key and not usersig:
        raise ConfigError(
            f"no credentials for profile {name!r}: set {ENV['secret_key']}, or secret_key_file in "
            f"[profiles.{name}] of {config.path}, or {ENV['usersig']}; expected the app's secret key"
        )
    return Profile(
        name=name,
        sdkappid=values["sdkappid"],
        identifier=values.get("identifier", DEFAULT_IDENTIFIER),
        secret_key=secret_key,
        usersig=usersig,
        region=values.get("region", DEFAULT_REGION),
        endpoint=values.get("endpoint"),
        max_rps=values.get("max_rps", DEFAULT_MAX_RPS),
        interval=values.get("interval", DEFAULT_INTERVAL_S),
        ca_bundle=values.get("ca_bundle"),
    )


def _secret_key(
    name: str, table: Mapping[str, Any], environ: Mapping[str, str], config: ConfigFile, section: str
) -> tuple[str | None, Source | None]:
    if "secret_key" in table and "secret_key_file" in table:
        raise ConfigError(f"{section}: both secret_key and secret_key_file are set; expected only one")
    if environ.get(ENV["secret_key"], "").strip():
        return environ[ENV["secret_key"]].strip(), Source("environment", f"environment {ENV['secret_key']}")
    var = ENV["secret_key_file"]
    if environ.get(var, "").strip():
        where = f"environment {var}"
        path = Path(environ[var].strip()).expanduser()
        return _read_secret_file(path, where), Source("secret_key_file", f"file {path} ({where})")
    if "secret_key_file" in table:
        raw = table["secret_key_file"]
        where = f"{section} secret_key_file"
        if not isinstance(raw, str) or not raw.strip():
            raise ConfigError(f"{where} = {_show(raw)}; expected the path of a file holding the secret key")
        path = Path(raw.strip()).expanduser()
        if not path.is_absolute():
            path = config.path.parent / path
        return _read_secret_file(path, where), Source("secret_key_file", f"file {path} (secret_key_file)")
    if "secret_key" in table:
        return _secret_in_config(table, "secret_key", config, section), Source(
            "config", f"{config.path} [profiles.{name}] (file is private)"
        )
    return None, None


def _usersig(
    name: str, table: Mapping[str, Any], environ: Mapping[str, str], config: ConfigFile, section: str
) -> tuple[str | None, Source | None]:
    if environ.get(ENV["usersig"], "").strip():
        return environ[ENV["usersig"]].strip(), Source("environment", f"environment {ENV['usersig']}")
    if "usersig" in table:
        return _secret_in_config(table, "usersig", config, section), Source(
            "config", f"{config.path} [profiles.{name}] (file is private)"
        )
    return None, None


def _secret_in_config(table: Mapping[str, Any], key: str, config: ConfigFile, section: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{section} {key}: expected a non-empty string")
    _require_private(config.path, f"{section} {key}", "the config file holds a secret")
    return value.strip()


def _read_secret_file(path: Path, where: str) -> str:
    if not str(path).isprintable():  # NUL, line breaks, escapes: not a real path, and not fit for a message
        raise ConfigError(f"{where}: {str(path)!r} is not a usable path; expected a file holding the secret key")
    try:
        _require_private(path, where, "it holds the secret key")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: {path} does not exist; expected a file holding the secret key") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: {path} is a folder; expected a file holding the secret key") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: {path} is not UTF-8 text; expected the secret key as text") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path} ({exc.strerror or exc})") from None
    key = text.strip()
    if not key:
        raise ConfigError(f"{where}: {path} is empty; expected the secret key")
    if any(ch.isspace() for ch in key):
        raise ConfigError(f"{where}: {path} holds several words; expected only the secret key")
    return key


def _require_private(path: Path, where: str, why: str) -> None:
    """Refuse a secret in a file that group or others can read or write, as ssh does for private keys."""
    if os.name == "nt":
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{where}: refusing {path} with mode {stat.S_IMODE(mode):03o} because {why}; "
            f"expected mode 600 or 400 (run: chmod 600 {path})"
        )


# --- value checks: each takes (raw value, where) and returns the typed value or raises ConfigError ----------


def _int(raw: object, where: str, expected: str) -> int:
    if isinstance(raw, bool):
        raise ConfigError(f"{where} = {_show(raw)}; expected {expected}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw.strip()):
        return int(raw.strip())
    raise ConfigError(f"{where} = {_show(raw)}; expected {expected}")


def _check_sdkappid(raw: object, where: str) -> int:
    expected = "a positive integer (the app's SDKAppID, e.g. 1400000000)"
    value = _int(raw, where, expected)
    if value <= 0:
        raise ConfigError(f"{where} = {_show(raw)}; expected {expected}")
    return value


def _check_max_rps(raw: object, where: str) -> int:
    lo, hi = MAX_RPS_RANGE
    expected = f"an integer from {lo} to {hi} (requests per second; the API allows {hi} per app)"
    value = _int(raw, where, expected)
    if not lo <= value <= hi:
        raise ConfigError(f"{where} = {_show(raw)}; expected {expected}")
    return value


def _check_interval(raw: object, where: str) -> float:
    expected = f"a number of seconds, at least {MIN_INTERVAL_S:g}"
    value: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().removesuffix("s"))
        except ValueError:
            value = None
    if value is None or not math.isfinite(value) or value < MIN_INTERVAL_S:
        raise ConfigError(f"{where} = {_show(raw)}; expected {expected}")
    return value


def _check_identifier(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip() or any(ch.isspace() for ch in raw.strip()):
        raise ConfigError(f"{where} = {_show(raw)}; expected an administrator account name such as \"admin\"")
    return raw.strip()


def _check_region(raw: object, where: str) -> str:
    if isinstance(raw, str) and raw.strip().lower() in REGIONS:
        return raw.strip().lower()
    raise ConfigError(f"{where} = {_show(raw)}; expected one of: {', '.join(REGIONS)}")


def _check_endpoint(raw: object, where: str) -> str:
    if not isinstance(raw, str):
        raise ConfigError(f"{where} = {_show(raw)}; expected a base URL such as \"https://console.tim.qq.com\"")
    try:
        return check_endpoint(raw)
    except ApiError as exc:
        raise ConfigError(f"{where}: {exc.message}") from None


def _check_ca_bundle(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{where} = {_show(raw)}; expected the path of a PEM file of CA certificates")
    path = Path(raw.strip()).expanduser()
    if not path.is_file():
        raise ConfigError(f"{where} = {_show(raw)}: no such file; expected a PEM file of CA certificates")
    return str(path)


_CHECKS = {
    "sdkappid": _check_sdkappid,
    "identifier": _check_identifier,
    "region": _check_region,
    "endpoint": _check_endpoint,
    "max_rps": _check_max_rps,
    "interval": _check_interval,
    "ca_bundle": _check_ca_bundle,
}
