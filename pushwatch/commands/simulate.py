"""`pushwatch simulate`: serve the API simulator on 127.0.0.1 until Ctrl-C, to try pushwatch without an app.

Prints what to point pushwatch at. The demo secret key is public and printed; a key from
PUSHWATCH_SECRET_KEY is never printed, and no UserSig ever is.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from pushwatch.errors import UserError

ENV_KEY = "PUSHWATCH_SECRET_KEY"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="run the API simulator on 127.0.0.1 (for demos and trying things out)",
        description="Serve a faithful simulator of im_get_push_report on 127.0.0.1 until interrupted. "
        f"The secret key comes from {ENV_KEY}, else a public demo key that is printed.",
    )
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--sdkappid", type=int, default=None, help="the simulated app's SDKAppID")
    p.add_argument(
        "--admin", action="append", metavar="NAME", help="administrator identifier (repeatable; default administrator)"
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--tasks", type=int, metavar="N", help="generate N tasks (default: the demo campaign)")
    source.add_argument("--ids", metavar="FILE", help="serve exactly the task IDs in FILE, one a line ('-': stdin)")
    p.add_argument("--save-ids", metavar="FILE", help="write the served task IDs to FILE, one a line")
    p.add_argument("--seed", type=int, default=0, help="seed for generated tasks and faults")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="added to every answer")
    p.add_argument("--max-rps", type=int, default=100, metavar="N", help="requests per second before the rate code (0: no limit)")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="CODE=P",
        help="answer a fraction P of requests with an error code (90017), an HTTP status (502) or a fault "
        "(stall, truncated, cut, wrong-types, missing-fields, extra-fields, html, huge, reset); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    from pushwatch.simulator import DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY, Campaign, Fault, Simulator

    faults = [_parse_fault(text, Fault) for text in args.fault]
    if args.latency < 0:
        raise UserError("--latency must be >= 0")
    if args.max_rps < 0:
        raise UserError("--max-rps must be >= 0")
    if not 0 <= args.port <= 65535:
        raise UserError("--port must lie in 0..65535")
    sdkappid = DEMO_SDKAPPID if args.sdkappid is None else args.sdkappid
    if sdkappid <= 0:
        raise UserError("--sdkappid must be a positive integer")
    admins = [a.strip() for a in (args.admin or [DEMO_ADMIN])]
    if not all(admins):
        raise UserError("--admin needs a name")
    env_key = os.environ.get(ENV_KEY, "").strip()
    key = env_key or DEMO_SECRET_KEY

    if args.ids:
        campaign = Campaign.from_ids(_read_ids(args.ids), seed=args.seed)
    elif args.tasks is not None:
        if not 1 <= args.tasks <= 10_000_000:
            raise UserError("--tasks must lie in 1..10000000")
        campaign = Campaign.generate(args.tasks, seed=args.seed)
    else:
        campaign = Campaign.demo()
    if args.save_ids:
        try:
            Path(args.save_ids).write_text("".join(f"{i}\n" for i in campaign.ids()), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.save_ids}: {exc.strerror}") from None

    sim = Simulator(
        campaign,
        sdkappid=sdkappid,
        secret_key=key,
        admins=admins,
        port=args.port,
        max_rps=args.max_rps or None,
        latency=args.latency / 1000,
        seed=args.seed,
        max_records=100,
    )
    for fault, probability in faults:
        sim.faults.add(fault, probability=probability)
    try:
        url = sim.start()
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None

    stop = threading.Event()
    previous = _on_signals(stop)
    try:
        _print_banner(sim, url, key_line=None if env_key else key, save_ids=args.save_ids, faults=args.fault)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        _restore(previous)
        sim.stop()
    print(f"simulator stopped after {sim.requests.total} requests", flush=True)
    return 0


def _parse_fault(text: str, fault_type: Any) -> tuple[Any, float]:
    word, sep, prob = text.partition("=")
    if not sep:
        raise UserError(f"--fault {text!r}: expected CODE=P, e.g. 90017=0.05 or stall=0.01")
    try:
        fault = fault_type.parse(word)
    except ValueError as exc:
        raise UserError(f"--fault: {exc}") from None
    try:
        probability = float(prob)
    except ValueError:
        probability = -1.0
    if not 0.0 <= probability <= 1.0:
        raise UserError(f"--fault {text!r}: P must be a probability between 0 and 1")
    return fault, probability


def _read_ids(source: str) -> list[str]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{source} is not UTF-8 text") from None
    ids = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if not ids:
        raise UserError(f"{source} holds no task IDs (expected one a line)")
    return ids


def _print_banner(sim: Any, url: str, *, key_line: str | None, save_ids: str | None, faults: list[str]) -> None:
    ids = sim.campaign.ids()
    lines = [
        f"pushwatch simulator serving {len(ids)} tasks on {url}  (Ctrl-C to stop)",
        "",
        f"  SDKAppID    {sim.sdkappid}",
        f"  identifier  {sim.admin}",
        f"  endpoint    {url}",
        "  secret key  " + (f"{key_line}  (public demo key)" if key_line else f"from {ENV_KEY} (not shown)"),
        f"  rate limit  {sim.max_rps or 'none'} requests/s" + (f"; faults: {' '.join(faults)}" if faults else ""),
        "",
        "Point pushwatch at it (in another terminal):",
        f"  export PUSHWATCH_ENDPOINT={url} PUSHWATCH_SDKAPPID={sim.sdkappid} PUSHWATCH_IDENTIFIER={sim.admin}",
    ]
    if key_line:
        lines.append(f"  export {ENV_KEY}={key_line}")
    if save_ids:
        lines.append(f"  pushwatch add - < {save_ids}")
    else:
        lines.append(f"  pushwatch add {' '.join(ids[:3])}{' ...' if len(ids) > 3 else ''}")
    lines.append("  pushwatch")
    print("\n".join(lines), flush=True)


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGINT and SIGTERM end the loop cleanly (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda *_: stop.set())
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
