"""`pushwatch add ID... [--label L] [--profile P]`: watch more task IDs (`-` reads them from stdin).

Safe while a monitor runs and while other `add`s run: the watchlist merges every writer's changes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pushwatch.commands._common import add_profile_option, plural, profile_arg, read_ids
from pushwatch.config import choose_profile_name
from pushwatch.errors import UserError
from pushwatch.store.watchlist import Watchlist


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "add",
        help="add task IDs to the watchlist ('-' reads them from stdin)",
        description="Add task IDs to the watchlist. IDs may be separated by spaces, commas or newlines; "
        "'-' reads them from stdin (pushwatch add - < ids.txt). Already watched IDs are left as they are.",
    )
    p.add_argument("ids", nargs="+", metavar="ID", help="task ID, or '-' for stdin")
    p.add_argument("--label", default="", help="a short note shown next to the tasks")
    add_profile_option(p)


def run(args: argparse.Namespace) -> int:
    ids = read_ids(args.ids)
    if not ids:
        raise UserError("no task IDs given (stdin was empty?)")
    profile = choose_profile_name(profile_arg(args))
    watchlist = Watchlist()
    added = watchlist.add(ids, profile=profile, label=args.label)
    known = len(ids) - added
    note = f" ({known} already watched)" if known else ""
    print(
        f"added {plural(added, 'task')} to profile {profile!r}{note}; watching {len(watchlist.entries)} in all",
        file=sys.stdout,
        flush=True,
    )
    return 0
