"""A loopback HTTP server that answers im_get_push_report as spec/API.md describes, strictly.

Why a real server (not a mocked transport): the client's keep-alive, timeouts, resets and body cap are only
tested honestly over a socket. `ThreadingHTTPServer` in a background thread works from sync code, from
pytest-asyncio tests and beside a Textual app alike.

Each request is checked in the order a gateway and then the service would: path, method, SDKAppID, rate,
query parameters, UserSig, administrator, body, limits, IDs. Nothing the simulator logs or records holds the
UserSig or the secret key.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pushwatch.api.models import ERROR_CODES, MAX_IDS_PER_REQUEST
from pushwatch.api.usersig import DecodedSig, SigProblem, Signer, UserSigError, verify
from pushwatch.simulator.campaign import Campaign, Clock
from pushwatch.simulator.faults import Fault, FaultKind, Faults
from pushwatch.simulator.records import REDACTED, RequestLog, RequestRecord

log = logging.getLogger("pushwatch.simulator")

API_PATH = "/v4/openim/im_get_push_report"
QUERY_PARAMS = ("usersig", "identifier", "sdkappid", "random", "contenttype")
DEMO_SDKAPPID = 1400000000
DEMO_ADMIN = "administrator"
DEMO_SECRET_KEY = "pushwatch-demo-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # public on purpose: demo only
DEFAULT_RATE_CODE = 60018  # the spec leaves the over-rate code open; any code of the "rate" row is fair
MAX_REQUEST_BYTES = 1024 * 1024

SIG_CODES: dict[SigProblem, int] = {
    SigProblem.BAD_ENCODING: 70003,
    SigProblem.BAD_SIGNATURE: 70009,
    SigProblem.EXPIRED: 70001,
    SigProblem.IDENTIFIER_MISMATCH: 70013,
    SigProblem.SDKAPPID_MISMATCH: 70014,
}
_EXTRA_INFO = {  # codes the simulator answers that the client's table does not list
    60002: "HTTP parse error: check the request URL and its parameters",
    60012: "the request needs an SDKAppID",
}
_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>stgw</center>\r\n</body>\r\n</html>\r\n"
)
_PORTAL_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Network login</title></head><body><h1>Please sign in</h1>"
    "<p>Your session has expired. Sign in to continue browsing.</p></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class SigLockout:
    """70050: after `attempts` bad signatures within `window` s, refuse everything for `pause` s."""

    attempts: int = 20
    window: float = 60.0
    pause: float = 60.0


class Simulator:
    """The API on 127.0.0.1. `start()` returns the base URL; use as a context manager in tests.

    `clock` drives both the campaign and UserSig expiry and the per-second rate window, so a `ManualClock`
    makes every answer reproducible. `requests` records every request (UserSig redacted).
    """

    def __init__(
        self,
        campaign: Campaign | None = None,
        *,
        sdkappid: int = DEMO_SDKAPPID,
        secret_key: str = DEMO_SECRET_KEY,
        admins: Iterable[str] = (DEMO_ADMIN,),
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock = time.time,
        max_rps: int | None = 100,
        rate_code: int = DEFAULT_RATE_CODE,
        latency: float = 0.0,
        jitter: float = 0.0,
        faults: Faults | None = None,
        seed: int | None = None,
        max_records: int = 2000,
        sig_lockout: SigLockout | None = SigLockout(),
    ) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("the simulator serves loopback only")
        self.clock = clock
        self.campaign = campaign if campaign is not None else Campaign.demo(clock())
        self.sdkappid = int(sdkappid)
        admin_list = list(admins)
        if not admin_list:
            raise ValueError("at least one administrator is needed")
        self.admins = set(admin_list)
        self.admin = admin_list[0]  # the one to show and to sign for
        self.host = host
        self.port = port
        self.max_rps = max_rps
        self.rate_code = rate_code
        self.latency = latency
        self.jitter = jitter
        self._rng = random.Random(seed)
        self.faults = faults if faults is not None else Faults(random.Random(self._rng.random()))
        self.requests = RequestLog(max_records)
        self.sig_lockout = sig_lockout
        self.__key = secret_key
        self._sig_cache: dict[str, DecodedSig] = {}
        self._rate_lock = threading.Lock()
        self._rate_second = -1
        self._rate_count = 0
        self._bad_sigs: deque[float] = deque()
        self._locked_until = float("-inf")
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        state = self.url if self._server else "stopped"
        return f"Simulator({state}, sdkappid={self.sdkappid}, tasks={len(self.campaign)})"

    # --- lifecycle ---
    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> str:
        """Listen and serve in a daemon thread. After `stop()`, starts again on the same port."""
        if self._server is not None:
            return self.url
        self._stopping = threading.Event()
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"simulator:{self.port}", daemon=True
        )
        self._thread.start()
        log.debug("simulator listening on %s", self.url)
        return self.url

    def stop(self) -> None:
        """Stop listening and drop every open connection (stalled answers end at once)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        _wake(server.server_address)  # the serve loop sees the shutdown at once instead of at its next poll
        stopper.join()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def signer(self, identifier: str | None = None, **kwargs: Any) -> Signer:
        """A Signer with this simulator's credentials and clock (for tests and `pushwatch demo`)."""
        kwargs.setdefault("clock", self.clock)
        return Signer(self.sdkappid, identifier or self.admin, secret_key=self.__key, **kwargs)

    # --- one request ---
    def handle(self, h: _Handler) -> None:
        now = self.clock()
        mono = time.monotonic()
        split = urlsplit(h.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        params = dict(pairs)
        shown = {k: (REDACTED if k.lower() == "usersig" else v) for k, v in params.items()}
        base = {"time": now, "mono": mono, "method": h.command, "path": split.path, "params": shown}

        # Every record is written before its answer is sent, so a client holding an answer sees its record.
        body = self._read_body(h)
        if body is None:
            self._record(base, (), http_status=413, info="request body too large")
            return self._send(h, 413, b"", close=True)
        if split.path != API_PATH:
            self._record(base, (), http_status=404)
            return self._send_page(h, 404)
        if h.command != "POST":
            self._record(base, (), http_status=405)
            return self._send_page(h, 405, extra="Allow: POST\r\n")

        ids, body_code = _read_ids(body)
        over_rate = self._count_rate(now)
        fault = self.faults.pick(ids)
        if fault is not None:
            return self._fault(h, fault, base, ids, now)

        code, info = self._check(params, len(pairs) != len(params), over_rate, now)
        if code == 0 and body_code:
            code, info = body_code, _info(body_code)
        if code == 0 and len(ids) > MAX_IDS_PER_REQUEST:
            code, info = 90014, f"{len(ids)} task IDs; at most {MAX_IDS_PER_REQUEST} per request"
        answer: bytes
        if code == 0:
            fragments = self.campaign.fragments(ids, now)
            if fragments is None:
                code, info = 90016, _info(90016)
            else:
                answer = _ok_body(fragments)
        if code != 0:
            answer = _error_body(code, info)
        self._delay()
        self._record(base, ids, code=code, http_status=200, info=info)
        self._send(h, 200, answer)

    def _check(self, params: dict[str, str], duplicated: bool, over_rate: bool, now: float) -> tuple[int, str]:
        raw_app = params.get("sdkappid")
        if raw_app is None:
            return 60012, _info(60012)
        if not raw_app.isdigit():
            return 60006, _info(60006)
        if int(raw_app) != self.sdkappid:
            return 70020, _info(70020)
        if over_rate:
            return self.rate_code, f"request rate over the limit ({self.max_rps} requests per second)"
        if duplicated or any(name not in params for name in QUERY_PARAMS):
            missing = [name for name in QUERY_PARAMS if name not in params]
            why = f"missing {', '.join(missing)}" if missing else "a parameter appears twice"
            return 60002, f"{_info(60002)} ({why})"
        rand = params["random"]
        if not rand.isdigit() or int(rand) > 0xFFFFFFFF:
            return 60002, f"{_info(60002)} (random must be an unsigned 32-bit integer)"
        if params["contenttype"] != "json":
            return 60002, f"{_info(60002)} (contenttype must be json)"
        if now < self._locked_until:
            return 70050, _info(70050)
        identifier = params["identifier"]
        problem = self._check_sig(params["usersig"], identifier, now)
        if problem is not None:
            if problem in (SigProblem.BAD_SIGNATURE, SigProblem.BAD_ENCODING):
                self._note_bad_sig(now)
            code = SIG_CODES[problem]
            return code, _info(code)
        if identifier not in self.admins:
            return 90009, _info(90009)
        return 0, ""

    def _check_sig(self, usersig: str, identifier: str, now: float) -> SigProblem | None:
        """Verify once per distinct UserSig (decode + HMAC), then only the cheap checks on later requests."""
        cached = self._sig_cache.get(usersig)
        if cached is None:
            try:
                cached = verify(usersig, self.__key, identifier=identifier, sdkappid=self.sdkappid, now=now)
            except UserSigError as exc:
                return exc.problem
            if len(self._sig_cache) > 256:
                self._sig_cache.clear()
            self._sig_cache[usersig] = cached
            return None
        if cached.sdkappid != self.sdkappid:
            return SigProblem.SDKAPPID_MISMATCH
        if cached.identifier != identifier:
            return SigProblem.IDENTIFIER_MISMATCH
        if now > cached.expires_at:
            return SigProblem.EXPIRED
        return None

    def _note_bad_sig(self, now: float) -> None:
        rule = self.sig_lockout
        if rule is None:
            return
        with self._rate_lock:
            self._bad_sigs.append(now)
            while self._bad_sigs and now - self._bad_sigs[0] > rule.window:
                self._bad_sigs.popleft()
            if len(self._bad_sigs) >= rule.attempts:
                self._locked_until = now + rule.pause
                self._bad_sigs.clear()

    def _count_rate(self, now: float) -> bool:
        """Fixed one-second windows of the simulator clock; every request counts, refused ones too."""
        if self.max_rps is None:
            return False
        second = int(now)
        with self._rate_lock:
            if second != self._rate_second:
                self._rate_second, self._rate_count = second, 0
            self._rate_count += 1
            return self._rate_count > self.max_rps

    def _delay(self, extra: float = 0.0) -> None:
        delay = self.latency + extra + (self._rng.uniform(0, self.jitter) if self.jitter else 0.0)
        if delay > 0:
            self._stopping.wait(delay)

    # --- faults ---
    def _fault(self, h: _Handler, fault: Fault, base: dict[str, Any], ids: tuple[str, ...], now: float) -> None:
        """Misbehave as `fault` says. The record is written before anything is sent, so a client that has its
        answer (or error) can already see the record."""
        kind = fault.kind
        label = fault.label
        if kind is FaultKind.STALL:
            self._record(base, ids, fault=label)
            self._stopping.wait(fault.seconds)
            h.close_connection = True
            return
        self._delay()
        if kind is FaultKind.RESET:
            self._record(base, ids, fault=label)
            return _reset(h)
        if kind is FaultKind.ERROR_CODE:
            self._record(base, ids, code=fault.code, http_status=200, fault=label)
            return self._send(h, 200, _error_body(fault.code, _info(fault.code)))
        if kind is FaultKind.HTTP_STATUS:
            self._record(base, ids, http_status=fault.code, fault=label)
            return self._send_page(h, fault.code)
        if kind is FaultKind.HTML:
            self._record(base, ids, http_status=fault.code, fault=label)
            return self._send(h, fault.code, _PORTAL_PAGE.encode(), ctype="text/html; charset=utf-8")
        if kind is FaultKind.HUGE:
            self._record(base, ids, http_status=200, fault=label)
            return self._send_huge(h, fault.size)
        if kind is FaultKind.TRUNCATED or kind is FaultKind.CUT:
            full = _ok_body(self._sample(ids, now))
            part = full[: max(1, len(full) // 2)]
            self._record(base, ids, http_status=200, fault=label)
            if kind is FaultKind.TRUNCATED:
                return self._send(h, 200, part)
            head = _head(200, "application/json; charset=utf-8", len(full), h.date_time_string())
            h.close_connection = True
            try:
                _write(h, head + part)
            except OSError:
                pass
            return
        reports = [json.loads(f) for f in self._sample(ids, now)]
        doc: dict[str, Any] = {"Reports": reports, "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}
        if kind is FaultKind.WRONG_TYPES:
            for r in reports:
                r["Status"] = str(r["Status"])
                for key in ("Finished", "Total"):
                    if key in r:
                        r[key] = str(r[key])
                if "StartTime" in r:
                    r["StartTime"] = int(now)
        elif kind is FaultKind.MISSING_FIELDS:
            for r in reports:
                r.pop("Finished", None)
                r.pop("Total", None)
            reports[0].pop("TaskId", None)
        elif kind is FaultKind.EXTRA_FIELDS:
            doc["RequestId"] = f"{self._rng.getrandbits(64):016x}"
            doc["Debug"] = {"Node": "sim-1", "CostMs": 3}
            for r in reports:
                r["Channel"] = "all"
                r["Stats"] = {"Clicked": 0, "Delivered": r.get("Finished", 0)}
        self._record(base, ids, code=0, http_status=200, fault=label)
        self._send(h, 200, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())

    def _sample(self, ids: tuple[str, ...], now: float) -> list[str]:
        """Reports to disfigure: the real ones when the IDs are known, else a made-up pushing task."""
        fragments = self.campaign.fragments(ids, now) if ids else None
        if fragments:
            return fragments
        task_id = json.dumps(ids[0] if ids else "1_1_1")
        return ['{"TaskId":' + task_id + ',"Status":1,"StartTime":"2024-06-01 12:00:00","Finished":1,"Total":9}']

    def _send_huge(self, h: _Handler, size: int) -> None:
        """A JSON-looking body of `size` bytes that never closes its array (so never valid JSON)."""
        h.close_connection = True
        unit = b'{"TaskId":"1_1_1","Status":0},'
        head = _head(200, "application/json; charset=utf-8", size, h.date_time_string())
        start = b'{"Reports":['
        chunk = unit * (65536 // len(unit))
        try:
            _write(h, head + start)
            sent = len(start)
            while sent < size and not self._stopping.is_set():
                piece = chunk[: size - sent]
                h.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client stopped reading (its body cap): exactly what this fault tests

    # --- output ---
    def _send(
        self, h: _Handler, status: int, body: bytes, *, ctype: str = "application/json; charset=utf-8",
        close: bool = False, extra: str = "",
    ) -> None:
        head = _head(status, ctype, len(body), h.date_time_string(), extra + ("Connection: close\r\n" if close else ""))
        if close:
            h.close_connection = True
        try:
            _write(h, head + (b"" if h.command == "HEAD" else body))
        except OSError:
            h.close_connection = True

    def _send_page(self, h: _Handler, status: int, extra: str = "") -> None:
        reason = _reason(status)
        page = _GATEWAY_PAGE.format(status=status, reason=reason).encode()
        self._send(h, status, page, ctype="text/html", extra=extra)

    @staticmethod
    def _read_body(h: _Handler) -> bytes | None:
        try:
            length = int(h.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            return None
        return h.rfile.read(length) if length > 0 else b""

    def _record(self, base: dict[str, Any], ids: tuple[str, ...], **fields: Any) -> None:
        record = RequestRecord(ids=ids, **base, **fields)
        self.requests.append(record)
        if log.isEnabledFor(logging.DEBUG):
            what = record.fault or (f"code {record.code}" if record.code is not None else f"HTTP {record.http_status}")
            log.debug("%s %s: %d IDs -> %s", record.method, record.path, record.count, what)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pushwatch-simulator"
    sys_version = ""
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self.server.sim.handle(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """The default prints the request line to stderr, and the request line holds the UserSig."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer are normal here (timeouts, body caps); no traceback on stderr."""
        log.debug("connection error from %s", client_address, exc_info=True)


def _read_ids(body: bytes) -> tuple[tuple[str, ...], int]:
    """The TaskIds of a body, and 0 or the code its shape earns (90001 not JSON, 90015 no IDs)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return (), 90001
    if not isinstance(doc, dict):
        return (), 90001
    ids = doc.get("TaskIds")
    if ids is None:
        return (), 90015
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return (), 90001
    if not ids:
        return (), 90015
    return tuple(ids), 0


def _info(code: int) -> str:
    known = ERROR_CODES.get(code)
    return known.meaning if known else _EXTRA_INFO.get(code, "error")


def _ok_body(fragments: list[str]) -> bytes:
    return ('{"Reports":[' + ",".join(fragments) + '],"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}').encode()


def _error_body(code: int, info: str) -> bytes:
    return json.dumps({"ActionStatus": "FAIL", "ErrorInfo": info, "ErrorCode": code}, ensure_ascii=False).encode()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _head(status: int, ctype: str, length: int, date: str, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} {_reason(status)}\r\nServer: pushwatch-simulator\r\nDate: {date}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {length}\r\n{extra}\r\n"
    ).encode("latin-1")


def _write(h: _Handler, data: bytes) -> None:
    """One write per answer: headers and body in one segment, so loopback never waits on delayed ACKs."""
    h.wfile.write(data)


def _reset(h: _Handler) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST instead of an answer."""
    h.close_connection = True
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.rfile.close()
        h.wfile.close()
        h.connection.close()
    except OSError:
        pass


def _wake(address: tuple[Any, ...]) -> None:
    """Connect and hang up, so the server's select() returns now."""
    try:
        with socket.create_connection(address[:2], timeout=0.2):
            pass
    except OSError:
        pass
