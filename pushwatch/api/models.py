"""Typed data of im_get_push_report: reports, statuses and the error taxonomy.

Pure data, no I/O. Every way a request can fail ends as an `ApiError` whose `kind` tells the engine what to
do; the engine never looks at raw codes or exceptions from httpx.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_IDS_PER_REQUEST = 500
MAX_RPS = 100
SERVER_TIMEOUT_S = 3.0


class Status(enum.IntEnum):
    NOT_STARTED = 0
    PUSHING = 1
    FINISHED = 2

    @property
    def word(self) -> str:
        return _STATUS_WORDS[self]


_STATUS_WORDS = {Status.NOT_STARTED: "pending", Status.PUSHING: "pushing", Status.FINISHED: "finished"}


@dataclass(frozen=True, slots=True)
class Report:
    """One task's state as the server reported it. `start_time` is server-local time (CST for China)."""

    task_id: str
    status: Status
    start_time: datetime | None = None
    finished: int | None = None
    total: int | None = None

    @property
    def is_final(self) -> bool:
        return self.status is Status.FINISHED

    @property
    def incomplete(self) -> bool:
        """Status 2 with Finished < Total: the push ended without reaching everyone."""
        return (
            self.status is Status.FINISHED
            and self.finished is not None
            and self.total is not None
            and self.finished < self.total
        )

    @property
    def shortfall(self) -> int:
        if self.finished is None or self.total is None:
            return 0
        return max(0, self.total - self.finished)

    @property
    def fraction(self) -> float | None:
        if self.finished is None or not self.total:
            return None
        return min(1.0, self.finished / self.total)

    def to_api(self) -> dict[str, Any]:
        """The report with the API's own field names (used by `report --json` and saved state)."""
        out: dict[str, Any] = {"TaskId": self.task_id, "Status": int(self.status)}
        if self.start_time is not None:
            out["StartTime"] = self.start_time.strftime("%Y-%m-%d %H:%M:%S")
        if self.finished is not None:
            out["Finished"] = self.finished
        if self.total is not None:
            out["Total"] = self.total
        return out


class ErrorKind(enum.Enum):
    """What the engine should do about a failure."""

    RETRYABLE = "retryable"  # retry the same batch with backoff
    RATE_LIMITED = "rate-limited"  # slow down, then retry
    PAUSE = "pause"  # 70050: stop all requests for 60 s or more
    INVALID_IDS = "invalid-ids"  # 90016: split the batch to isolate the bad ID(s)
    AUTH_EXPIRED = "auth-expired"  # 70001: regenerate the UserSig if a secret key is known
    AUTH_REJECTED = "auth-rejected"  # regenerate once, then fatal
    CLIENT_BUG = "client-bug"  # 90001/90014/90015: our request was wrong; do not retry as is
    FATAL = "fatal"  # stop polling this profile; the message says what to fix
    UNKNOWN = "unknown"  # a code the spec does not list: report code and text, retry slowly


@dataclass(frozen=True, slots=True)
class CodeInfo:
    kind: ErrorKind
    meaning: str
    hint: str = ""


_CHECK_REGION = "check the profile's region/endpoint: an app answers only on its own data centre's domain"
_ADMIN = "set `identifier` to an administrator account of the app (IM console > App configuration)"

