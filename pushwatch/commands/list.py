"""`pushwatch list [--json]`: the watchlist with each task's last-known state (no request is made).

`--json` prints `{"TaskIds": [...], "Tasks": [...]}`; each task object uses the API's own report field names
(TaskId, Status, StartTime, Finished, Total) plus Profile, Label, Added and ReportedAt (unix seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from pushwatch.commands._common import add_profile_option, plural, profile_arg
from pushwatch.config import choose_profile_name
from pushwatch.engine.events import TaskState
from pushwatch.store.state import StateStore
from pushwatch.store.watchlist import WatchEntry, Watchlist, WatchlistError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "list",
        help="show the watchlist with last-known state",
        description="Show the watched tasks with their last-known state (as last seen by a running "
        "pushwatch; no request is made).",
    )
    p.add_argument("--json", action="store_true", help='print {"TaskIds": [...], "Tasks": [...]}')
    add_profile_option(p)


def run(args: argparse.Namespace) -> int:
    name = profile_arg(args)
    profile = choose_profile_name(name) if name else None
    watchlist = Watchlist()
    status = 0
    try:
        loaded = watchlist.load()
    except WatchlistError as exc:
        if watchlist.recovered is None:
            raise
        print(f"pushwatch: {exc}", file=sys.stderr)  # moved aside: show the (now empty) list, exit 1
        loaded, status = [], 1
    entries = [e for e in loaded if profile is None or e.profile == profile]
    store = StateStore()
    states = store.load()
    if store.problem:
        print(f"pushwatch: {store.problem}", file=sys.stderr)
    if args.json:
        doc = {"TaskIds": [e.task_id for e in entries], "Tasks": [task_json(e, states.get(e.key)) for e in entries]}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return status
    _print_table(entries, states, time.time())
    return status


def task_json(entry: WatchEntry, state: TaskState | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"TaskId": entry.task_id}
    if state is not None and state.report is not None:
        doc.update(state.report.to_api())
        doc["TaskId"] = entry.task_id
        doc["ReportedAt"] = state.reported_at
    doc["Profile"] = entry.profile
    doc["Label"] = entry.label
    doc["Added"] = entry.added_at
    if state is not None and state.invalid:
        doc["Invalid"] = True
    return doc


def describe(state: TaskState | None, now: float) -> tuple[str, str, str]:
    """(status word, progress, age) of a task's last-known state."""
    if state is None or (state.report is None and not state.invalid):
        return ("unknown", "", "never seen")
    if state.invalid:
        return ("invalid", "", "")
    r = state.report
    assert r is not None
    word = "INCOMPLETE" if r.incomplete else r.status.word
    progress = ""
    if r.finished is not None and r.total is not None:
        pct = f" {100 * r.finished / r.total:.0f}%" if r.total else ""
        progress = f"{r.finished:,}/{r.total:,}{pct}"
    age = state.age(now)
    return (word, progress, "" if age is None or not state.reported_at else f"{_age(age)} ago")


def _age(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _print_table(entries: list[WatchEntry], states: dict[tuple[str, str], TaskState], now: float) -> None:
    if not entries:
        print("the watchlist is empty; add task IDs with `pushwatch add ID...`")
        return
    show_profile = len({e.profile for e in entries}) > 1
    rows = []
    for e in entries:
        word, progress, age = describe(states.get(e.key), now)
        row = [e.task_id] + ([e.profile] if show_profile else []) + [word, progress, age, e.label]
        rows.append(row)
    header = ["TASK"] + (["PROFILE"] if show_profile else []) + ["STATUS", "PUSHED", "SEEN", "LABEL"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    write = sys.stdout.write
    for row in [header, *rows]:
        write("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    profiles = {e.profile for e in entries}
    write(f"{plural(len(entries), 'task')}" + (f" in {len(profiles)} profiles" if show_profile else "") + "\n")
