"""`pushwatch label ID TEXT`: set (or with "" clear) the note shown next to a task."""

from __future__ import annotations

import argparse
from typing import Any

from pushwatch.commands._common import add_profile_option, out, profile_arg
from pushwatch.config import choose_profile_name
from pushwatch.errors import UserError
from pushwatch.store.watchlist import Watchlist


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "label", help="set the label of a watched task", description="Set (or with '' clear) a task's label."
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("text", metavar="TEXT", nargs="+", help="the label (several words are joined)")
    add_profile_option(p)


def run(args: argparse.Namespace) -> int:
    name = profile_arg(args)
    profile = choose_profile_name(name) if name else None
    text = " ".join(args.text)
    task_id = args.id.strip()
    if not Watchlist().set_label(task_id, text, profile=profile):
        where = f" of profile {profile!r}" if profile else ""
        raise UserError(f"task {task_id!r} is not in the watchlist{where}; add it first with `pushwatch add`")
    out(f"labelled {task_id}: {text!r}" if text.strip() else f"cleared the label of {task_id}")
    return 0
