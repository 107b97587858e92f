"""parse_response: the documented answer, service errors and every malformed shape as a typed error."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from pushwatch.api.models import ERROR_CODES, ErrorKind, Report, ResponseFormatError, ServiceError, Status
from pushwatch.api.parse import parse_response

SPEC_EXAMPLE = b"""{
  "Reports": [
    {"TaskId": "123456789_201621292_2016020204", "Status": 0},
    {"TaskId": "123456789_201621292_2016020203", "Status": 2,
     "StartTime": "2016-02-02 17:02:19", "Finished": 900, "Total": 900}
  ],
  "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0
}"""


def _ok(*reports: dict[str, Any]) -> bytes:
    return json.dumps({"Reports": list(reports), "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}).encode()


PUSHING = {"TaskId": "1_2_3", "Status": 1, "StartTime": "2024-06-01 12:00:00", "Finished": 5, "Total": 10}


def test_spec_example() -> None:
    pending, done = parse_response(SPEC_EXAMPLE)
    assert pending == Report("123456789_201621292_2016020204", Status.NOT_STARTED)
    assert done == Report("123456789_201621292_2016020203", Status.FINISHED, datetime(2016, 2, 2, 17, 2, 19), 900, 900)
    assert done.is_final and not done.incomplete and done.fraction == 1.0
    assert [r.to_api() for r in (pending, done)] == json.loads(SPEC_EXAMPLE)["Reports"]


def test_incomplete_report() -> None:
    (report,) = parse_response(_ok({**PUSHING, "Status": 2, "Finished": 7}))
    assert report.incomplete and report.shortfall == 3 and report.fraction == 0.7


def test_no_reports_and_extra_fields() -> None:
    assert parse_response(b'{"ErrorCode": 0}') == []
    (report,) = parse_response(
        json.dumps({"ErrorCode": 0, "New": 1, "Reports": [{**PUSHING, "Channel": "x", "Stats": {}}]}).encode()
    )
    assert report.finished == 5


def test_unicode_task_id_and_utf8_body() -> None:
    (report,) = parse_response(_ok({"TaskId": "任务_1", "Status": 0}))
    assert report.task_id == "任务_1"


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_known_error_code(code: int) -> None:
    body = json.dumps({"ActionStatus": "FAIL", "ErrorInfo": "server words", "ErrorCode": code}).encode()
    with pytest.raises(ServiceError) as info:
        parse_response(body)
    assert info.value.code == code and info.value.kind is ERROR_CODES[code].kind
    assert "server words" in str(info.value)


def test_unknown_error_code_and_odd_error_info() -> None:
    with pytest.raises(ServiceError) as info:
        parse_response(b'{"ErrorCode": 12345, "ErrorInfo": null}')
    assert info.value.kind is ErrorKind.UNKNOWN and info.value.code == 12345
    with pytest.raises(ServiceError) as info:
        parse_response(b'{"ErrorCode": 90017, "ErrorInfo": "' + b"x\\n" * 500 + b'", "Reports": "ignored"}')
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty body"),
        (b"   ", "empty body"),
        (b"<!DOCTYPE html><html><body>502</body></html>", "HTML"),
        (b'{"Reports": [', "truncated"),
        (b"hello", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'"OK"', "not an object"),
        (b"{}", "ErrorCode"),
        (b'{"ErrorCode": "0"}', "ErrorCode"),
        (b'{"ErrorCode": true}', "ErrorCode"),
        (b'{"ErrorCode": 0.0}', "ErrorCode"),
        (b'{"ErrorCode": 0, "Reports": {}}', "not a list"),
        (b"\xff\xfe{}", "JSON"),
    ],
)
def test_unreadable_answers(body: bytes, words: str) -> None:
    with pytest.raises(ResponseFormatError, match=words):
        parse_response(body)


@pytest.mark.parametrize(
    ("report", "words"),
    [
        ([1], "not an object"),
        ({"Status": 0}, "TaskId"),
        ({"TaskId": "", "Status": 0}, "TaskId"),
        ({"TaskId": 5, "Status": 0}, "TaskId"),
        ({"TaskId": "a"}, "Status"),
        ({"TaskId": "a", "Status": 3}, "Status"),
        ({"TaskId": "a", "Status": -1}, "Status"),
        ({"TaskId": "a", "Status": "1"}, "Status"),
        ({"TaskId": "a", "Status": True}, "Status"),
        ({"TaskId": "a", "Status": 1.0}, "Status"),
        ({**PUSHING, "Finished": None}, "Finished missing"),
        ({k: v for k, v in PUSHING.items() if k != "Total"}, "Total missing"),
        ({**PUSHING, "Finished": -1}, "Finished"),
        ({**PUSHING, "Finished": "5"}, "Finished"),
        ({**PUSHING, "Total": 10.5}, "Total"),
        ({**PUSHING, "Total": False}, "Total"),
        ({**PUSHING, "StartTime": 1700000000}, "StartTime"),
        ({**PUSHING, "StartTime": "yesterday"}, "StartTime"),
        ({**PUSHING, "StartTime": "2024-13-01 00:00:00"}, "StartTime"),
    ],
)
def test_malformed_reports(report: Any, words: str) -> None:
    body = _ok(*report) if isinstance(report, list) else _ok(report)
    with pytest.raises(ResponseFormatError, match=words) as info:
        parse_response(body)
    assert "Reports[0]" in str(info.value)


def test_position_of_the_bad_report_is_named() -> None:
    with pytest.raises(ResponseFormatError, match=r"Reports\[2\]"):
        parse_response(_ok(PUSHING, PUSHING, {"TaskId": "x", "Status": 9}))


def test_pending_report_without_counts_but_counts_allowed() -> None:
    bare, counted = parse_response(_ok({"TaskId": "a", "Status": 0}, {"TaskId": "b", "Status": 0, "Finished": 0, "Total": 9}))
    assert bare.finished is None and bare.total is None and bare.fraction is None
    assert counted.total == 9 and counted.start_time is None


def test_empty_start_time_is_absent() -> None:
    (report,) = parse_response(_ok({**PUSHING, "StartTime": ""}))
    assert report.start_time is None
    assert "StartTime" not in report.to_api()


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ResponseFormatError) as info:
        parse_response(_ok({"TaskId": "a", "Status": "x" * 5000}))
    assert len(str(info.value)) < 200
