"""Where import files go: a local ``files/in`` directory or Vibes' SFTP ``/files/in``.

``files_path`` names the ``in`` directory; result files are looked for in its sibling
``out`` (``<name>.result``). Local files are written under a dot-name and renamed, SFTP
uploads likewise, so the platform never reads half a file. One SFTP session serves the
whole run (Vibes' rules; see vibes_api.sftp).
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vibes_api.sftp import (
    MIN_INTERVAL_SECONDS,
    SftpError,
    SftpLocation,
    SftpSession,
    is_sftp,
)

POLL_SECONDS = 0.5


class ImportDestination:
    """Deliver an import file and read its result back."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        location = str(config.get("files_path") or "")
        if not location:
            raise SftpError("load_via 'files' needs files_path (a directory or sftp:// URL)")
        self.location = location
        self._session: SftpSession | None = None
        self._out_session: SftpSession | None = None
        if is_sftp(location):
            interval = config.get("sftp_min_interval_seconds")
            self._session = SftpSession(
                SftpLocation.parse(location),
                config.get("sftp_private_key_path"),
                known_hosts=config.get("sftp_known_hosts"),
                min_interval_seconds=MIN_INTERVAL_SECONDS if interval is None else float(interval),
            )

    def describe(self) -> str:
        return str(self._session.location) if self._session else self.location

    def deliver(self, local: Path, name: str) -> None:
        if self._session is not None:
            self._session.upload(local, name)
            return
        inbox = Path(self.location)
        inbox.mkdir(parents=True, exist_ok=True)
        partial = inbox / f".{name}.partial"
        shutil.copyfile(local, partial)
        partial.replace(inbox / name)

    def read_result(self, name: str, timeout: float) -> str | None:
        """The text of ``<name>.result`` once it appears, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        wanted = f"{name}.result"
        while True:
            text = self._fetch(wanted)
            if text is not None or time.monotonic() >= deadline:
                return text
            time.sleep(POLL_SECONDS)

    def _fetch(self, wanted: str) -> str | None:
        if self._session is None:
            path = Path(self.location).parent / "out" / wanted
            return path.read_text(encoding="utf-8") if path.is_file() else None
        outbox = posixpath.join(posixpath.dirname(self._session.location.path.rstrip("/")), "out")
        if wanted not in self._session.listdir(outbox):
            return None
        with tempfile.TemporaryDirectory(prefix="vibes-result-") as folder:
            local = Path(folder) / wanted
            self._session.download(posixpath.join(outbox, wanted), local)
            return local.read_text(encoding="utf-8")

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
