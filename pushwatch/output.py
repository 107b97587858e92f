"""Text and JSON renderings of engine results for the non-TUI front ends (`report`, `watch`).

Pure formatting: no I/O, no engine state, so the exact shapes are easy to test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pushwatch.api.models import Report, Status

NO_CODE = -1  # ErrorCode in `report --json` for failures without an API code (network, HTTP, bad answer)
INVALID_CODE = 90016


@dataclass
class ErrorGroup:
    """Tasks that failed the same way: one JSON object, one stderr line."""

    code: int
    info: str
    task_ids: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {"TaskIds": list(self.task_ids), "ErrorCode": self.code, "ErrorInfo": self.info}

    def line(self, limit: int = 5) -> str:
        ids = self.task_ids
        shown = ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
        what = "task" if len(ids) == 1 else f"{len(ids)} tasks"
        return f"no report for {what} ({shown}): {self.info}"


def group_errors(failures: Iterable[tuple[str, int | None, str]]) -> list[ErrorGroup]:
    """(task_id, code, message) -> groups by (code, message), in first-seen order."""
    groups: dict[tuple[int, str], ErrorGroup] = {}
    for task_id, code, message in failures:
        key = (NO_CODE if code is None else code, message)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ErrorGroup(key[0], message)
        group.task_ids.append(task_id)
    return list(groups.values())


def report_document(reports: Iterable[Report], errors: Iterable[ErrorGroup]) -> dict[str, Any]:
    """The `report --json` document (DESIGN.md): API field names, API-style error objects."""
    return {"Reports": [r.to_api() for r in reports], "Errors": [e.to_api() for e in errors]}


def dump_json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1)


def status_word(report: Report) -> str:
    """Never colour alone: incomplete pushes get a word of their own."""
    return "INCOMPLETE" if report.incomplete else report.status.word


def progress(report: Report) -> str:
    if report.finished is None or report.total is None:
        return ""
    pct = f" {100 * report.finished / report.total:.0f}%" if report.total else ""
    text = f"{report.finished:,}/{report.total:,}{pct}"
    if report.incomplete:
        text += f" ({report.shortfall:,} not pushed)"
    return text


def started(report: Report) -> str:
    return report.start_time.strftime("%Y-%m-%d %H:%M:%S") if report.start_time else ""


def report_table(rows: Sequence[tuple[str, Report]], *, show_profile: bool = False) -> list[str]:
    """Aligned lines for (profile, report) rows, a header first and a one-line summary last."""
    header = ["TASK"] + (["PROFILE"] if show_profile else []) + ["STATUS", "PUSHED", "STARTED"]
    table = [header]
    for profile, r in rows:
        table.append([r.task_id] + ([profile] if show_profile else []) + [status_word(r), progress(r), started(r)])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines.append(summary([r for _, r in rows]))
    return lines


def summary(reports: Sequence[Report]) -> str:
    counts = {s: 0 for s in Status}
    incomplete = 0
    for r in reports:
        counts[r.status] += 1
        incomplete += r.incomplete
    parts = [f"{counts[s]} {s.word}" for s in (Status.PUSHING, Status.NOT_STARTED, Status.FINISHED) if counts[s]]
    text = f"{len(reports)} task{'' if len(reports) == 1 else 's'}" + (": " + ", ".join(parts) if parts else "")
    if incomplete:
        text += f" ({incomplete} INCOMPLETE)"
    return text


# ----- watch lines --------------------------------------------------------------------------------------


def plain_line(when: float, kind: str, text: str, profile: str | None = None) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return f"{stamp} {kind:<8} " + (f"[{profile}] " if profile else "") + text


def jsonl_line(when: float, kind: str, profile: str, fields: dict[str, Any]) -> str:
    doc: dict[str, Any] = {"time": round(when, 3), "event": kind, "profile": profile}
    doc.update(fields)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
