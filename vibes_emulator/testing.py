"""Run the emulator from tests, demos and benchmarks.

:class:`RunningEmulator` serves in a daemon thread of this process (fast to start, one
store per instance); :class:`EmulatorProcess` runs the real ``vibes-emulator serve``
command in a subprocess. Both expose the same attributes and a :class:`ControlClient`
that talks to the control plane over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import urllib.error
import urllib.request
from typing import Any, Self

from aiohttp import web

from vibes_emulator.app import create_app
from vibes_emulator.options import SHUTDOWN_TIMEOUT, CompanyCredentials, EmulatorOptions
from vibes_emulator.serving import VibesAppRunner
from vibes_emulator.url_line_process import URL_PATTERN, StartStop, UrlLineProcess

__all__ = ["URL_PATTERN", "ControlClient", "EmulatorProcess", "RunningEmulator"]


class ControlClient:
    """Synchronous client of the /_emulator/ control plane (stdlib only, any thread)."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback control plane, http only
            f"{self.url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise RuntimeError(f"control plane {method} {path}: {exc.code} {detail}") from None

    def reset(self) -> None:
        self.call("POST", "reset")

    def seed(self, persons: int, seed: int = 1) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "seed", {"persons": persons, "seed": seed})
        return result

    def set_faults(
        self,
        rate_limit: float | str | None = None,
        latency_ms: float | None = None,
        fault_rate: float | None = None,
        **more: Any,
    ) -> dict[str, Any]:
        """Change only what is given; ``rate_limit="documented"`` restores Vibes' limits,
        0 turns throttling off. ``more`` passes latency_jitter_ms, fault_kinds, slow_ms."""
        body = {
            k: v
            for k, v in {
                "rate_limit": rate_limit,
                "latency_ms": latency_ms,
                "fault_rate": fault_rate,
                **more,
            }.items()
            if v is not None
        }
        result: dict[str, Any] = self.call("POST", "faults", body)
        return result

    def faults(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "faults")
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "stats")
        return result

    def reset_stats(self) -> None:
        self.call("POST", "stats/reset")

    def persons(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.call("GET", "persons")
        return result

    def incentive_codes(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.call("GET", "incentive_codes")
        return result

    def add_incentive_codes(self, pool_id: int | str, codes: list[str]) -> None:
        self.call("POST", "incentive_codes", {"pool_id": str(pool_id), "codes": codes})

    def add_company(self, company_key: str, username: str, password: str) -> None:
        body = {"company_key": company_key, "username": username, "password": password}
        self.call("POST", "companies", body)


class _EmulatorHandle(StartStop):
    url: str
    company_key: str
    username: str
    password: str
    control: ControlClient

    def config(self) -> dict[str, Any]:
        """What a tap or target config needs to reach this emulator."""
        return {
            "api_url": self.url,
            "company_key": self.company_key,
            "username": self.username,
            "password": self.password,
        }


class RunningEmulator(_EmulatorHandle):
    """The emulator served from a daemon thread with its own event loop.

    ``options`` are :class:`EmulatorOptions` fields; ``seed`` (persons) and
    ``extra_companies`` (``[(key, user, password), ...]``) are accepted as shorthands.
    """

    def __init__(self, **options: Any) -> None:
        if "seed" in options:
            options["seed_persons"] = options.pop("seed")
        extras = options.pop("extra_companies", ())
        options["extra_companies"] = [
            e if isinstance(e, CompanyCredentials) else CompanyCredentials(*e) for e in extras
        ]
        options.setdefault("host", "127.0.0.1")
        options["port"] = 0
        self.options = EmulatorOptions(**options)
        self.company_key = self.options.company
        self.username = self.options.username
        self.password = self.options.password
        self.url = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._serve, name="vibes-emulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise RuntimeError(f"emulator failed to start: {self._error!r}") from self._error
        self.control = ControlClient(self.url)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=30)
            self._thread = None

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced to the starting thread
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        # The app (and its SQLite connection) is built in the thread that will use it.
        runner = VibesAppRunner(
            create_app(self.options),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.options.host, 0).start()
            host, port = runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()


class EmulatorProcess(_EmulatorHandle, UrlLineProcess):
    """``vibes-emulator serve --port 0 *cli_args`` in a subprocess."""

    name = "vibes-emulator"

    def __init__(self, *cli_args: str, startup_timeout: float = 120.0) -> None:
        super().__init__(startup_timeout)
        self.cli_args = list(cli_args)
        self.company_key = _flag(self.cli_args, "--company", "demo")
        self.username = _flag(self.cli_args, "--username", "demo")
        self.password = _flag(self.cli_args, "--password", "demo")
        self.url = ""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "vibes_emulator", "serve", "--port", "0", *self.cli_args]

    def start(self) -> Self:
        super().start()
        self.url = self.base_url
        self.control = ControlClient(self.url)
        return self


def _flag(args: list[str], name: str, default: str) -> str:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    return default
