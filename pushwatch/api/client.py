"""One im_get_push_report request: 1..500 IDs in, reports or a typed `ApiError` out.

The client keeps one keep-alive `httpx.AsyncClient`. It never retries (that is the engine's job) and never
lets the UserSig or secret key reach an exception message or a log line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import re
import ssl
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from pushwatch.api.models import (
    MAX_IDS_PER_REQUEST,
    EndpointError,
    HttpStatusError,
    Report,
    ResponseFormatError,
    TransportError,
)
from pushwatch.api.parse import parse_response
from pushwatch.api.usersig import Signer

API_PATH = "/v4/openim/im_get_push_report"
DEFAULT_TIMEOUT_S = 10.0  # above the server's own 3 s so its 60008 reaches us instead of our timeout
MAX_BODY_BYTES = 16 * 1024 * 1024  # 500 reports are ~64 KB; anything near this is not a real answer

_USERSIG_IN_URL = re.compile(r"(usersig=)[^&\s'\"]*", re.IGNORECASE)


def redact_url(text: str) -> str:
    """Replace any `usersig=` query value in `text` with `***`."""
    return _USERSIG_IN_URL.sub(r"\1***", text)


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _RedactFilter(logging.Filter):
    """httpx/httpcore log full request URLs at INFO/DEBUG; strip the UserSig from them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "usersig=" in message.lower():
            record.msg, record.args = redact_url(message), None
        return True


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_RedactFilter())


class ReportSource(Protocol):
    """What the engine needs of a report source; a second API generation would implement the same."""

    max_batch: int

    async def fetch(self, ids: Sequence[str]) -> list[Report]: ...

    async def aclose(self) -> None: ...


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str) -> str:
    """Normalise a base URL; refuse plain http except to loopback (a UserSig must not cross a network in clear)."""
    try:
        parts = urlsplit(endpoint.strip())
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in 0..65535)
    except ValueError as exc:
        raise EndpointError(f"endpoint {redact_url(endpoint)!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"endpoint {redact_url(endpoint)!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise EndpointError(
            f"refusing plain http to {parts.hostname}: the UserSig would cross the network in clear; use https"
        )
    if parts.query or parts.fragment:
        raise EndpointError("the endpoint must be a base URL without query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class ReportClient:
    """Speaks im_get_push_report for one profile (one SDKAppID and administrator)."""

    max_batch = MAX_IDS_PER_REQUEST

    def __init__(
        self,
        endpoints: str | Sequence[str],
        signer: Signer,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        ca_bundle: str | None = None,
        max_connections: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        bases = [endpoints] if isinstance(endpoints, str) else list(endpoints)
        if not bases:
            raise EndpointError("no endpoint configured")
        self.endpoints = [check_endpoint(b) for b in bases]
        self._active = 0
        self.signer = signer
        # TLS verification is always on; a custom CA bundle may replace the default roots, nothing turns it off.
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            try:
                verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise EndpointError(f"ca_bundle {ca_bundle}: not a readable PEM file of CA certificates ({exc})") from None
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Content-Type": "application/json", "User-Agent": "pushwatch"},
            verify=verify,
            transport=transport,
            follow_redirects=False,
        )

    @property
    def endpoint(self) -> str:
        return self.endpoints[self._active]

    def __repr__(self) -> str:
        return f"ReportClient(endpoint={self.endpoint!r}, sdkappid={self.signer.sdkappid})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ReportClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _params(self) -> dict[str, str]:
        return {
            "usersig": self.signer.current(),
            "identifier": self.signer.identifier,
            "sdkappid": str(self.signer.sdkappid),
            "random": str(random.getrandbits(32)),
            "contenttype": "json",
        }

    async def fetch(self, ids: Sequence[str]) -> list[Report]:
        """Ask for the reports of 1..500 distinct IDs. Raises only `ApiError` subclasses (and ValueError for
        a batch that breaks the API's rules, which is a caller bug)."""
        ids = list(ids)
        if not ids:
            raise ValueError("refusing to send an empty request (the server would answer 90015)")
        if len(ids) > self.max_batch:
            raise ValueError(f"{len(ids)} IDs in one request; the API takes at most {self.max_batch}")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate task IDs in one request")
        body = json.dumps({"TaskIds": ids}, ensure_ascii=False).encode("utf-8")
        url = self.endpoint + API_PATH
        try:
            async with self._http.stream("POST", url, params=self._params(), content=body) as response:
                if response.status_code != 200:
                    raise HttpStatusError(response.status_code, response.reason_phrase)
                data = await self._read_capped(response)
        except httpx.TimeoutException as exc:
            raise TransportError(f"no answer from {self._host()} in time ({type(exc).__name__})") from None
        except httpx.ConnectError as exc:
            host = self._host()
            if _tls_failure(exc):  # not "refused": the fix is a CA bundle, not the network
                raise TransportError(
                    f"TLS certificate of {host} could not be verified; if a private CA or an inspecting proxy "
                    f"signs it, set ca_bundle to its PEM file (verification cannot be turned off)"
                ) from None
            self._fail_over()
            raise TransportError(f"cannot connect to {host} (refused or unreachable)") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise TransportError(f"connection to {self._host()} broke ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"request to {self._host()} failed ({type(exc).__name__})") from None
        return parse_response(data)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ResponseFormatError(f"answer larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; not a report")
            chunks.append(chunk)
        return b"".join(chunks)

    def _host(self) -> str:
        return urlsplit(self.endpoint).netloc

    def _fail_over(self) -> None:
        """After a connect failure, the next request goes to the backup domain (and back again)."""
        if len(self.endpoints) > 1:
            self._active = (self._active + 1) % len(self.endpoints)
