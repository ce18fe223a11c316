"""A server subprocess that announces where it listens by printing a URL line.

Shared by :class:`vibes_emulator.testing.EmulatorProcess` and
:class:`vibes_callbacks.testing.ReceiverProcess`; stdlib only, so importing it pulls in
neither the emulator app nor anything else.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
from types import TracebackType
from typing import Self

URL_PATTERN = re.compile(r"(http://\S+?:\d+)")


class StartStop:
    """A ``with`` block starts the server and stops it on the way out."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> object:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class UrlLineProcess(StartStop):
    """Runs :meth:`command`, waits for the first stdout line holding a URL (``base_url``),
    and stops with SIGTERM (SIGKILL only if it hangs); stderr is kept in ``stderr_text``."""

    name = "server"  # says which command failed to start

    def __init__(self, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.process: subprocess.Popen[str] | None = None
        self.returncode: int | None = None
        self.stderr_text = ""

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start(self) -> Self:
        # stderr goes to a file, not a pipe nobody drains, so a chatty server never blocks.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in _reap()
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=self.environment(),
        )
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self._url_line()), daemon=True)
        reader.start()
        try:
            reader.join(self.startup_timeout)
        except BaseException:  # e.g. a signal handler's exception: never orphan the server
            self.stop()
            raise
        match = URL_PATTERN.search(found[0]) if found else None
        if match is None:
            self.stop()
            stderr = self.stderr_text[-2000:]
            raise RuntimeError(f"{self.name} did not print its URL; stderr:\n{stderr}")
        self.base_url = match.group(1)
        return self

    def _url_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if URL_PATTERN.search(line):
                return line
        return ""

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, wait, and return the exit code (0 for a clean stop)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self._reap()

    def kill(self) -> int | None:
        """SIGKILL: no cleanup at all, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self._reap()

    def _reap(self) -> int | None:
        process = self.process
        if process is None:
            return self.returncode
        if process.stdout is not None:
            process.stdout.close()
        self._stderr.seek(0)
        self.stderr_text = self._stderr.read()
        self._stderr.close()
        self.returncode = process.returncode
        self.process = None
        return self.returncode
