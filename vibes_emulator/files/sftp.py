"""The emulator's SFTP service (FACTS §4.1), with asyncssh: the batch-files directory
chrooted, ``/files/out`` and ``/files/in``, public-key login only.

Rules kept: SSH public-key authentication only (no passwords, no keyboard-interactive),
the username must be a company's API username, and one connection per account at a time
(a second is refused at login). The "five minutes between connections" rule is the
client's to keep (tap/target keep it); the server only counts connections. A fresh host
key is generated at every start. ``on_upload_closed`` is told of every file written to
``/files/in`` so landed imports can be processed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

logger = logging.getLogger("vibes_emulator.sftp")


@dataclass
class SftpAccess:
    """Who may log in: usernames, authorized public keys, and who is connected now."""

    usernames: set[str]
    keys: list[asyncssh.SSHKey] = field(default_factory=list)
    connected: set[str] = field(default_factory=set)
    connections: int = 0
    refused: int = 0

    def authorize(self, public_key: str) -> None:
        """Add an OpenSSH public key line (``ssh-ed25519 AAAA... comment``)."""
        self.keys.append(asyncssh.import_public_key(public_key))

    def authorize_file(self, path: str | Path) -> None:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                self.authorize(line.strip())

    def key_allowed(self, key: asyncssh.SSHKey) -> bool:
        wanted = key.public_data
        return any(k.public_data == wanted for k in self.keys)

    def to_json(self) -> dict[str, Any]:
        return {
            "authorized_keys": len(self.keys),
            "connected": sorted(self.connected),
            "connections": self.connections,
            "refused": self.refused,
        }


class _Server(asyncssh.SSHServer):
    def __init__(self, access: SftpAccess) -> None:
        self.access = access
        self.username: str | None = None
        self._conn: asyncssh.SSHServerConnection | None = None

    def begin_auth(self, username: str) -> bool:
        if username in self.access.connected:
            self.access.refused += 1
            raise asyncssh.DisconnectError(
                asyncssh.DISC_TOO_MANY_CONNECTIONS,
                "Only one connection per account at a time (Vibes SFTP rules)",
            )
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username in self.access.usernames and self.access.key_allowed(key)

    def auth_completed(self) -> None:
        conn = self._conn
        username = conn.get_extra_info("username") if conn is not None else None
        self.username = str(username) if username else "?"
        self.access.connected.add(self.username)
        self.access.connections += 1

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def connection_lost(self, exc: Exception | None) -> None:
        if self.username is not None:
            self.access.connected.discard(self.username)


class _ChrootSftp(asyncssh.SFTPServer):
    def __init__(
        self, chan: asyncssh.SSHServerChannel, root: Path, on_upload: Callable[[str], None]
    ) -> None:
        super().__init__(chan, chroot=str(root).encode())
        self._on_upload = on_upload
        self._written: dict[int, str] = {}

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        handle = super().open(path, pflags, attrs)
        if pflags & asyncssh.FXF_WRITE:
            self._written[id(handle)] = self.map_path(path).decode()
        return handle

    def close(self, file_obj: object) -> None:
        super().close(file_obj)
        local = self._written.pop(id(file_obj), None)
        if local is not None:
            self._on_upload(local)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        super().rename(oldpath, newpath)
        self._on_upload(self.map_path(newpath).decode())

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        super().posix_rename(oldpath, newpath)
        self._on_upload(self.map_path(newpath).decode())


class SftpService:
    """Start/stop the SFTP server on the running event loop."""

    def __init__(
        self, root: str | Path, access: SftpAccess, on_upload: Callable[[str], None]
    ) -> None:
        self.root = Path(root).resolve()
        self.access = access
        self.on_upload = on_upload
        self.port: int | None = None
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, host: str, port: int) -> int:
        for sub in ("files/in", "files/out"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        root, on_upload, access = self.root, self.on_upload, self.access
        self._acceptor = await asyncssh.create_server(
            lambda: _Server(access),
            host,
            port,
            server_host_keys=[self.host_key],
            sftp_factory=lambda chan: _ChrootSftp(chan, root, on_upload),
            allow_scp=False,
            encryption_algs=["aes256-ctr", "aes192-ctr", "aes128-ctr"],
            mac_algs=["hmac-sha2-512", "hmac-sha2-256", "hmac-sha1"],
        )
        self.port = int(self._acceptor.sockets[0].getsockname()[1])
        logger.info("SFTP on %s:%d serving %s", host, self.port, self.root)
        return self.port

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
