"""``ReceiverProcess``: ``vibes-callbacks serve --port 0`` in a subprocess, for tests, the demo
and benchmarks (the done-when tests kill it with SIGKILL mid-delivery)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType

URL_PATTERN = re.compile(r"(http://\S+?:\d+)")


class ReceiverProcess:
    """A receiver subprocess journaling to ``journal``; ``url`` is where callbacks go."""

    def __init__(
        self,
        journal: str | Path,
        *cli_args: str,
        secret: str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.journal = Path(journal)
        self.cli_args = list(cli_args)
        self.secret = secret
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.process: subprocess.Popen[str] | None = None
        self.returncode: int | None = None
        self.stderr_text = ""

    @property
    def url(self) -> str:
        """The callback URL to register (includes the secret when there is one)."""
        path = "/callbacks" if self.secret is None else f"/callbacks/{self.secret}"
        return self.base_url + path

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "vibes_callbacks", "serve", "--port", "0"]
        return [*command, "--journal", str(self.journal), *self.cli_args]

    def start(self) -> ReceiverProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.secret is not None:
            env["VIBES_CALLBACKS_SECRET"] = self.secret  # not on the command line (ps)
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in _reap()
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env
        )
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self._url_line()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        match = URL_PATTERN.search(found[0]) if found else None
        if match is None:
            self.stop()
            raise RuntimeError(
                f"vibes-callbacks did not start; stderr:\n{self.stderr_text[-2000:]}"
            )
        self.base_url = match.group(1)
        return self

    def _url_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if URL_PATTERN.search(line):
                return line
        return ""

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; the exit code (0 for a clean stop)."""
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

    def __enter__(self) -> ReceiverProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
