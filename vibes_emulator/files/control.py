"""Control-plane routes for the batch files, and their wiring into the app.

- ``POST /_emulator/extracts {"date": "YYYY-MM-DD"}`` writes that day's extracts (default:
  today) into ``<extracts_dir>/files/out``.
- ``POST /_emulator/imports/process`` applies the import files waiting in ``files/in`` now
  (files uploaded over SFTP are applied as soon as the upload closes).
- ``GET /_emulator/sftp`` tells the SFTP port and connection counts;
  ``POST /_emulator/sftp/authorized_keys {"public_key": "ssh-ed25519 ..."}`` lets a key in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

from aiohttp import web

from vibes_emulator.app_keys import OPTIONS_KEY, STORE_KEY
from vibes_emulator.control import read_control_body, reject_unknown
from vibes_emulator.errors import ApiError, bad_request
from vibes_emulator.handlers.common import json_response

from .extracts import ExtractWriter
from .imports import ImportProcessor
from .sftp import SftpAccess, SftpService

logger = logging.getLogger("vibes_emulator.imports")
IMPORT_POLL_SECONDS = 1.0
EXTRACTS_KEY: web.AppKey[ExtractWriter] = web.AppKey("vibes_extracts", ExtractWriter)
IMPORTS_KEY: web.AppKey[ImportProcessor] = web.AppKey("vibes_imports", ImportProcessor)
SFTP_KEY: web.AppKey[SftpService] = web.AppKey("vibes_sftp", SftpService)


def _off() -> ApiError:
    return ApiError(409, "Batch files are off: start the emulator with --extracts-dir DIR")


async def write_extracts(request: web.Request) -> web.Response:
    writer = request.app.get(EXTRACTS_KEY)
    if writer is None:
        raise _off()
    body = await read_control_body(request)
    reject_unknown(body, {"date", "company_key"}, "extract fields")
    raw_day, company = body.get("date"), body.get("company_key")
    try:
        day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else None
    except ValueError:
        day = None
    if raw_day is not None and day is None:
        raise bad_request(f"'date' must be YYYY-MM-DD, got {raw_day!r}")
    if company is not None and not isinstance(company, str):
        raise bad_request("'company_key' must be a string")
    return json_response(writer.write(day or date.today(), company))


async def process_imports(request: web.Request) -> web.Response:
    processor = request.app.get(IMPORTS_KEY)
    if processor is None:
        raise _off()
    return json_response({"processed": processor.process_waiting()})


async def sftp_info(request: web.Request) -> web.Response:
    service = request.app.get(SFTP_KEY)
    if service is None:
        raise ApiError(409, "SFTP is off: start the emulator with --extracts-dir and --sftp-port")
    host_key = service.host_key.export_public_key().decode().strip()
    return json_response({"port": service.port, "host_key": host_key, **service.access.to_json()})


async def authorize_key(request: web.Request) -> web.Response:
    service = request.app.get(SFTP_KEY)
    if service is None:
        raise ApiError(409, "SFTP is off: start the emulator with --extracts-dir and --sftp-port")
    key = (await read_control_body(request)).get("public_key")
    if not isinstance(key, str):
        raise bad_request("'public_key' must be an OpenSSH public key line")
    try:
        service.access.authorize(key)
    except (ValueError, TypeError) as exc:
        raise bad_request(f"'public_key' is not a usable public key: {exc}") from None
    return json_response(service.access.to_json(), status=201)


def install_files(app: web.Application) -> None:
    """Batch files when ``extracts_dir`` is set: writer, processor, SFTP, control routes."""
    options = app[OPTIONS_KEY]
    router = app.router
    router.add_post("/_emulator/extracts", write_extracts)
    router.add_post("/_emulator/imports/process", process_imports)
    router.add_get("/_emulator/sftp", sftp_info)
    router.add_post("/_emulator/sftp/authorized_keys", authorize_key)
    if not options.extracts_dir:
        return
    root = Path(options.extracts_dir)
    store = app[STORE_KEY]
    app[EXTRACTS_KEY] = ExtractWriter(store, root)
    processor = app[IMPORTS_KEY] = ImportProcessor(store, root)

    async def poll_imports(app: web.Application) -> AsyncIterator[None]:
        # Files written straight into files/in (no SFTP) are picked up within a second.
        async def poll() -> None:
            while True:
                await asyncio.sleep(IMPORT_POLL_SECONDS)
                try:
                    processor.process_waiting()
                except OSError as exc:  # a file vanished mid-way: try again next round
                    logger.warning("import poll: %s", exc)

        task = asyncio.ensure_future(poll())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(poll_imports)
    if options.sftp_port is None:
        return
    access = SftpAccess({c.username for c in options.companies()})
    if options.sftp_authorized_keys:
        access.authorize_file(options.sftp_authorized_keys)
    service = app[SFTP_KEY] = SftpService(root, access, processor.process_landed)

    async def sftp_lifetime(app: web.Application) -> AsyncIterator[None]:
        await service.start(options.host, options.sftp_port or 0)
        yield
        await service.stop()

    app.cleanup_ctx.append(sftp_lifetime)
