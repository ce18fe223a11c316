"""``vibes-callbacks``: ``serve`` runs the receiver, ``register`` registers the callbacks.

    vibes-callbacks serve --journal PATH [--host 127.0.0.1] [--port 8787] [--secret S]
                          [--allow-ip vibes --allow-ip 10.0.0.0/8 ...]
    vibes-callbacks register --config TAP_CONFIG --url PUBLIC_URL [--types ...] [--dry-run]
                             [--list-id ID ...] [--campaign-id ID ...] [--app-id ID ...]
                             [--campaign-token T ...] [--source-code C ... --country-code CC]
                             [--event-type T] [--callbacks-to-send all|only_failures|...]

``serve`` prints one line with ``http://HOST:PORT`` once it accepts connections and stops
cleanly on SIGINT or SIGTERM (in-flight callbacks are answered, the journal is closed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from vibes_api.version import add_version_option
from vibes_callbacks.journal import JournalError
from vibes_callbacks.receiver import (
    DEFAULT_MAX_BODY_BYTES,
    ReceiverOptions,
    RedactingAccessLogger,
    create_app,
    parse_allow_list,
)
from vibes_callbacks.register import (
    CALLBACK_TYPES,
    CALLBACKS_TO_SEND,
    TAP_CALLBACK_TYPES,
    RegistrationReport,
    SelectorValues,
    register_callbacks,
)

SECRET_ENV = "VIBES_CALLBACKS_SECRET"  # noqa: S105 (the name of a variable, not a secret)
SHUTDOWN_TIMEOUT_SECONDS = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vibes-callbacks", description=__doc__.splitlines()[0])
    add_version_option(parser)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="receive Vibes callbacks into a journal")
    serve.add_argument("--journal", required=True, type=Path, help="SQLite journal file")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8787, help="port (0 picks a free one)")
    serve.add_argument(
        "--secret",
        help=f"accept callbacks only at /callbacks/SECRET (or set {SECRET_ENV})",
    )
    serve.add_argument(
        "--allow-ip",
        action="append",
        default=[],
        metavar="ADDR",
        help="only accept these sources: an address, a CIDR network, or vibes / vibes-us / "
        "vibes-eu for Vibes' published addresses (repeatable; default: any source)",
    )
    serve.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="body size limit"
    )
    serve.add_argument(
        "--synchronous",
        choices=["full", "normal"],
        default="full",
        help="SQLite fsync policy: full survives power loss, normal only a crashed process",
    )
    serve.add_argument("--log-level", default="INFO", help="logging level (stderr)")

    register = commands.add_parser("register", help="register Vibes callbacks (what the tap reads)")
    register.add_argument("--config", required=True, type=Path, help="tap-vibes config JSON")
    register.add_argument("--url", required=True, help="public URL of the receiver's callbacks")
    register.add_argument(
        "--types",
        nargs="+",
        choices=list(CALLBACK_TYPES),
        metavar="TYPE",
        help=f"these types (default: what the tap reads, {', '.join(TAP_CALLBACK_TYPES)}, "
        f"and the device types when --app-id is given; any of {', '.join(CALLBACK_TYPES)})",
    )
    selectors = register.add_argument_group(
        "selectors", "values to register for (default: every one Vibes lists)"
    )
    for option, what in (
        ("--list-id", "subscription list (subscription_added/_removed)"),
        ("--campaign-id", "acquisition campaign (ack_participant_*)"),
        ("--campaign-token", "wallet campaign token (wallet_item_*)"),
        ("--app-id", "mobile app (device_*; required for those: Vibes lists no apps)"),
        ("--source-code", "short or long code (unmatched_message_received)"),
    ):
        selectors.add_argument(option, action="append", default=[], help=f"a {what}; repeatable")
    selectors.add_argument("--country-code", help="country of the --source-code values")
    selectors.add_argument("--event-type", help="event_processed: only this event type")
    selectors.add_argument(
        "--callbacks-to-send", choices=CALLBACKS_TO_SEND, default="all", help="event_processed"
    )
    register.add_argument("--dry-run", action="store_true", help="show what would change")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return _register(args)


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    try:
        options = ReceiverOptions(
            journal_path=args.journal,
            secret=args.secret or os.environ.get(SECRET_ENV) or None,
            allow_ips=parse_allow_list(args.allow_ip),
            max_body_bytes=args.max_body_bytes,
            synchronous="FULL" if args.synchronous == "full" else "NORMAL",
        )
    except ValueError as exc:
        print(f"vibes-callbacks: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run_server(options, args.host, args.port))
    except (OSError, JournalError) as exc:
        print(f"vibes-callbacks: cannot serve: {exc}", file=sys.stderr)
        return 1
    return 0


async def _run_server(options: ReceiverOptions, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(
        create_app(options),
        access_log_class=RedactingAccessLogger,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        print(
            f"vibes-callbacks listening on http://{shown}:{bound_port} "
            f"(callbacks at {'/callbacks/***' if options.secret else '/callbacks'}, "
            f"journal {options.journal_path})",
            flush=True,
        )
        await stop.wait()
    finally:
        await runner.cleanup()


def _register(args: argparse.Namespace) -> int:
    from vibes_api.client import VibesClient
    from vibes_api.errors import VibesError
    from vibes_api.settings import VibesSettings

    try:
        config = json.loads(args.config.read_text())
        settings = VibesSettings.from_config(config)
    except (OSError, ValueError, VibesError) as exc:
        print(f"vibes-callbacks: cannot read {args.config}: {exc}", file=sys.stderr)
        return 2

    values = SelectorValues(
        list_ids=tuple(args.list_id),
        campaign_ids=tuple(args.campaign_id),
        campaign_tokens=tuple(args.campaign_token),
        app_ids=tuple(args.app_id),
        source_codes=tuple(args.source_code),
        country_code=args.country_code,
        event_type=args.event_type,
        callbacks_to_send=args.callbacks_to_send,
    )

    async def run() -> RegistrationReport:
        async with VibesClient(settings) as client:
            return await register_callbacks(
                client, args.url, args.types, dry_run=args.dry_run, values=values
            )

    try:
        report = asyncio.run(run())
    except (ValueError, VibesError) as exc:
        print(f"vibes-callbacks: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
