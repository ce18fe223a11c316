"""``vibes-emulator serve``: run the emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable, Sequence

from aiohttp import web

from vibes_api.version import add_version_option
from vibes_emulator.app import create_app
from vibes_emulator.options import SHUTDOWN_TIMEOUT, CompanyCredentials, EmulatorOptions
from vibes_emulator.serving import VibesAppRunner


class StartupError(Exception):
    """The emulator could not start; the message says why, for the command line."""


def _company(value: str) -> CompanyCredentials:
    parts = value.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError(
            "expected COMPANY_KEY:USERNAME:PASSWORD, e.g. warehouse:loader:s3cret"
        )
    return CompanyCredentials(*parts)


def _non_negative(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    def parse(value: str) -> float | int:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {value}")
        return number

    return parse


def _probability(value: str) -> float:
    number = float(_non_negative(float)(value))
    if number > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vibes-emulator", description="A local emulator of the Vibes Platform API."
    )
    add_version_option(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulated API until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_non_negative(int), default=8080, help="0 picks a free port")
    serve.add_argument(
        "--db",
        dest="db_path",
        help="SQLite file for durable data (default: in memory)",
    )
    serve.add_argument(
        "--seed",
        dest="seed_persons",
        type=_non_negative(int),
        help="seed a deterministic data set around N persons",
    )
    serve.add_argument("--seed-value", type=int, default=1, help="random seed for --seed")
    serve.add_argument("--company", default="demo", help="company key of the default company")
    serve.add_argument("--username", default="demo")
    serve.add_argument("--password", default="demo")
    serve.add_argument(
        "--company-extra",
        dest="extra_companies",
        type=_company,
        action="append",
        default=[],
        metavar="KEY:USER:PASS",
        help="another company with its own credentials (repeatable)",
    )
    serve.add_argument(
        "--rate-limit",
        type=_non_negative(float),
        metavar="RPS",
        help="general requests/s per company (events 3x, Google Wallet 0.2x); "
        "0 turns throttling off; default: Vibes' documented limits",
    )
    serve.add_argument("--latency-ms", type=_non_negative(float), default=0.0)
    serve.add_argument("--latency-jitter-ms", type=_non_negative(float), default=0.0)
    serve.add_argument(
        "--fault-rate",
        type=_probability,
        default=0.0,
        help="probability in [0, 1] that a Vibes request meets a fault",
    )
    serve.add_argument(
        "--fault-seed",
        type=int,
        help="seed of the fault draws, so a run meets the same faults again",
    )
    serve.add_argument(
        "--extracts-dir",
        metavar="DIR",
        help="batch files: write extracts to DIR/files/out, apply imports from DIR/files/in",
    )
    serve.add_argument(
        "--sftp-port",
        type=_non_negative(int),
        metavar="N",
        help="with --extracts-dir, serve DIR over SFTP on port N (public-key login only)",
    )
    serve.add_argument(
        "--sftp-authorized-keys",
        metavar="FILE",
        help="OpenSSH authorized_keys file of the keys that may log in over SFTP",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return parser


def options_from_args(args: argparse.Namespace) -> EmulatorOptions:
    fields = vars(args).copy()
    fields.pop("command")
    return EmulatorOptions(**fields)


async def serve(options: EmulatorOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Installed before seeding, so a signal during a long --seed still ends cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        app = create_app(options)
    except sqlite3.Error as exc:
        raise StartupError(f"cannot open --db {options.db_path}: {exc}") from None
    # No per-request logging unless asked: it would cost more than the request itself.
    access_log = logging.getLogger("aiohttp.access") if options.access_log else None
    runner = VibesAppRunner(
        app, handle_signals=False, access_log=access_log, shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    try:
        if stop.is_set():
            return
        try:
            await web.TCPSite(runner, options.host, options.port).start()
        except OSError as exc:
            where = f"{options.host}:{options.port}"
            raise StartupError(f"cannot serve on {where}: {exc}") from None
        host, port = runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"vibes-emulator listening on http://{shown}:{port}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    options = options_from_args(args)
    if options.access_log:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        asyncio.run(serve(options))
    except StartupError as exc:
        raise SystemExit(f"vibes-emulator: {exc}") from None
    raise SystemExit(0)
