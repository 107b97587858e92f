"""Fuzzing the pure parsers: whatever arrives, only the typed errors come out."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pushwatch.api.models import Report, ResponseFormatError, ServiceError
from pushwatch.api.parse import parse_response
from pushwatch.api.usersig import UserSigError, decode, generate, verify

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)

report_like = st.fixed_dictionaries(
    {},
    optional={
        "TaskId": st.one_of(st.text(max_size=30), json_values),
        "Status": st.one_of(st.integers(-1, 3), json_values),
        "StartTime": st.one_of(st.just("2016-02-02 17:02:19"), st.text(max_size=25), json_values),
        "Finished": st.one_of(st.integers(-5, 10**9), json_values),
        "Total": st.one_of(st.integers(-5, 10**9), json_values),
        "Extra": json_values,
    },
)

answer_like = st.fixed_dictionaries(
    {},
    optional={
        "ErrorCode": st.one_of(st.just(0), st.integers(), json_values),
        "ErrorInfo": json_values,
        "ActionStatus": st.sampled_from(["OK", "FAIL"]),
        "Reports": st.one_of(st.lists(report_like, max_size=5), json_values),
    },
)


def _check(body: bytes) -> None:
    try:
        reports = parse_response(body)
    except (ResponseFormatError, ServiceError) as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert all(isinstance(r, Report) for r in reports)
    for r in reports:
        assert isinstance(r.task_id, str) and r.task_id
        if r.finished is not None:
            assert isinstance(r.finished, int) and r.finished >= 0


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_typed_errors(body: bytes) -> None:
    _check(body)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_arbitrary_json_only_raises_typed_errors(value: object) -> None:
    _check(json.dumps(value).encode())


@settings(max_examples=600, deadline=None)
@given(answer_like)
def test_answer_shaped_json_only_raises_typed_errors(value: dict) -> None:
    _check(json.dumps(value).encode())


@settings(max_examples=200, deadline=None)
@given(answer_like, st.integers(min_value=1, max_value=200))
def test_truncated_answers_only_raise_typed_errors(value: dict, cut: int) -> None:
    body = json.dumps(value).encode()
    _check(body[: max(0, len(body) - cut)])


def test_deeply_nested_json_is_a_format_error() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    try:
        parse_response(body)
    except ResponseFormatError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_usersig_decoder_only_raises_usersigerror(text: str) -> None:
    try:
        decode(text)
    except UserSigError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_usersig_decoder_on_compressed_garbage(payload: bytes) -> None:
    import base64
    import zlib

    sig = base64.b64encode(zlib.compress(payload)).decode().translate(str.maketrans("+/=", "*-_"))
    try:
        decode(sig)
    except UserSigError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=30), st.integers(1, 2**32 - 1), st.text(min_size=1, max_size=40))
def test_generated_usersigs_round_trip(identifier: str, sdkappid: int, key: str) -> None:
    sig = generate(key, identifier, sdkappid, 3600, now=1_700_000_000)
    decoded = verify(sig, key, identifier=identifier, sdkappid=sdkappid, now=1_700_000_001)
    assert (decoded.identifier, decoded.sdkappid, decoded.expire) == (identifier, sdkappid, 3600)
