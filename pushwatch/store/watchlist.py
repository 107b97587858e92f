"""The persistent watchlist: which task IDs to watch, for which profile, with an optional label.

Shared between running copies (a TUI, `pushwatch add` from a script in another pane): every change is a
read-merge-write under an exclusive lock, saved atomically, so concurrent writers lose nothing. A running copy
calls `changed()` (a cheap stat) before each sweep and reloads when another process wrote. A file that fails
to parse is moved aside under a clear name and never overwritten.

watchlist.toml:

    version = 1
    [[tasks]]
    id = "144115197002484901_2016053001_2016053001"
    profile = "default"
    label = "spring sale"
    added = 2026-12-03T16:52:12Z
"""

from __future__ import annotations

import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import tomli_w

from pushwatch import paths
from pushwatch.errors import UserError
from pushwatch.store import no_gc
from pushwatch.store.atomic import StoreError, file_identity, locked, write_atomic

FORMAT_VERSION = 1
MAX_ID_LEN = 512
MAX_LABEL_LEN = 200

# Separators: commas and any whitespace, including unicode spaces (NBSP, ideographic space, ...) and the
# zero-width ones that `str.split()` does not know about but that pasting from web pages brings along.
_SEPARATORS = re.compile(r"[\s,\u200b\u200c\u200d\u2060\ufeff]+")


class WatchlistError(UserError):
    """The watchlist cannot be read or saved; the message says which file, what happened and what to do."""


@dataclass(frozen=True)
class WatchEntry:
    task_id: str
    profile: str
    label: str = ""
    added_at: float = 0.0  # unix seconds

    @property
    def key(self) -> tuple[str, str]:
        return (self.profile, self.task_id)


def parse_ids(text: str) -> list[str]:
    """Task IDs from pasted text: whitespace, commas, newlines and unicode spaces separate; blanks are
    trimmed; duplicates are dropped keeping the first occurrence's order."""
    return list(dict.fromkeys(part for part in _SEPARATORS.split(text) if part))


