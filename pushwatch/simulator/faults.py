"""Fault injection: what can go wrong between the service and pushwatch, chosen per request, per ID or by chance.

A `Fault` says what happens instead of the normal answer; a `FaultRule` says when (probability, the IDs it
applies to, how many times). `Faults` is the thread-safe rule list a `Simulator` consults once per request.
"""

from __future__ import annotations

import enum
import random
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field


class FaultKind(enum.Enum):
    ERROR_CODE = "error-code"  # HTTP 200 with ErrorCode != 0
    HTTP_STATUS = "http-status"  # e.g. 502 from a gateway, HTML body
    STALL = "stall"  # no answer for `seconds`, then the connection closes
    TRUNCATED = "truncated"  # a complete HTTP message whose JSON is cut short
    CUT = "cut"  # Content-Length promises more than is sent, then the connection closes
    WRONG_TYPES = "wrong-types"  # Status/Finished/Total as strings, StartTime as a number
    MISSING_FIELDS = "missing-fields"  # Finished/Total/TaskId left out of reports that need them
    EXTRA_FIELDS = "extra-fields"  # unknown fields everywhere (a valid answer a client must accept)
    HTML = "html"  # HTTP 200 with an HTML page (captive portal, proxy error page)
    HUGE = "huge"  # a body of `size` bytes that never becomes valid JSON
    RESET = "reset"  # close the socket (RST) without an answer


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour. Build with the class methods, e.g. `Fault.error(90017)`, `Fault.http(502)`."""

    kind: FaultKind
    code: int = 0  # ERROR_CODE: the ErrorCode; HTTP_STATUS/HTML: the HTTP status
    seconds: float = 0.0  # STALL: how long before the connection closes
    size: int = 0  # HUGE: body size in bytes

    @classmethod
    def error(cls, code: int) -> Fault:
        return cls(FaultKind.ERROR_CODE, code=code)

    @classmethod
    def http(cls, status: int = 502) -> Fault:
        return cls(FaultKind.HTTP_STATUS, code=status)

    @classmethod
    def stall(cls, seconds: float = 60.0) -> Fault:
        return cls(FaultKind.STALL, seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        return cls(FaultKind.TRUNCATED)

    @classmethod
    def cut(cls) -> Fault:
        return cls(FaultKind.CUT)

    @classmethod
    def wrong_types(cls) -> Fault:
        return cls(FaultKind.WRONG_TYPES)

    @classmethod
    def missing_fields(cls) -> Fault:
        return cls(FaultKind.MISSING_FIELDS)

    @classmethod
    def extra_fields(cls) -> Fault:
        return cls(FaultKind.EXTRA_FIELDS)

    @classmethod
    def html(cls, status: int = 200) -> Fault:
        return cls(FaultKind.HTML, code=status)

    @classmethod
    def huge(cls, size: int = 10 * 1024 * 1024) -> Fault:
        return cls(FaultKind.HUGE, size=size)

    @classmethod
    def reset(cls) -> Fault:
        return cls(FaultKind.RESET)

    @property
    def label(self) -> str:
        """Short name for request records and logs, e.g. `error-code:90017`, `http-status:502`."""
        if self.kind in (FaultKind.ERROR_CODE, FaultKind.HTTP_STATUS):
            return f"{self.kind.value}:{self.code}"
        return self.kind.value

    @classmethod
    def parse(cls, text: str) -> Fault:
        """From a command-line word: an error code (`90017`), an HTTP status (`502`) or a kind name (`stall`)."""
        word = text.strip().lower()
        if word.isdigit():
            number = int(word)
            return cls.http(number) if 400 <= number <= 599 else cls.error(number)
        for kind in FaultKind:
            if word == kind.value and kind not in (FaultKind.ERROR_CODE, FaultKind.HTTP_STATUS):
                return {
                    FaultKind.STALL: cls.stall,
                    FaultKind.HUGE: cls.huge,
                    FaultKind.HTML: cls.html,
                }.get(kind, lambda: cls(kind))()
        names = ", ".join(k.value for k in FaultKind if k not in (FaultKind.ERROR_CODE, FaultKind.HTTP_STATUS))
        raise ValueError(f"unknown fault {text!r}: expected an error code, an HTTP status 400-599 or one of {names}")


@dataclass(slots=True)
class FaultRule:
    """When `fault` applies: with `probability`, only to requests holding one of `ids` (if given), and at
    most `times` times (None: no limit)."""

    fault: Fault
    probability: float = 1.0
    ids: frozenset[str] | None = None
    times: int | None = None
    hits: int = field(default=0)

    def matches(self, request_ids: Iterable[str]) -> bool:
        if self.ids is None:
            return True
        return not self.ids.isdisjoint(request_ids)


class Faults:
    """Ordered fault rules; the first rule that matches a request and wins its dice roll applies."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = rng or random.Random()

    def add(
        self,
        fault: Fault,
        *,
        probability: float = 1.0,
        ids: Collection[str] | None = None,
        times: int | None = None,
    ) -> FaultRule:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must lie in 0..1")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1")
        rule = FaultRule(fault, probability, frozenset(ids) if ids is not None else None, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def once(self, fault: Fault, *, ids: Collection[str] | None = None) -> FaultRule:
        """The next matching request gets `fault`, then the rule is gone."""
        return self.add(fault, ids=ids, times=1)

    def next(self, n: int, fault: Fault) -> FaultRule:
        """The next `n` requests get `fault`."""
        return self.add(fault, times=n)

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def pick(self, request_ids: Collection[str]) -> Fault | None:
        """The fault for this request, if any (consumes one use of a counted rule)."""
        if not self._rules:  # the common case costs one attribute read
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(request_ids):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.times is not None and rule.hits >= rule.times:
                    self._rules.remove(rule)
                return rule.fault
        return None
