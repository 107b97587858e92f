"""`pushwatch` with no command: the live monitor on the saved watchlist.

Resolves the profiles the watchlist uses (only `--profile`'s when given), loads the watchlist and the
last-known state, builds the engine and runs the Textual app. A profile that cannot be resolved is shown as a
warning in the app (its tasks stay visible, unpolled) unless no profile at all can be resolved.
"""

from __future__ import annotations

import argparse
from typing import Any

from pushwatch.commands._common import profile_arg
from pushwatch.config import ConfigError, choose_profile_name, resolve_profiles
from pushwatch.engine.profile import Profile
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist


def register(subparsers: Any) -> None:
    """The monitor is the default command; it has no subcommand of its own."""


def choose_profiles(only: str | None, used: list[str]) -> tuple[dict[str, Profile], str, list[str]]:
    """(profiles to poll, default profile name, warnings). Raises ConfigError when none can be resolved."""
    default = choose_profile_name(only)
    names = [default] if only else list(dict.fromkeys([default, *used]))
    profiles: dict[str, Profile] = {}
    warnings: list[str] = []
    first_error: ConfigError | None = None
    for name in names:
        try:
            profiles.update(resolve_profiles([name], active=default))
        except ConfigError as exc:
            first_error = first_error or exc
            warnings.append(f"profile {name!r} is not polled: {exc}")
    if not profiles:
        assert first_error is not None
        raise first_error
    return profiles, default, warnings


def run(args: argparse.Namespace) -> int:
    from pushwatch.tui.app import build_app, engine_factory  # Textual only when the monitor is wanted

    only = profile_arg(args)
    watchlist = Watchlist()
    entries = watchlist.load()  # WatchlistError (a UserError) ends as one line before the screen opens
    if only:
        only = choose_profile_name(only)
    profiles, default, warnings = choose_profiles(only, [e.profile for e in entries])
    if only:
        # Show only this profile's tasks: another profile's IDs mean nothing to this app's server.
        entries = [e for e in entries if e.profile == only]
    state_store = StateStore()
    app = build_app(
        engine_factory(profiles),
        profiles=profiles,
        watchlist=_ProfileFilter(watchlist, only) if only else watchlist,
        state_store=state_store,
        default_profile=default,
        startup_warnings=warnings,
        tune_gc=True,
    )
    return int(app.run() or 0)


class _ProfileFilter:
    """A watchlist seen through one profile: the monitor with --profile shows and edits only that profile."""

    def __init__(self, watchlist: Watchlist, profile: str) -> None:
        self._w = watchlist
        self._profile = profile

    @property
    def entries(self):
        return [e for e in self._w.entries if e.profile == self._profile]

    def load(self):
        return [e for e in self._w.load() if e.profile == self._profile]

    def changed(self) -> bool:
        return self._w.changed()

    def add(self, ids, *, profile: str, label: str = "") -> int:
        return self._w.add(ids, profile=profile, label=label)

    def remove(self, ids, *, profile: str | None = None) -> int:
        return self._w.remove(ids, profile=profile or self._profile)

    def set_label(self, task_id: str, label: str, *, profile: str | None = None) -> bool:
        return self._w.set_label(task_id, label, profile=profile or self._profile)
