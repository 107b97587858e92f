"""Unit tests of single client edge cases (mocked transport only where a real server cannot show them)."""

from __future__ import annotations

import logging

import httpx
import pytest

from pushwatch.api.client import ReportClient, check_endpoint, is_loopback, redact_url
from pushwatch.api.models import EndpointError, ErrorKind, ResponseFormatError, TransportError
from pushwatch.api.usersig import Signer

KEY = "unit-test-secret-key-0123456789"


def _signer() -> Signer:
    return Signer(1400000000, "admin", secret_key=KEY)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "http://127.3.4.5", "https://example.com"],
)
def test_allowed_endpoints(url: str) -> None:
    assert check_endpoint(url + "/") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://console.tim.qq.com", "plain http"),
        ("http://10.0.0.1:80", "plain http"),
        ("http://127.0.0.1.evil.com", "plain http"),
        ("ftp://127.0.0.1", "not an http"),
        ("console.tim.qq.com", "not an http"),
        ("https://example.com/?usersig=abc", "without query"),
    ],
)
def test_refused_endpoints(url: str, why: str) -> None:
    with pytest.raises(EndpointError, match=why) as info:
        check_endpoint(url)
    assert info.value.kind is ErrorKind.FATAL
    assert "usersig=abc" not in str(info.value)


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.1") and not is_loopback("localhost.example.com")


def test_redact_url() -> None:
    text = "POST https://h/v4/x?usersig=eJyrVg*-_abc&identifier=admin&sdkappid=1"
    assert redact_url(text) == "POST https://h/v4/x?usersig=***&identifier=admin&sdkappid=1"


async def test_httpx_request_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ErrorCode": 0, "ActionStatus": "OK", "ErrorInfo": "", "Reports": []})

    signer = _signer()
    caplog.set_level(logging.DEBUG)
    async with ReportClient("https://example.com", signer, transport=httpx.MockTransport(answer)) as client:
        await client.fetch(["a"])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "usersig=***" in logged
    assert signer.current() not in logged


async def test_connect_failure_moves_to_backup_domain() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "primary.example":
            raise httpx.ConnectError("dns failure", request=request)
        return httpx.Response(200, json={"ErrorCode": 0, "Reports": []})

    client = ReportClient(
        ["https://primary.example", "https://backup.example"], _signer(), transport=httpx.MockTransport(answer)
    )
    async with client:
        with pytest.raises(TransportError, match="primary.example"):
            await client.fetch(["a"])
        assert await client.fetch(["a"]) == []
    assert seen == ["primary.example", "backup.example"]


async def test_oversized_body_is_refused_without_reading_it_all() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{" + b" " * (17 * 1024 * 1024) + b"}")

    async with ReportClient("https://example.com", _signer(), transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(ResponseFormatError, match="larger than"):
            await client.fetch(["a"])


async def test_batch_rules_are_enforced_before_sending() -> None:
    async with ReportClient("https://example.com", _signer(), transport=httpx.MockTransport(lambda r: None)) as c:
        with pytest.raises(ValueError, match="empty"):
            await c.fetch([])
        with pytest.raises(ValueError, match="at most 500"):
            await c.fetch([str(i) for i in range(501)])
        with pytest.raises(ValueError, match="duplicate"):
            await c.fetch(["a", "a"])


def test_client_repr_holds_no_secret() -> None:
    signer = _signer()
    client = ReportClient("https://example.com", signer)
    assert KEY not in repr(client) and signer.current() not in repr(client)
    assert KEY not in repr(signer)
