"""`pushwatch report [--json] [ID ...]`: one sweep of the given IDs (or of the watchlist), printed.

Exit status: 0 when every ID got a report, 1 when some did not (one line per kind of failure on stderr),
2 for a user mistake (bad configuration, no IDs). `--json` prints one document:
`{"Reports": [API report objects], "Errors": [{"TaskIds": [...], "ErrorCode": int, "ErrorInfo": str}]}`;
failures without an API error code (network, HTTP status, unreadable answer) carry ErrorCode -1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pushwatch.api.models import ERROR_CODES, ApiError, Report
from pushwatch.commands._common import add_profile_option, profile_arg, read_ids
from pushwatch.config import choose_profile_name, resolve_profile, resolve_profiles
from pushwatch.engine.events import Event, StateChanged, TaskFailed, TaskInvalid, TaskReported
from pushwatch.engine.monitor import make_source
from pushwatch.engine.poller import Poller
from pushwatch.engine.profile import Profile
from pushwatch.errors import UserError
from pushwatch.output import INVALID_CODE, dump_json, group_errors, report_document, report_table
from pushwatch.store.watchlist import Watchlist

INVALID_INFO = ERROR_CODES[INVALID_CODE].meaning


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="one sweep of the given IDs (or the watchlist), printed",
        description="Ask once for the reports of the given task IDs (or of the whole watchlist when none are "
        "given) and print them. Exit 0 only when every ID got a report.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="task ID ('-' reads IDs from stdin)")
    p.add_argument("--json", action="store_true", help='print {"Reports": [...], "Errors": [...]}')
    add_profile_option(p)


@dataclass
class Results:
    """What one sweep per profile produced, keyed by (profile, task_id)."""

    reports: dict[tuple[str, str], Report] = field(default_factory=dict)
    failures: dict[tuple[str, str], tuple[int | None, str]] = field(default_factory=dict)
    fatal: list[str] = field(default_factory=list)

    def on_event(self, event: Event) -> None:
        if isinstance(event, TaskReported):
            key = (event.profile, event.report.task_id)
            self.reports[key] = event.report
            self.failures.pop(key, None)
        elif isinstance(event, TaskFailed):
            self.failures[(event.profile, event.task_id)] = (event.code, event.message)
        elif isinstance(event, TaskInvalid):
            self.failures[(event.profile, event.task_id)] = (INVALID_CODE, INVALID_INFO)
        elif isinstance(event, StateChanged) and event.state.name == "STOPPED" and event.message:
            self.fatal.append(event.message)


async def sweep_once(
    targets: dict[str, list[str]],
    profiles: dict[str, Profile],
    *,
    source_factory: Callable[[Profile], Any] = make_source,
) -> Results:
    """One forced sweep per profile (final tasks included), all profiles at once."""
    results = Results()
    pollers: list[Poller] = []
    try:
        for name, ids in targets.items():
            try:
                source = source_factory(profiles[name])
            except ApiError as exc:
                raise UserError(f"profile {name!r}: {exc.message}") from None
            pollers.append(Poller(profiles[name], source, lambda ids=ids: ids, results.on_event))
        await asyncio.gather(*(p.sweep(force=True) for p in pollers))
    finally:
        for p in pollers:
            await p.source.aclose()
    return results


def run(args: argparse.Namespace) -> int:
    name = profile_arg(args)
    ids = read_ids(args.ids)
    if args.ids and not ids:
        raise UserError("no task IDs given (stdin was empty?)")
    if ids:
        profile = resolve_profile(name)
        targets = {profile.name: ids}
        profiles = {profile.name: profile}
        order = [(profile.name, t) for t in ids]
    else:
        chosen = choose_profile_name(name) if name else None
        entries = [e for e in Watchlist().load() if chosen is None or e.profile == chosen]
        targets = {}
        for e in entries:
            targets.setdefault(e.profile, []).append(e.task_id)
        profiles = resolve_profiles(targets, active=name) if targets else {}
        order = [e.key for e in entries]
        if not entries:
            print("pushwatch: the watchlist is empty; give task IDs or add some with `pushwatch add ID...`",
                  file=sys.stderr)
    results = asyncio.run(sweep_once(targets, profiles)) if targets else Results()

    rows = [(key[0], results.reports[key]) for key in order if key in results.reports]
    failed = [(key[1], *results.failures.get(key, (None, "no answer"))) for key in order if key not in results.reports]
    groups = group_errors(failed)
    for group in groups:
        print(f"pushwatch: {group.line()}", file=sys.stderr)
    if args.json:
        sys.stdout.write(dump_json(report_document([r for _, r in rows], groups)) + "\n")
    elif rows:
        sys.stdout.write("\n".join(report_table(rows, show_profile=len(profiles) > 1)) + "\n")
    sys.stdout.flush()
    return 1 if failed else 0
