"""Crash-safe file replacement and an inter-process lock: the two primitives every saved file relies on.

A reader sees either the old or the new complete file, never a mix, whatever kills the writer: the new
content goes to a temp file in the same folder, is fsynced, renamed over the target, and the folder is
fsynced so the rename itself survives a power cut. If anything fails, the temp file is removed and the
previous file is untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; writers there are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT_S = 30.0


class StoreError(Exception):
    """A file could not be written or locked; `str()` is one line saying which file and why."""

    def __init__(self, errno_: int | None, message: str) -> None:
        super().__init__(message)
        self.errno = errno_


def describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno == errno.ENOTDIR:
        return "a path component is not a folder"
    return exc.strerror or str(exc)


def ensure_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(exc.errno, f"cannot create the folder {folder}: {describe_os_error(exc)}") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably; raise StoreError, leaving `path` as it was."""
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StoreError(exc.errno, f"cannot write in {path.parent}: {describe_os_error(exc)}") from None
    try:
        try:
            with contextlib.suppress(OSError):
                os.fchmod(fd, _mode_of(path))
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StoreError(
            exc.errno, f"cannot save {path}: {describe_os_error(exc)}; the previous file is unchanged"
        ) from None
    fsync_dir(path.parent)


def _mode_of(path: Path) -> int:
    """Keep the mode of the file being replaced (mkstemp would make it 0600); new files get 0600."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o600


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable; a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock for `path` (on `<path>.lock` beside it, so atomic renames of `path` itself do
    not lose it). Waits up to `timeout` seconds for another process, then raises StoreError."""
    ensure_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(exc.errno, f"cannot open the lock file {lock_path}: {describe_os_error(exc)}") from None
    try:
        if fcntl is not None:
            _acquire(fd, lock_path, timeout)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, lock_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise StoreError(exc.errno, f"cannot lock {lock_path}: {describe_os_error(exc)}") from None
        if time.monotonic() >= deadline:
            raise StoreError(
                errno.EAGAIN, f"{lock_path} is held by another pushwatch for over {timeout:g} s; is one stuck?"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime): changes whenever another process replaces or rewrites the file; None if absent."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
