"""A synchronous SFTP session to Vibes' file service (FACTS §4.1), shared by tap and target.

Vibes' scripting rules, kept here: public-key login only; one session per run (callers
share one :class:`SftpSession`) and never two at once; close the session cleanly before
disconnecting; and **at least five minutes between connections**. That last rule is kept
with a small marker file per account (``$XDG_CACHE_HOME/vibes-connectors/``, default
``~/.cache``): connecting sooner fails with a clear message before any network traffic.
``min_interval_seconds`` overrides the five minutes (tests use 0). The host key is checked
against ``known_hosts`` (default: asyncssh's, ``~/.ssh/known_hosts``), like TLS verification.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from vibes_api.bridge import AsyncRunner

MIN_INTERVAL_SECONDS = 300.0


class SftpError(RuntimeError):
    """SFTP cannot be used as configured (message says why; never a key's contents)."""


@dataclass(frozen=True)
class SftpLocation:
    host: str
    port: int
    username: str
    path: str

    @classmethod
    def parse(cls, url: str) -> SftpLocation:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "sftp" or not parts.hostname or not parts.username:
            raise SftpError(f"expected sftp://user@host[:port]/path, got {url!r}")
        if parts.password:
            raise SftpError("SFTP login is by public key only: put no password in the URL")
        return cls(parts.hostname, parts.port or 22, parts.username, parts.path or "/")

    def __str__(self) -> str:
        return f"sftp://{self.username}@{self.host}:{self.port}{self.path}"


def is_sftp(location: str) -> bool:
    return location.startswith("sftp://")


def _marker(location: SftpLocation) -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    name = f"sftp-{location.username}@{location.host}_{location.port}.last"
    return Path(cache) / "vibes-connectors" / name


def check_spacing(location: SftpLocation, min_interval: float) -> None:
    """Raise when the last connection to this account was less than ``min_interval`` ago."""
    marker = _marker(location)
    try:
        last = float(marker.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return
    wait = last + min_interval - time.time()
    if wait > 0:
        raise SftpError(
            f"Vibes allows one SFTP connection per {min_interval:.0f} s per account; the last "
            f"to {location.username}@{location.host} was {time.time() - last:.0f} s ago. "
            f"Try again in {wait:.0f} s (marker: {marker})."
        )


def record_connection(location: SftpLocation) -> None:
    marker = _marker(location)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{time.time():.3f}\n", encoding="utf-8")


class SftpSession:
    """One SSH connection and SFTP channel, opened on first use, closed by ``close``."""

    def __init__(
        self,
        location: SftpLocation,
        private_key_path: str | None,
        *,
        known_hosts: str | None = None,
        min_interval_seconds: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        if not private_key_path:
            raise SftpError("an sftp:// location needs sftp_private_key_path")
        self.location = location
        self._key_path = private_key_path
        self._known_hosts = known_hosts
        self._min_interval = min_interval_seconds
        self._runner: AsyncRunner | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None

    def __repr__(self) -> str:
        return f"SftpSession({self.location}, {'open' if self._sftp else 'closed'})"

    def _client(self) -> tuple[AsyncRunner, asyncssh.SFTPClient]:
        if self._runner is not None and self._sftp is not None:
            return self._runner, self._sftp
        check_spacing(self.location, self._min_interval)
        try:
            key = asyncssh.read_private_key(self._key_path)
        except (OSError, asyncssh.KeyImportError) as exc:
            raise SftpError(
                f"sftp_private_key_path {self._key_path}: cannot be used ({exc})"
            ) from None
        runner = AsyncRunner("vibes-sftp")
        options: dict[str, Any] = {"username": self.location.username, "client_keys": [key]}
        if self._known_hosts is not None:
            options["known_hosts"] = self._known_hosts
        record_connection(self.location)  # an attempt counts as a connection too

        async def connect() -> tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]:
            conn = await asyncssh.connect(
                self.location.host, self.location.port, preferred_auth="publickey", **options
            )
            return conn, await conn.start_sftp_client()

        try:
            self._conn, self._sftp = runner.run(connect())
        except (OSError, asyncssh.Error) as exc:
            runner.close()
            raise SftpError(f"cannot open {self.location}: {exc}") from None
        self._runner = runner
        return runner, self._sftp

    def _path(self, name: str) -> str:
        """``name`` in the location's directory; an absolute path stays as it is."""
        return name if name.startswith("/") else f"{self.location.path.rstrip('/')}/{name}"

    def listdir(self, path: str | None = None) -> list[str]:
        runner, sftp = self._client()
        folder = path or self.location.path

        async def names() -> list[str]:
            return [n for n in await sftp.listdir(folder) if n not in (".", "..")]

        return runner.run(names())

    def listdir_if_exists(self, path: str) -> list[str] | None:
        """The names in ``path``, or None when there is no such folder."""
        try:
            return self.listdir(path)
        except asyncssh.SFTPNoSuchFile:
            return None

    def download(self, name: str, local: Path) -> None:
        runner, sftp = self._client()
        runner.run(sftp.get(self._path(name), str(local)))

    def upload(self, local: Path, name: str) -> None:
        """Upload under a temporary name, then rename: Vibes never sees half a file."""
        runner, sftp = self._client()
        partial = self._path(f".{name}.partial")

        async def put() -> None:
            await sftp.put(str(local), partial)
            await sftp.posix_rename(partial, self._path(name))

        runner.run(put())

    def close(self) -> None:
        runner, conn, sftp = self._runner, self._conn, self._sftp
        self._runner = self._conn = self._sftp = None
        if runner is None:
            return

        async def shut() -> None:
            if sftp is not None:
                sftp.exit()
                await sftp.wait_closed()
            if conn is not None:
                conn.close()
                await conn.wait_closed()

        try:
            runner.run(shut())
        finally:
            runner.close()
