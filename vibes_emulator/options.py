"""Settings of one emulator instance (shared by the CLI, the app factory and tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Seconds in-flight requests (a "slow" fault, say) get to finish when the emulator stops.
SHUTDOWN_TIMEOUT = 2.0


@dataclass(frozen=True)
class CompanyCredentials:
    """A company the emulator serves, with the Basic-auth credentials that reach it."""

    company_key: str
    username: str
    password: str = field(repr=False)


@dataclass
class EmulatorOptions:
    """How to run the emulator.

    ``rate_limit`` None means the documented limits (100/s general, 300/s events,
    20/s Google Wallet item updates). A number replaces the general limit and scales the
    other two in proportion (events 3x, Google Wallet 0.2x), so a test can throttle all
    three buckets at once with a single knob.
    """

    host: str = "127.0.0.1"
    port: int = 0
    db_path: str | None = None
    seed_persons: int | None = None
    seed_value: int = 1
    company: str = "demo"
    username: str = "demo"
    password: str = field(default="demo", repr=False)
    extra_companies: list[CompanyCredentials] = field(default_factory=list)
    rate_limit: float | None = None
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    fault_rate: float = 0.0
    fault_seed: int | None = None
    access_log: bool = False
    # Batch files (vibes_emulator.files): extracts in <dir>/files/out, imports in <dir>/files/in.
    extracts_dir: str | None = None
    # With extracts_dir: serve it over SFTP on this port (0 picks one; see GET /_emulator/sftp),
    # public-key login with the keys of this OpenSSH authorized_keys file (or added later).
    sftp_port: int | None = None
    sftp_authorized_keys: str | None = None

    def companies(self) -> list[CompanyCredentials]:
        """Every company to create: the default one first, then the extras."""
        main = CompanyCredentials(self.company, self.username, self.password)
        return [main, *self.extra_companies]
