"""Command line entry point: argparse subcommands wiring the layers together.

Each subcommand lives in `pushwatch/commands/<name>.py` with `register(subparsers)` and `run(args) -> int`.
No protocol or UI logic here. A user mistake ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pushwatch import __version__
from pushwatch.errors import UserError

# Order is the order of `pushwatch --help`.
COMMANDS = ("demo", "add", "remove", "list", "label", "report", "watch", "simulate", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pushwatch",
        description="Watch Tencent Cloud IM push tasks (im_get_push_report) from a terminal.",
        epilog="Without a command, opens the live monitor on the saved watchlist.",
    )
    parser.add_argument("--version", action="version", version=f"pushwatch {__version__}")
    parser.add_argument("--profile", help="profile from config.toml (env PUSHWATCH_PROFILE)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command_module(name)
        if module is not None:
            module.register(subparsers)
    return parser


def _command_module(name: str):
    try:
        return importlib.import_module(f"pushwatch.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"pushwatch.commands.{name}":
            return None  # not built yet
        raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "monitor"
    module = _command_module(command)
    if module is None:
        parser.print_help()
        return 0
    try:
        return int(module.run(args) or 0)
    except UserError as exc:
        print(f"pushwatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `pushwatch report | head`: the reader left; say nothing more.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
