"""The fault table every front end is tested against: what goes wrong, how to start and end it, what shows.

Each `FaultCase` starts a misbehaviour on a running `Simulator` (`inject`) and ends it (`clear`). `expect`
says what the user must see meanwhile:

- STALE: the fault lasts until cleared. Retries run out, so every task keeps its last-known data marked
  stale and carries the error (`shows`, a regex over the message); when the fault clears, every task
  recovers by itself within a sweep or two.
- BLIP: a one-off (the server restarting): the polling state names the error, the next retry succeeds.
- NONE: nothing for the user to see: a valid answer with unknown fields, or an expired UserSig that is
  renewed from the secret key on the spot. `exercised` proves the fault really happened.

Timing is shrunk (client timeout, retry delays, interval) by the front-end harnesses, not here.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pushwatch.engine.backoff import RetryPolicy
from pushwatch.simulator import Campaign, Fault, Simulator, Task

IDS = [f"144115197002484901_2016053001_{n:010d}" for n in range(1, 6)]
CLIENT_TIMEOUT_S = 0.3  # the stall below outlasts it
STALL_S = 1.5
FAST_POLICY = RetryPolicy(attempts=3, base=0.02, cap=0.08, pause=0.2, pause_jitter=0.0, rate_attempts=3)
INTERVAL_S = 0.1


class Expect(enum.Enum):
    STALE = "stale"
    BLIP = "blip"
    NONE = "none"


def campaign(now: float | None = None) -> Campaign:
    """Tasks that push for days (so every sweep asks for all of them and sees progress)."""
    start = (time.time() if now is None else now) - 1.0
    return Campaign(Task(tid, 10**9, start, rate=10.0) for tid in IDS)


@dataclass(frozen=True)
class FaultCase:
    name: str
    expect: Expect
    shows: str  # regex the user-facing message must match ("" for NONE)
    inject: Callable[[Simulator], Any]
    clear: Callable[[Simulator, Any], None] = field(default=lambda sim, token: _remove(sim, token))
    exercised: Callable[[Simulator, Any], bool] = field(default=lambda sim, token: _hit(sim, token))
    what: str = ""  # one line for docs/failures.md

    def __str__(self) -> str:
        return self.name


def _rule(fault: Fault) -> Callable[[Simulator], Any]:
    return lambda sim: sim.faults.add(fault)


def _remove(sim: Simulator, rule: Any) -> None:
    if rule is not None:
        sim.faults.remove(rule)


def _hit(sim: Simulator, rule: Any) -> bool:
    return rule is None or rule.hits > 0


def _stop(sim: Simulator) -> None:
    sim.stop()


def _start(sim: Simulator, _token: Any) -> None:
    sim.start()


class _Restart:
    """Stop the server while a request is in flight (its connection drops), then start it on the same port."""

    def __init__(self, sim: Simulator) -> None:
        self.port = sim.port
        self.rule = sim.faults.add(Fault.stall(STALL_S), times=1)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(sim,), daemon=True)
        self.thread.start()

    def _run(self, sim: Simulator) -> None:
        deadline = time.monotonic() + 10
        while self.rule.hits == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        sim.stop()
        sim.start()
        self.done.set()


def _restart_clear(sim: Simulator, token: _Restart) -> None:
    token.thread.join(timeout=15)
    sim.faults.remove(token.rule)
    assert sim.port == token.port, "the simulator came back on another port"


def _once_70001(sim: Simulator) -> Any:
    return sim.faults.add(Fault.error(70001), times=1)


def _renewed(sim: Simulator, rule: Any) -> bool:
    """70001 was answered, and a later request got a normal answer (with a freshly generated UserSig)."""
    codes = [r.code for r in sim.requests.snapshot()]
    if 70001 not in codes:
        return False
    after = codes[len(codes) - codes[::-1].index(70001):]
    return rule.hits > 0 and 0 in after


CASES: list[FaultCase] = [
    FaultCase("stall", Expect.STALE, r"no answer .* in time", _rule(Fault.stall(STALL_S)),
              what="the server accepts the request and never answers (past the client timeout)"),
    FaultCase("http-502", Expect.STALE, r"HTTP 502", _rule(Fault.http(502)),
              what="a gateway answers HTTP 502 with its HTML page"),
    FaultCase("refused", Expect.STALE, r"cannot connect", _stop, _start, lambda sim, t: True,
              what="nothing listens on the port (connection refused)"),
    FaultCase("reset", Expect.STALE, r"connection to .* broke", _rule(Fault.reset()),
              what="the connection is reset (TCP RST) instead of an answer"),
    FaultCase("truncated-json", Expect.STALE, r"truncated or invalid JSON", _rule(Fault.truncated()),
              what="HTTP 200 whose JSON body is cut in half"),
    FaultCase("cut-body", Expect.STALE, r"connection to .* broke", _rule(Fault.cut()),
              what="Content-Length promises more than is sent, then the connection closes"),
    FaultCase("html-page", Expect.STALE, r"HTML page instead of JSON", _rule(Fault.html()),
              what="HTTP 200 with an HTML page (captive portal, proxy login)"),
    FaultCase("wrong-types", Expect.STALE, r"unexpected answer: Reports\[0\]\.Status", _rule(Fault.wrong_types()),
              what="Status/Finished/Total as strings, StartTime as a number"),
    FaultCase("missing-fields", Expect.STALE, r"unexpected answer: Reports\[0\]\.TaskId", _rule(Fault.missing_fields()),
              what="TaskId, Finished and Total left out"),
    FaultCase("extra-fields", Expect.NONE, "", _rule(Fault.extra_fields()),
              what="unknown fields at every level (a valid answer)"),
    FaultCase("huge-10mb", Expect.STALE, r"truncated or invalid JSON \(10485760 bytes\)", _rule(Fault.huge()),
              what="a 10 MB body that never becomes valid JSON"),
    FaultCase("burst-90017", Expect.STALE, r"90017 query failed", _rule(Fault.error(90017)),
              what="every answer is ErrorCode 90017 (query failed, retry)"),
    FaultCase("burst-91000", Expect.STALE, r"91000 internal server error", _rule(Fault.error(91000)),
              what="every answer is ErrorCode 91000 (internal server error)"),
    FaultCase("usersig-expired", Expect.NONE, "", _once_70001, exercised=_renewed,
              what="the server says the UserSig expired (70001) in the middle of a run"),
    FaultCase("server-restart", Expect.BLIP, r"connection to .* broke|no answer .* in time|cannot connect",
              _Restart, _restart_clear, lambda sim, t: t.done.is_set(),
              what="the server restarts on the same port while a request is in flight"),
    FaultCase("rate-storm", Expect.STALE, r"60018 request rate over the limit", _rule(Fault.error(60018)),
              what="every answer is a rate-limit code (60018)"),
]

BY_NAME = {c.name: c for c in CASES}