ERROR_CODES: dict[int, CodeInfo] = {
    90001: CodeInfo(ErrorKind.CLIENT_BUG, "request body is not valid JSON", "a pushwatch bug: please report it"),
    90009: CodeInfo(ErrorKind.FATAL, "identifier is not an app administrator", _ADMIN),
    90014: CodeInfo(ErrorKind.CLIENT_BUG, "more than 500 task IDs in one request", "the batch will be shrunk"),
    90015: CodeInfo(ErrorKind.CLIENT_BUG, "no task IDs in the request", "a pushwatch bug: please report it"),
    90016: CodeInfo(ErrorKind.INVALID_IDS, "a task ID is invalid or does not exist (or its report expired)"),
    90017: CodeInfo(ErrorKind.RETRYABLE, "query failed, retry"),
    91000: CodeInfo(ErrorKind.RETRYABLE, "internal server error, retry"),
    20002: CodeInfo(
        ErrorKind.AUTH_REJECTED,
        "UserSig verification failed",
        "check the secret key, SDKAppID and identifier of the profile",
    ),
    60007: CodeInfo(ErrorKind.RATE_LIMITED, "request rate over the limit"),
    60011: CodeInfo(ErrorKind.RATE_LIMITED, "request rate over the limit"),
    60018: CodeInfo(ErrorKind.RATE_LIMITED, "request rate over the limit"),
    60019: CodeInfo(ErrorKind.RATE_LIMITED, "request rate over the limit"),
    60008: CodeInfo(ErrorKind.RETRYABLE, "server timeout"),
    60010: CodeInfo(ErrorKind.FATAL, "identifier must be an administrator", _ADMIN),
    70403: CodeInfo(ErrorKind.FATAL, "identifier must be an administrator", _ADMIN),
    60006: CodeInfo(ErrorKind.FATAL, "SDKAppID is invalid", _CHECK_REGION + "; and the sdkappid"),
    70020: CodeInfo(ErrorKind.FATAL, "SDKAppID not found", _CHECK_REGION + "; and the sdkappid"),
    70016: CodeInfo(ErrorKind.FATAL, "key missing or wrong data centre", _CHECK_REGION),
    60016: CodeInfo(ErrorKind.FATAL, "the app is disabled", "re-enable the app in the IM console"),
    60020: CodeInfo(ErrorKind.FATAL, "the app's package has expired", "renew the IM package in the console"),
    70001: CodeInfo(
        ErrorKind.AUTH_EXPIRED, "UserSig expired", "configure the secret key so pushwatch can renew the UserSig"
    ),
    70003: CodeInfo(ErrorKind.AUTH_REJECTED, "UserSig is malformed", "check the secret key"),
    70005: CodeInfo(ErrorKind.AUTH_REJECTED, "UserSig check failed", "check the secret key"),
    70009: CodeInfo(ErrorKind.AUTH_REJECTED, "UserSig was made with the wrong key", "check the secret key"),
    70052: CodeInfo(ErrorKind.AUTH_REJECTED, "UserSig was invalidated", "check the secret key"),
    70013: CodeInfo(ErrorKind.FATAL, "UserSig identifier does not match the request", "check `identifier`"),
    70014: CodeInfo(ErrorKind.FATAL, "UserSig SDKAppID does not match the request", "check `sdkappid`"),
    70050: CodeInfo(ErrorKind.PAUSE, "too many bad-signature attempts: wait at least 60 s"),
    70169: CodeInfo(ErrorKind.RETRYABLE, "internal error, retry"),
    70202: CodeInfo(ErrorKind.RETRYABLE, "internal error, retry"),
    70500: CodeInfo(ErrorKind.RETRYABLE, "internal error, retry"),
}


def classify(code: int) -> ErrorKind:
    info = ERROR_CODES.get(code)
    return info.kind if info else ErrorKind.UNKNOWN


class ApiError(Exception):
    """Any failure of one request. `str()` is a single line fit for a user; never holds secrets."""

    kind: ErrorKind = ErrorKind.RETRYABLE

    def __init__(self, message: str, *, kind: ErrorKind | None = None, code: int | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ServiceError(ApiError):
    """The server answered with ErrorCode != 0."""

    def __init__(self, code: int, info: str) -> None:
        known = ERROR_CODES.get(code)
        self.info = info
        self.hint = known.hint if known else ""
        meaning = known.meaning if known else "unknown error code"
        text = f"{code} {meaning}"
        if info and info.strip() and (not known or info.strip().lower() != known.meaning.lower()):
            text += f" (server: {_one_line(info)})"
        if self.hint:
            text += f"; {self.hint}"
        super().__init__(text, kind=classify(code), code=code)


class TransportError(ApiError):
    """The request did not get an answer: timeout, refused or reset connection, DNS failure."""

    kind = ErrorKind.RETRYABLE


class HttpStatusError(ApiError):
    """A non-200 HTTP status (the API answers 200 even for its own errors)."""

    def __init__(self, status: int, reason: str = "") -> None:
        self.status = status
        if status == 429:
            kind = ErrorKind.RATE_LIMITED
        elif status >= 500 or status == 408:
            kind = ErrorKind.RETRYABLE
        else:
            kind = ErrorKind.FATAL
        text = f"HTTP {status}{' ' + reason if reason else ''} from the server"
        if status == 404:
            text += "; check the endpoint/region"
        super().__init__(text, kind=kind)


class ResponseFormatError(ApiError):
    """A 200 answer whose body is not the documented JSON (truncated, HTML page, wrong field types)."""

    kind = ErrorKind.RETRYABLE


class EndpointError(ApiError):
    """The configured endpoint is unusable (for example plain http to a non-loopback host)."""

    kind = ErrorKind.FATAL


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
