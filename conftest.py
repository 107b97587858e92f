"""Session-wide secret scan: no test may let a secret key or a UserSig reach output, logs or errors.

Every UserSig generated and every secret key signed with during the session is recorded (by wrapping
`usersig.generate`), every `ApiError`/`UserError` message is recorded, and after each test its captured
stdout, stderr, log records and failure text are searched for them. A hit fails that test without printing
the secret. Keys that are public by design (the simulator's printed demo key) are exempt.
"""

from __future__ import annotations

import pytest

from pushwatch import errors
from pushwatch.api import models, usersig

pytest_plugins = ["pytester"]

_MIN_SECRET_LEN = 12
_secrets: set[str] = set()
_messages: list[str] = []
_public: set[str] = set()

_original_generate = usersig.generate


def _recording_generate(secret_key: str, *args, **kwargs) -> str:
    sig = _original_generate(secret_key, *args, **kwargs)
    _secrets.add(sig)
    if len(secret_key) >= _MIN_SECRET_LEN:
        _secrets.add(secret_key)
    return sig


usersig.generate = _recording_generate  # type: ignore[assignment]


def _record_init(cls: type) -> None:
    original = cls.__init__

    def __init__(self, *args, **kwargs):  # noqa: N807
        original(self, *args, **kwargs)
        _messages.append(str(self))

    cls.__init__ = __init__


_record_init(models.ApiError)
_record_init(errors.UserError)


def _public_keys() -> set[str]:
    if not _public:
        try:
            from pushwatch.simulator import DEMO_SECRET_KEY
        except ImportError:
            return _public
        _public.add(DEMO_SECRET_KEY)
    return _public


def leaked_in(text: str) -> bool:
    """True when `text` holds any recorded secret (exposed for tests that scan subprocess output)."""
    public = _public_keys()
    return any(s in text for s in _secrets if s not in public)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call":
        return
    places = {
        "stdout": report.capstdout,
        "stderr": report.capstderr,
        "log": report.caplog,
        "error messages": "\n".join(_messages),
        "failure": report.longreprtext if report.failed else "",
    }
    _messages.clear()
    leaks = [where for where, text in places.items() if text and leaked_in(text)]
    if leaks:
        report.outcome = "failed"
        report.sections = [(name, "(withheld: it holds a secret)") for name, _ in report.sections]
        report.longrepr = f"SECRET LEAK: a secret key or UserSig appeared in {', '.join(leaks)} of this test"
