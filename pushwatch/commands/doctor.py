"""`pushwatch doctor`: where everything is, where each setting came from, and whether the credentials work.

Never prints a secret: only where it came from. The credential check is one harmless request for a task
ID that cannot exist; the answer 90016 ("no such task") proves that the SDKAppID, identifier, key and
region are all right. Exit code 0 only when nothing is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from pushwatch import paths
from pushwatch.api.client import ReportClient
from pushwatch.commands._common import add_profile_option
from pushwatch.api.models import ApiError, ErrorKind, ServiceError, TransportError
from pushwatch.config import ConfigError, Resolution, explain_profile, load_config_file
from pushwatch.engine.profile import Profile
from pushwatch.store.watchlist import Watchlist

PROBE_ID = "pushwatch_doctor_probe_0"
PROBE_TIMEOUT_S = 10.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check configuration and credentials with one harmless request",
        description="Show where pushwatch keeps its files, which profile is used and where each setting "
        "comes from, then check the credentials with one harmless request.",
    )
    add_profile_option(p)


def run(args: argparse.Namespace) -> int:
    problems = 0
    print(f"config dir        {paths.config_dir()}{_env_note(paths.CONFIG_DIR_ENV)}")
    print(f"data dir          {paths.data_dir()}{_env_note(paths.DATA_DIR_ENV)}")
    try:
        config = load_config_file()
        print(f"config file       {config.path}" + ("" if config.exists else " (none: using the environment only)"))
    except ConfigError as exc:
        print(f"config file       {paths.config_file()}")
        print(f"  PROBLEM: {exc}")
        problems += 1
    watchlist = Watchlist()
    problem = watchlist.check()
    print(f"watchlist         {watchlist.path}" + ("" if watchlist.path.exists() else " (not created yet)"))
    if problem:
        print(f"  PROBLEM: {problem}; `pushwatch list` moves it aside and starts a new one")
        problems += 1
    writable = _check_writable(paths.data_dir())
    if writable:
        print(f"  PROBLEM: {writable}")
        problems += 1
    print(f"last-known state  {paths.state_file()}")

    try:
        res = explain_profile(getattr(args, "profile", None))
    except ConfigError as exc:
        print(f"\nPROBLEM: {exc}")
        return 1
    print()
    _print_profile(res)
    problems += _print_other_profiles(res.name, watchlist)
    if res.error is not None:
        print(f"\nPROBLEM: {res.error}")
        return 1
    assert res.profile is not None
    print()
    ok = asyncio.run(check_credentials(res.profile))
    return 0 if ok and not problems else 1


def _env_note(var: str) -> str:
    return f"  (from {var})" if os.environ.get(var, "").strip() else ""


def _check_writable(folder: Path) -> str:
    """A problem sentence when the data dir (or, before it exists, its nearest existing parent) cannot take
    a new file; '' otherwise. Creates nothing that stays."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"data dir {folder}: {probe} is a file, not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".pushwatch-doctor-"):
            pass
    except OSError as exc:
        return f"data dir {folder}: cannot write in {probe}: {exc.strerror or exc}"
    return ""


def _print_profile(res: Resolution) -> None:
    p = res.profile
    note = "" if res.in_config else " (not in config.toml: environment only)"
    print(f"profile           {res.name}{note}")
    for key in ("sdkappid", "identifier", "region", "endpoint", "max_rps", "interval", "ca_bundle"):
        source = res.sources.get(key)
        if source is None:
            continue  # resolution stopped before this setting
        value = res.values.get(key)
        if source.kind == "default" and value is None:
            continue
        shown = f"{value:g} s" if key == "interval" and isinstance(value, float) else value
        print(f"  {key:<16}{shown}  ({'default' if source.kind == 'default' else 'from ' + str(source)})")
    key_src, sig_src = res.sources.get("secret_key"), res.sources.get("usersig")
    print(f"  {'secret key':<16}" + (f"from {key_src}" if key_src else "not set"))
    if sig_src:
        print(f"  {'usersig':<16}from {sig_src}")
    if p is not None:
        print(f"  {'requests go to':<16}{', '.join(p.endpoints)}")


def _print_other_profiles(active: str, watchlist: Watchlist) -> int:
    """Say which other profiles exist and flag tasks whose profile is nowhere defined; returns problems."""
    try:
        config = load_config_file()
    except ConfigError:
        return 0
    counts: dict[str, int] = {}
    for e in watchlist.entries:
        counts[e.profile] = counts.get(e.profile, 0) + 1
    if counts:
        shown = ", ".join(f"{name} {n}" for name, n in counts.items())
        print(f"  {'tasks':<16}{sum(counts.values())} watched ({shown})")
    others = [n for n in config.profiles if n != active]
    if others:
        print(f"  {'other profiles':<16}{', '.join(others)}  (check one with: pushwatch --profile NAME doctor)")
    orphans = [n for n in counts if n != active and n not in config.profiles]
    if orphans:
        print(
            f"  PROBLEM: tasks belong to profile(s) {', '.join(orphans)} that {config.path} does not define; "
            "they cannot be polled until a [profiles.NAME] table exists"
        )
        return 1
    return 0


async def check_credentials(profile: Profile) -> bool:
    """One request for an ID that cannot exist; prints what the answer means. True when credentials work."""
    host = profile.host
    print(f"checking credentials against {host} ...")
    try:
        client = ReportClient(profile.endpoints, profile.signer(), timeout=PROBE_TIMEOUT_S, ca_bundle=profile.ca_bundle)
    except (ApiError, ValueError) as exc:
        print(f"PROBLEM: {exc}")
        return False
    try:
        await client.fetch([PROBE_ID])
    except ServiceError as exc:
        return _interpret(exc)
    except TransportError as exc:
        print(f"PROBLEM: cannot reach {host}: {exc}; check the network, proxy, region/endpoint")
        return False
    except ApiError as exc:
        print(f"PROBLEM: {exc}")
        return False
    finally:
        await client.aclose()
    print("OK: the server answered with a report; credentials work")
    return True


def _interpret(exc: ServiceError) -> bool:
    if exc.kind is ErrorKind.INVALID_IDS:
        print("OK: credentials accepted (the server answered 90016 for the probe ID, as expected)")
        return True
    if exc.kind in (ErrorKind.RATE_LIMITED, ErrorKind.PAUSE, ErrorKind.RETRYABLE):
        print(f"INCONCLUSIVE: {exc}; the credentials could not be checked now, try again shortly")
        return False
    if exc.kind in (ErrorKind.AUTH_REJECTED, ErrorKind.AUTH_EXPIRED):
        print(f"PROBLEM: credentials refused: {exc}")
        return False
    print(f"PROBLEM: {exc}")
    return False
