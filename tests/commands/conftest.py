"""Command tests run `pushwatch.cli.main` in-process with config and data in a temporary folder."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pushwatch.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]



@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def runner(*argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture
def watchlist_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "watchlist.toml"
