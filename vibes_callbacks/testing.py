"""``ReceiverProcess``: ``vibes-callbacks serve --port 0`` in a subprocess, for tests, the demo
and benchmarks (the done-when tests kill it with SIGKILL mid-delivery)."""

from __future__ import annotations

import sys
from pathlib import Path

from vibes_emulator.url_line_process import URL_PATTERN, UrlLineProcess

__all__ = ["URL_PATTERN", "ReceiverProcess"]


class ReceiverProcess(UrlLineProcess):
    """A receiver subprocess journaling to ``journal``; ``url`` is where callbacks go."""

    name = "vibes-callbacks"

    def __init__(
        self,
        journal: str | Path,
        *cli_args: str,
        secret: str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        super().__init__(startup_timeout)
        self.journal = Path(journal)
        self.cli_args = list(cli_args)
        self.secret = secret

    @property
    def url(self) -> str:
        """The callback URL to register (includes the secret when there is one)."""
        path = "/callbacks" if self.secret is None else f"/callbacks/{self.secret}"
        return self.base_url + path

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "vibes_callbacks", "serve", "--port", "0"]
        return [*command, "--journal", str(self.journal), *self.cli_args]

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.secret is not None:
            env["VIBES_CALLBACKS_SECRET"] = self.secret  # not on the command line (ps)
        return env
