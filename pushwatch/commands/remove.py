"""`pushwatch remove ID...` and `pushwatch remove --finished`: stop watching tasks.

`--finished` removes only complete tasks (Status 2 and Finished >= Total in the last-known state): an
incomplete push is the one an operator must look at, so it stays unless `--include-incomplete` is given.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pushwatch.commands._common import add_profile_option, out, plural, profile_arg, read_ids
from pushwatch.config import choose_profile_name
from pushwatch.engine.events import TaskState
from pushwatch.errors import UserError
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import Watchlist


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "remove",
        help="remove task IDs from the watchlist (or --finished ones)",
        description="Remove task IDs from the watchlist ('-' reads them from stdin), or with --finished "
        "every task whose last-known state is finished and complete.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="task ID, or '-' for stdin")
    p.add_argument("--finished", action="store_true", help="remove tasks that finished complete (Finished >= Total)")
    p.add_argument(
        "--include-incomplete",
        action="store_true",
        help="with --finished: also remove tasks that finished short of Total",
    )
    add_profile_option(p)


def run(args: argparse.Namespace) -> int:
    name = profile_arg(args)
    profile = choose_profile_name(name) if name else None
    if args.include_incomplete and not args.finished:
        raise UserError("--include-incomplete only goes with --finished")
    if args.finished:
        if args.ids:
            raise UserError("give either task IDs or --finished, not both")
        return _remove_finished(profile, args.include_incomplete)
    ids = read_ids(args.ids)
    if not ids:
        raise UserError("no task IDs given (or use --finished)")
    watchlist = Watchlist()
    before = {e.task_id for e in watchlist.load() if profile is None or e.profile == profile}
    removed = watchlist.remove(ids, profile=profile)
    out(f"removed {plural(removed, 'task')}; watching {len(watchlist.entries)} in all")
    missing = [i for i in ids if i not in before]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        print(f"pushwatch: not in the watchlist: {shown}", file=sys.stderr)
    return 0


def is_complete(state: TaskState | None) -> bool:
    r = state.report if state else None
    return bool(r and r.is_final and r.finished is not None and r.total is not None and r.finished >= r.total)


def is_incomplete(state: TaskState | None) -> bool:
    return bool(state and state.report and state.report.incomplete)


def _remove_finished(profile: str | None, include_incomplete: bool) -> int:
    watchlist = Watchlist()
    entries = watchlist.load()
    states = StateStore().load()
    scope = [e for e in entries if profile is None or e.profile == profile]
    complete = [e for e in scope if is_complete(states.get(e.key))]
    incomplete = [e for e in scope if is_incomplete(states.get(e.key))]
    chosen = complete + (incomplete if include_incomplete else [])
    removed = 0
    by_profile: dict[str, list[str]] = {}
    for e in chosen:
        by_profile.setdefault(e.profile, []).append(e.task_id)
    for name, ids in by_profile.items():
        removed += watchlist.remove(ids, profile=name)
    out(f"removed {plural(removed, 'finished task')}; watching {len(watchlist.entries) if removed else len(entries)} in all")
    if incomplete and not include_incomplete:
        print(
            f"pushwatch: kept {plural(len(incomplete), 'incomplete task')} (finished short of Total); "
            "add --include-incomplete to remove them too",
            file=sys.stderr,
        )
    return 0
