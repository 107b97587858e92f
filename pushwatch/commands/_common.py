"""Helpers shared by the watchlist commands: reading IDs from arguments or stdin, the profile option."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from pushwatch.errors import UserError
from pushwatch.store.watchlist import parse_ids


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """`--profile` also after the subcommand; SUPPRESS keeps a top-level `--profile` when it is not given."""
    parser.add_argument(
        "--profile", default=argparse.SUPPRESS, help="profile from config.toml (env PUSHWATCH_PROFILE)"
    )


def profile_arg(args: argparse.Namespace) -> str | None:
    return getattr(args, "profile", None) or None


def read_ids(words: Sequence[str], stdin: TextIO | None = None) -> list[str]:
    """IDs from the arguments; a `-` argument reads more from stdin. Separators: whitespace, commas,
    newlines (CRLF too), unicode spaces. Blanks trimmed, duplicates dropped keeping order."""
    parts: list[str] = []
    for word in words:
        if word == "-":
            stream = stdin if stdin is not None else sys.stdin
            try:
                parts.append(stream.read())
            except UnicodeDecodeError:
                raise UserError("stdin is not UTF-8 text; expected task IDs") from None
        else:
            parts.append(word)
    return parse_ids("\n".join(parts))


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def out(*lines: Any) -> None:
    print(*lines, sep="\n", flush=True)
