"""The session-wide secret scan (root conftest.py) really catches leaks."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

LEAKY = '''
import logging
from pushwatch.api import usersig
from pushwatch.api.models import ApiError

KEY = "a-secret-key-for-the-scan-test"

def test_prints_usersig():
    print(usersig.generate(KEY, "admin", 1400000000))

def test_logs_key():
    usersig.generate(KEY, "admin", 1400000000)
    logging.getLogger("x").warning("key is %s", KEY)

def test_error_message_with_usersig():
    sig = usersig.generate(KEY, "admin", 1400000000)
    ApiError("failed for " + sig)

def test_clean():
    sig = usersig.generate(KEY, "admin", 1400000000)
    print("sig has", len(sig), "chars")
'''


@pytest.mark.parametrize("name", ["test_prints_usersig", "test_logs_key", "test_error_message_with_usersig"])
def test_scan_fails_a_leaking_test(pytester: pytest.Pytester, name: str) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text().replace('pytest_plugins = ["pytester"]', ""))
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"test_leaky.py::{name}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*SECRET LEAK*"])
    assert "a-secret-key-for-the-scan-test" not in result.stdout.str()


def test_scan_passes_a_clean_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text().replace('pytest_plugins = ["pytester"]', ""))
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_leaky.py::test_clean")
    result.assert_outcomes(passed=1)