def check_id(task_id: str) -> str:
    """An ID is opaque (spec/API.md) so only what can never be an ID is refused."""
    if len(task_id) > MAX_ID_LEN:
        raise WatchlistError(f"task ID {task_id[:40]!r}... is {len(task_id)} characters; expected at most {MAX_ID_LEN}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in task_id):
        raise WatchlistError(f"task ID {task_id!r} contains control characters")
    return task_id


def check_label(label: str) -> str:
    label = " ".join(label.split())
    if len(label) > MAX_LABEL_LEN:
        raise WatchlistError(f"label is {len(label)} characters; expected at most {MAX_LABEL_LEN}")
    return label


class Watchlist:
    """One watchlist file. `entries` holds what the last load or save saw."""

    def __init__(self, path: Path | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else paths.watchlist_file()
        self.entries: list[WatchEntry] = []
        self.recovered: Path | None = None  # where the last corrupt file was moved to
        self.problem = ""  # the last error `current()` swallowed, for a front end to show
        self._loaded = False
        self._clock = clock
        self._seen: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"Watchlist({str(self.path)!r}, {len(self.entries)} entries)"

    # --- reading ---------------------------------------------------------------------------------------

    def load(self) -> list[WatchEntry]:
        """Read the file (a missing file is an empty watchlist). A corrupt file is moved aside and
        WatchlistError raised; the next load then starts from an empty watchlist."""
        self.entries = self._read()
        self._loaded = True
        return list(self.entries)

    def current(self) -> list[WatchEntry]:
        """The entries, reloaded first when another process changed the file (one stat per call), for a
        running monitor's `tasks()` callback. Never raises: a problem is kept in `problem` and the last
        good entries stay in use (a corrupt file is moved aside, then the list starts empty)."""
        if self.changed() or not self._loaded:
            try:
                self.load()
                self.problem = ""
            except WatchlistError as exc:
                self.problem = str(exc)
                if self.recovered is not None:
                    self.entries = []
        return self.entries

    def check(self) -> str:
        """Why the file cannot be used ('' when it can, and then `entries` holds it), without moving or
        changing anything (for doctor)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            return f"cannot read {self.path}: {exc.strerror or exc}"
        try:
            self.entries = _decode(data)
        except _NewerFormat as exc:
            return f"{self.path} was written by a newer pushwatch (format version {exc.args[0]})"
        except _Corrupt as exc:
            return f"{self.path} could not be read ({exc.args[0]})"
        return ""

    def changed(self) -> bool:
        """Whether the file differs from what our last load or save saw (another process wrote it)."""
        return self._stat() != self._seen

    def _stat(self) -> tuple[int, int, int] | None:
        return file_identity(self.path)

    def _read(self) -> list[WatchEntry]:
        seen = self._stat()
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            self._seen = None
            return []
        except OSError as exc:
            raise WatchlistError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        self._seen = seen
        try:
            with no_gc():
                return _decode(data)
        except _NewerFormat as exc:
            raise WatchlistError(
                f"{self.path} was written by a newer pushwatch (format version {exc.args[0]}, this one reads "
                f"{FORMAT_VERSION}); upgrade pushwatch. The file was left as it is"
            ) from None
        except _Corrupt as exc:
            self._seen = None
            aside = self._move_aside()
            self.recovered = aside
            raise WatchlistError(
                f"{self.path} could not be read ({exc.args[0]}); it was kept unchanged as {aside} and "
                f"pushwatch starts with an empty watchlist. Fix that file and move it back to restore it"
            ) from None

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        target, n = base, 1
        while target.exists():
            n += 1
            target = base.with_name(f"{base.name}-{n}")
        try:
            os.rename(self.path, target)  # same folder: atomic, content untouched
        except OSError as exc:
            raise WatchlistError(
                f"{self.path} could not be read and could not be moved aside ({exc.strerror or exc}); "
                f"it was left untouched: fix or remove it"
            ) from None
        return target

    # --- changing: read-merge-write under the lock -------------------------------------------------------

    def add(self, ids: Iterable[str], *, profile: str, label: str = "") -> int:
        """Add IDs to `profile` (already watched ones are kept as they are); returns how many were new."""
        wanted = [check_id(i) for i in dict.fromkeys(i.strip() for i in ids) if i]
        label = check_label(label)
        now = self._clock()

        def change(entries: list[WatchEntry]) -> int:
            have = {e.key for e in entries}
            new = [WatchEntry(i, profile, label, now) for i in wanted if (profile, i) not in have]
            entries.extend(new)
            return len(new)

        return self._update(change)

    def remove(self, ids: Iterable[str], *, profile: str | None = None) -> int:
        """Remove IDs (from every profile, or only `profile`); returns how many entries were removed."""
        gone = set(ids)

        def change(entries: list[WatchEntry]) -> int:
            keep = [e for e in entries if not (e.task_id in gone and (profile is None or e.profile == profile))]
            removed = len(entries) - len(keep)
            entries[:] = keep
            return removed

        return self._update(change)

    def set_label(self, task_id: str, label: str, *, profile: str | None = None) -> bool:
        """Set (or with "" clear) a task's label; False when the task is not in the watchlist."""
        label = check_label(label)

        def change(entries: list[WatchEntry]) -> int:
            hits = 0
            for n, e in enumerate(entries):
                if e.task_id == task_id and (profile is None or e.profile == profile):
                    entries[n] = replace(e, label=label)
                    hits += 1
            return hits

        return self._update(change) > 0

    def _remove_stale_temps(self) -> None:
        """Temp files of a writer that was killed mid-save; safe to delete since we hold the lock."""
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass

    def _update(self, change: Callable[[list[WatchEntry]], int]) -> int:
        try:
            with locked(self.path):
                self._remove_stale_temps()
                entries = self._read()
                count = change(entries)
                if count:
                    write_atomic(self.path, _encode(entries))
                    self._seen = self._stat()
                self.entries = entries
                self._loaded = True
                return count
        except StoreError as exc:
            raise WatchlistError(str(exc)) from None


# --- file format -----------------------------------------------------------------------------------------


class _Corrupt(Exception):
    pass


class _NewerFormat(Exception):
    pass


_SAFE = r'[^"\\\x00-\x1f\x7f]*'  # a TOML basic string body that needs no escapes
_SAFE_STRING = re.compile(_SAFE + r"\Z")
_HEADER = re.compile(r"version = (\d+)\n")
_BLOCK = re.compile(
    rf'\n\[\[tasks\]\]\nid = "({_SAFE})"\nprofile = "({_SAFE})"\n(?:label = "({_SAFE})"\n)?'
    r"added = (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\n"
)


def _encode(entries: list[WatchEntry]) -> bytes:
    """The canonical layout, written directly (tomli-w takes ~20 us an entry); entries with strings that
    need TOML escapes go through tomli-w instead. Both read back the same through tomllib."""
    stamps: dict[int, str] = {}

    def stamp(t: float) -> str:
        s = round(t)
        if s not in stamps:
            stamps[s] = datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return stamps[s]

    safe = _SAFE_STRING.match
    if all(safe(e.task_id) and safe(e.profile) and safe(e.label) for e in entries):
        parts = [f"version = {FORMAT_VERSION}\n"]
        for e in entries:
            label = f'label = "{e.label}"\n' if e.label else ""
            parts.append(
                f'\n[[tasks]]\nid = "{e.task_id}"\nprofile = "{e.profile}"\n{label}added = {stamp(e.added_at)}\n'
            )
        return "".join(parts).encode("utf-8")
    tasks = []
    for e in entries:
        item: dict[str, Any] = {"id": e.task_id, "profile": e.profile}
        if e.label:
            item["label"] = e.label
        item["added"] = datetime.fromtimestamp(round(e.added_at), timezone.utc)
        tasks.append(item)
    return tomli_w.dumps({"version": FORMAT_VERSION, "tasks": tasks}).encode("utf-8")


def _decode(data: bytes) -> list[WatchEntry]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Corrupt(f"not UTF-8 text at byte {exc.start}") from None
    fast = _decode_canonical(text)
    if fast is not None:
        return fast
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Corrupt(f"not valid TOML: {exc}") from None
    return _from_doc(doc)


def _decode_canonical(text: str) -> list[WatchEntry] | None:
    """Read exactly the layout `_encode` writes, ~10x faster than tomllib; None for anything else (hand
    edits, escapes), which then goes through tomllib."""
    head = _HEADER.match(text)
    if head is None or int(head.group(1)) != FORMAT_VERSION:
        return None
    entries: list[WatchEntry] = []
    have: set[tuple[str, str]] = set()
    stamps: dict[str, float] = {}
    pos, end, match = head.end(), len(text), _BLOCK.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        task_id, profile, label, added = m.groups()
        if task_id != task_id.strip() or not task_id or not profile:
            return None  # let the general path judge it
        at = stamps.get(added)
        if at is None:
            at = stamps[added] = datetime.fromisoformat(added.replace("Z", "+00:00")).timestamp()
        key = (profile, task_id)
        if key not in have:
            have.add(key)
            entries.append(WatchEntry(task_id, profile, label or "", at))
        pos = m.end()
    return entries


def _from_doc(doc: dict[str, Any]) -> list[WatchEntry]:
    version = doc.get("version", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Corrupt(f"version = {version!r}, expected {FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise _NewerFormat(version)
    tasks = doc.get("tasks", [])
    if not isinstance(tasks, list):
        raise _Corrupt("`tasks` is not an array of tables")
    entries: list[WatchEntry] = []
    have: set[tuple[str, str]] = set()
    for n, item in enumerate(tasks, 1):
        if not isinstance(item, dict):
            raise _Corrupt(f"task {n} is not a table")
        task_id, profile, label = item.get("id"), item.get("profile", "default"), item.get("label", "")
        if not isinstance(task_id, str) or not task_id.strip():
            raise _Corrupt(f"task {n} has no `id` string")
        if not isinstance(profile, str) or not profile:
            raise _Corrupt(f"task {n} ({task_id}) has a bad `profile`")
        if not isinstance(label, str):
            raise _Corrupt(f"task {n} ({task_id}) has a bad `label`")
        entry = WatchEntry(task_id.strip(), profile, label, _added(item.get("added"), n, task_id))
        if entry.key not in have:
            have.add(entry.key)
            entries.append(entry)
    return entries


def _added(value: object, n: int, task_id: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()
    raise _Corrupt(f"task {n} ({task_id}) has a bad `added` time {value!r}")
