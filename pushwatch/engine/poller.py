"""Sweeps of one profile: batching, concurrency, retries per failure class, 90016 isolation, final-task freezing.

One `Poller` serves one profile (one SDKAppID, one rate limit). A sweep asks for every active task ID once, in
batches of at most 500 distinct IDs, with several requests in flight, each request start paced by the
sliding-window limiter. `run()` chains sweeps: the next one starts `interval` seconds after the previous one
ended, so sweeps never overlap; a sweep longer than the interval is flagged (`SweepFinished.overran`).

Every ID of a sweep ends as exactly one event: `TaskReported`, `TaskFailed` or `TaskInvalid`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence

from pushwatch.api.client import ReportSource
from pushwatch.api.models import ApiError, ErrorKind, Report, Status
from pushwatch.engine.backoff import RetryPolicy, recovered, slowed
from pushwatch.engine.events import (
    Event,
    ProfileState,
    StateChanged,
    SweepFinished,
    SweepStarted,
    TaskFailed,
    TaskInvalid,
    TaskReported,
)
from pushwatch.engine.limiter import SlidingWindowLimiter
from pushwatch.engine.profile import Profile

log = logging.getLogger(__name__)

DELIVER_CHUNK = 100  # reports published between two yields to the event loop
RATE_RECOVERY_STEP_S = 1.0  # raise a lowered limit at most once a second
INVALID_MESSAGE = "invalid or unknown task ID (90016)"


# A request reaches the server some ms after its counted start, and that delay varies with the event loop's
# load; starts are paced evenly and windows lengthened by this margin so the server's windows stay under the
# limit too (measured in benchmarks/sweep.py).
WINDOW_MARGIN_S = 0.05
START_IN_FLIGHT = 4  # enough on loopback; grows with the measured round trip
GROW_CHECK_S = 0.05  # while all slots are busy, re-estimate the round trip this often


def concurrency_for(max_rps: int) -> int:
    """Requests in flight: enough to reach `max_rps` over links with round trips up to ~0.5 s."""
    return max(2, min(64, math.ceil(max_rps / 2)))


class _Outcome(enum.Enum):
    OK = "ok"
    BAD = "bad"  # refused with 90016: holds at least one invalid ID
    FAILED = "failed"  # gave up (failures already published)


class _Halted(Exception):
    """Raised at the gate once the profile has stopped on a fatal error."""


class _Sweep:
    __slots__ = ("number", "requests", "ok", "failed")

    def __init__(self, number: int) -> None:
        self.number = number
        self.requests = 0
        self.ok = 0
        self.failed = 0


class Poller:
    def __init__(
        self,
        profile: Profile,
        source: ReportSource,
        tasks: Callable[[], Iterable[str]],
        on_event: Callable[[Event], None],
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        limiter: SlidingWindowLimiter | None = None,
        policy: RetryPolicy = RetryPolicy(),
        rng: random.Random | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.profile = profile
        self.name = profile.name
        self.source = source
        self._tasks = tasks
        self._on_event = on_event
        self._clock = clock
        self._mono = monotonic
        self._sleep = sleep
        self.limiter = limiter or SlidingWindowLimiter(
            profile.max_rps, monotonic, sleep, window=1.0 + WINDOW_MARGIN_S, paced=True
        )
        self.policy = policy
        self._rng = rng or random.Random()
        self.concurrency = concurrency or concurrency_for(profile.max_rps)
        # In flight at once: the most the measured round trip needs to reach the rate. Idle extra connections
        # cost CPU on every request in httpcore's pool, so this starts small and follows the round trip.
        self._allowed = min(self.concurrency, START_IN_FLIGHT)
        self._in_flight = 0
        self._slot_free = asyncio.Event()
        self._sent_times: dict[int, float] = {}  # in-flight requests: when each was sent
        self.rtt: float | None = None  # smoothed seconds per request
        self._max_batch = max(1, int(getattr(source, "max_batch", 500)))

        self._last: dict[str, Report] = {}
        self._final: set[str] = set()
        self._invalid: set[str] = set()
        self._state = ProfileState.STARTING
        self._state_message = ""
        self._paused = False
        self._stopped = False
        self._fatal: str | None = None
        self._force_next = False
        self._soon = False  # the next sweep should start without waiting the interval
        self._pause_until = 0.0  # monotonic; set by 70050
        self._slowed_at = -math.inf  # monotonic time of the last limit change
        self._auth_renewed = False  # renewed after an auth refusal and not yet seen a success
        self._wake = asyncio.Event()  # interrupts the wait between sweeps
        self._resumed = asyncio.Event()  # set while not paused
        self._resumed.set()
        self._sweep_task: asyncio.Task[SweepFinished] | None = None
        self.sweeps = 0
        self.consumer_errors = 0

    # ----- public control -------------------------------------------------------------------------------

    @property
    def state(self) -> ProfileState:
        return self._state

    @property
    def message(self) -> str:
        """Why the profile is in its state (empty when live)."""
        return self._state_message

    @property
    def fatal(self) -> str | None:
        return self._fatal

    @property
    def frozen(self) -> frozenset[str]:
        """Task IDs seen final (Status 2): no longer polled except by a forced refresh."""
        return frozenset(self._final)

    @property
    def invalid(self) -> frozenset[str]:
        return frozenset(self._invalid)

    def pause(self) -> None:
        """Stop sending requests (an in-flight sweep halts before its next request) until `resume()`."""
        if self._paused or self._fatal:
            return
        self._paused = True
        self._resumed.clear()
        self._set_state(ProfileState.PAUSED, "paused")

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        self._resumed.set()
        self._wake.set()
        if self._fatal is None:
            if self._pause_until > self._mono():
                self._set_state(ProfileState.WAITING, self._state_message)
            elif self.limiter.limit < self.limiter.max_rps:
                self._set_state(ProfileState.BACKING_OFF, f"recovering: {self.limiter.limit} req/s")
            else:
                self._set_state(ProfileState.LIVE, self._live_message())

    def refresh_now(self) -> None:
        """Start the next sweep at once, final tasks included."""
        self._force_next = True
        self._wake.set()

    def poll_soon(self) -> None:
        """Start the next sweep without waiting for the interval (tasks were just added); unlike
        `refresh_now()`, finished tasks stay frozen, so this costs only the tasks that still move."""
        self._soon = True
        self._wake.set()

    def stop(self) -> None:
        """End `run()` cleanly: the current sweep is cancelled, nothing more is sent."""
        self._stopped = True
        self._wake.set()
        self._resumed.set()
        if self._sweep_task is not None and not self._sweep_task.done():
            self._sweep_task.cancel()

    async def run(self) -> None:
        """Chained sweeps until `stop()` or a fatal error."""
        while not self._stopped and self._fatal is None:
            if self._paused:
                await self._resumed.wait()
                continue
            force, self._force_next = self._force_next, False
            self._sweep_task = asyncio.ensure_future(self.sweep(force))
            try:
                await self._sweep_task
            except asyncio.CancelledError:
                if self._stopped:
                    break
                raise
            finally:
                self._sweep_task = None
            if self._stopped or self._fatal is not None:
                break
            await self._wait_interval()

    async def sweep(self, force: bool = False) -> SweepFinished:
        """One pass over the active task IDs (all of them, final and invalid ones too, when `force`)."""
        self.sweeps += 1
        sw = _Sweep(self.sweeps)
        ids = self._select(force)
        started = self._mono()
        self._emit(SweepStarted(self.name, sw.number, len(ids), self._clock()))
        size = self._max_batch
        queue = deque(ids[i : i + size] for i in range(0, len(ids), size))
        workers = min(self.concurrency, len(queue))
        if workers:
            await asyncio.gather(*(self._worker(queue, sw) for _ in range(workers)))
        duration = self._mono() - started
        finished = SweepFinished(
            self.name,
            sw.number,
            len(ids),
            sw.requests,
            sw.ok,
            sw.failed,
            duration,
            self._clock(),
            overran=duration > self.profile.interval,
        )
        self._emit(finished)
        return finished

    # ----- sweep internals --------------------------------------------------------------------------------

    def _select(self, force: bool) -> list[str]:
        ids: dict[str, None] = {}
        for raw in self._tasks():
            tid = raw.strip()
            if tid:
                ids[tid] = None
        if len(self._last) > len(ids) or len(self._final) > len(ids) or len(self._invalid) > len(ids):
            self._forget(ids)
        if force:
            return list(ids)
        skip_final, skip_invalid = self._final, self._invalid
        if not skip_final and not skip_invalid:
            return list(ids)
        return [t for t in ids if t not in skip_final and t not in skip_invalid]

    def _forget(self, keep: dict[str, None]) -> None:
        """Drop what we know of IDs no longer watched, so a long session does not grow without bound."""
        self._last = {k: v for k, v in self._last.items() if k in keep}
        self._final = {k for k in self._final if k in keep}
        self._invalid = {k for k in self._invalid if k in keep}

    async def _worker(self, queue: deque[list[str]], sw: _Sweep) -> None:
        while queue:
            batch = queue.popleft()
            try:
                await self._batch(batch, sw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug: keep the other batches and the poller going, say what happened
                log.debug("internal error on a batch", exc_info=True)
                self._fail(batch, f"internal error in pushwatch: {type(exc).__name__}: {exc}", ErrorKind.UNKNOWN, sw)

    async def _batch(self, ids: list[str], sw: _Sweep) -> None:
        if await self._try(ids, sw) is _Outcome.BAD:
            await self._isolate(ids, sw)

    async def _isolate(self, ids: list[str], sw: _Sweep) -> None:
        """`ids` was refused with 90016: bisect to find the bad ID(s); every good ID still gets its report.

        A half that comes back fine proves the other half holds a bad ID, so that half is split without asking
        for it whole: about one request per level on the way down, plus one per half that is also bad."""
        if len(ids) == 1:
            self._mark_invalid(ids[0], sw)
            return
        mid = len(ids) // 2
        left, right = ids[:mid], ids[mid:]
        outcome = await self._try(left, sw)
        if outcome is _Outcome.BAD:
            await asyncio.gather(self._isolate(left, sw), self._batch(right, sw))
        elif outcome is _Outcome.OK:
            await self._isolate(right, sw)
        else:  # the left half failed for another reason: nothing is proven about the right half
            await self._batch(right, sw)

    async def _try(self, ids: list[str], sw: _Sweep) -> _Outcome:
        """Fetch one batch, retrying per failure class; publish its reports or failures."""
        policy = self.policy
        attempts = rate_attempts = 0
        signer = getattr(self.source, "signer", None)
        while True:
            try:
                await self._gate()
            except _Halted:
                self._fail(ids, self._fatal or "stopped", ErrorKind.FATAL, sw)
                return _Outcome.FAILED
            generation = 0
            if signer is not None:
                signer.current()  # make sure the UserSig this request carries exists, so renewals count right
                generation = signer.generated
            try:
                reports = await self._send(ids, sw)
            except ApiError as exc:
                kind = exc.kind
                if kind is ErrorKind.INVALID_IDS:
                    return _Outcome.BAD
                if kind is ErrorKind.RATE_LIMITED:
                    rate_attempts += 1
                    self._slow_down(exc)
                    if rate_attempts >= policy.rate_attempts:
                        self._fail(ids, exc.message, kind, sw, exc.code)
                        return _Outcome.FAILED
                    await self._sleep(policy.delay(rate_attempts, self._rng))
                    continue
                if kind is ErrorKind.PAUSE:
                    attempts += 1
                    self._pause_for(exc)
                    if attempts >= policy.attempts:
                        self._fail(ids, exc.message, kind, sw, exc.code)
                        return _Outcome.FAILED
                    continue  # the gate holds the retry until the pause is over
                if kind in (ErrorKind.AUTH_EXPIRED, ErrorKind.AUTH_REJECTED):
                    if self._renew(signer, generation):
                        continue
                    self._halt(exc, renewed=self._auth_renewed)
                    self._fail(ids, self._fatal or exc.message, ErrorKind.FATAL, sw, exc.code)
                    return _Outcome.FAILED
                if kind is ErrorKind.CLIENT_BUG and exc.code == 90014 and len(ids) > 1:
                    mid = len(ids) // 2
                    self._max_batch = max(1, min(self._max_batch, mid))
                    await asyncio.gather(self._batch(ids[:mid], sw), self._batch(ids[mid:], sw))
                    return _Outcome.OK
                if kind is ErrorKind.FATAL:
                    self._halt(exc)
                    self._fail(ids, self._fatal or exc.message, kind, sw, exc.code)
                    return _Outcome.FAILED
                if kind is ErrorKind.CLIENT_BUG:
                    self._fail(ids, exc.message, kind, sw, exc.code)
                    return _Outcome.FAILED
                # RETRYABLE and UNKNOWN: back off, bounded
                attempts += 1
                if attempts >= policy.attempts:
                    self._fail(ids, exc.message, kind, sw, exc.code)
                    self._set_state(ProfileState.BACKING_OFF, f"retries exhausted: {exc.message}")
                    return _Outcome.FAILED
                delay = policy.delay(attempts, self._rng)
                self._set_state(ProfileState.BACKING_OFF, f"retrying in {delay:.1f} s: {exc.message}")
                await self._sleep(delay)
                continue
            await self._deliver(ids, reports, sw)
            return _Outcome.OK

    async def _send(self, ids: list[str], sw: _Sweep) -> list[Report]:
        """One request: an in-flight slot first, then the limiter, so a counted start is the moment of sending."""
        while self._in_flight >= self._allowed:
            self._slot_free.clear()
            try:
                await asyncio.wait_for(self._slot_free.wait(), GROW_CHECK_S)
            except asyncio.TimeoutError:
                self._grow_from_oldest()
        self._in_flight += 1
        sent: float | None = None
        try:
            await self.limiter.acquire()
            sw.requests += 1
            sent = self._mono()
            self._sent_times[id(ids)] = sent
            return await self.source.fetch(ids)
        finally:
            self._sent_times.pop(id(ids), None)
            self._release_slot(sent)

    def _grow_from_oldest(self) -> None:
        """Before the first answer arrives, the age of the oldest request is a lower bound of the round trip."""
        if not self._sent_times:
            return
        age = self._mono() - min(self._sent_times.values())
        needed = math.ceil(self.limiter.limit * age * 1.25) + 1
        self._allowed = max(self._allowed, min(self.concurrency, needed))

    def _release_slot(self, sent: float | None) -> None:
        self._in_flight -= 1
        self._slot_free.set()
        if sent is None:
            return
        sample = self._mono() - sent
        self.rtt = sample if self.rtt is None else 0.8 * self.rtt + 0.2 * sample
        needed = math.ceil(self.limiter.limit * self.rtt * 1.25) + 1
        self._allowed = max(2, min(self.concurrency, needed))

    async def _gate(self) -> None:
        """Hold a request while paused by the user or told by the server (70050) to wait."""
        while True:
            if self._fatal is not None:
                raise _Halted
            remaining = self._pause_until - self._mono()
            if remaining > 0:
                await self._sleep(remaining)
                continue
            if self._paused:
                await self._resumed.wait()
                continue
            return

    async def _deliver(self, ids: Sequence[str], reports: list[Report], sw: _Sweep) -> None:
        """Publish a batch's reports, yielding to the event loop every DELIVER_CHUNK of them: a front end in
        the same loop (the TUI) then answers a key press within ~2 ms instead of after a whole batch."""
        now = self._clock()
        name, last, final, emit = self.name, self._last, self._final, self._emit
        wanted = set(ids)
        finished = Status.FINISHED
        for n, report in enumerate(reports, 1):
            if n % DELIVER_CHUNK == 0:
                await asyncio.sleep(0)
            tid = report.task_id
            if tid not in wanted:
                continue  # not asked for (or a duplicate): cannot be trusted to belong to this request
            wanted.discard(tid)
            previous = last.get(tid)
            last[tid] = report
            if report.status is finished:
                final.add(tid)
            emit(TaskReported(name, report, now, previous))
        sw.ok += len(ids) - len(wanted)
        if self._invalid:
            self._invalid.difference_update(ids)
        if wanted:
            missing = [t for t in ids if t in wanted]
            self._fail(missing, "the server's answer had no report for this task", ErrorKind.RETRYABLE, sw)
        self._after_success()

    def _after_success(self) -> None:
        self._auth_renewed = False
        limiter = self.limiter
        if limiter.limit < limiter.max_rps:
            now = self._mono()
            if now - self._slowed_at >= RATE_RECOVERY_STEP_S:
                limiter.set_limit(recovered(limiter.limit, limiter.max_rps))
                self._slowed_at = now
                if limiter.limit < limiter.max_rps:
                    self._set_state(ProfileState.BACKING_OFF, f"recovering: {limiter.limit} req/s")
        if limiter.limit >= limiter.max_rps and self._state not in (ProfileState.LIVE, ProfileState.PAUSED):
            if self._fatal is None and self._pause_until <= self._mono():
                self._set_state(ProfileState.LIVE, self._live_message())

    def _live_message(self) -> str:
        if self._state in (ProfileState.BACKING_OFF, ProfileState.WAITING):
            return f"recovered: polling at up to {self.limiter.max_rps} req/s"
        return f"polling at up to {self.limiter.max_rps} req/s"

    def _slow_down(self, exc: ApiError) -> None:
        now = self._mono()
        limiter = self.limiter
        if now - self._slowed_at >= limiter.window:  # once per window, however many answers say so
            limiter.set_limit(slowed(limiter.limit))
            self._slowed_at = now
        self._set_state(ProfileState.BACKING_OFF, f"slowed to {limiter.limit} req/s: {exc.message}")

    def _pause_for(self, exc: ApiError) -> None:
        now = self._mono()
        if self._pause_until > now:
            return
        seconds = self.policy.pause_for(self._rng)
        self._pause_until = now + seconds
        self._set_state(ProfileState.WAITING, f"waiting {seconds:.0f} s as the server asks: {exc.message}")

    def _renew(self, signer: object, generation: int) -> bool:
        """After an auth refusal: True to retry (UserSig renewed now, or by another request meanwhile)."""
        if signer is None or not getattr(signer, "can_renew", False):
            return False
        if getattr(signer, "generated", 0) != generation:
            return True
        if self._auth_renewed:
            return False
        self._auth_renewed = True
        return bool(signer.renew())  # type: ignore[attr-defined]

    def _halt(self, exc: ApiError, *, renewed: bool = False) -> None:
        if self._fatal is not None:
            return
        text = exc.message
        if renewed:
            text += " (also with a freshly generated UserSig"
            text += "; check the system clock)" if exc.kind is ErrorKind.AUTH_EXPIRED else ")"
        self._fatal = f"{self.name}: polling stopped: {text}"
        self._set_state(ProfileState.STOPPED, self._fatal)

    def _mark_invalid(self, tid: str, sw: _Sweep) -> None:
        self._invalid.add(tid)
        self._last.pop(tid, None)
        sw.failed += 1
        self._emit(TaskInvalid(self.name, tid, self._clock()))

    def _fail(self, ids: Sequence[str], message: str, kind: ErrorKind, sw: _Sweep, code: int | None = None) -> None:
        now = self._clock()
        sw.failed += len(ids)
        for tid in ids:
            self._emit(TaskFailed(self.name, tid, message, kind, now, code))

    # ----- plumbing -------------------------------------------------------------------------------------

    def _set_state(self, state: ProfileState, message: str) -> None:
        if self._paused and state is not ProfileState.PAUSED and state is not ProfileState.STOPPED:
            self._state_message = message
            return
        if state is self._state and message == self._state_message:
            return
        self._state, self._state_message = state, message
        self._emit(StateChanged(self.name, state, message, self._clock()))

    def _emit(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception as exc:  # a front end's bug must not stop the polling
            self.consumer_errors += 1
            if self.consumer_errors == 1:
                log.warning("an event consumer failed (%s: %s); ignoring", type(exc).__name__, exc)
            log.debug("event consumer failed", exc_info=True)

    async def _wait_interval(self) -> None:
        wake = self._wake
        wake.clear()
        if self._stopped or self._force_next or self._soon:
            self._soon = False
            return
        sleeper = asyncio.ensure_future(self._sleep(self.profile.interval))
        waker = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            self._soon = False
