"""Fault and latency settings, changeable while the emulator runs.

Pure data plus the random draw; the middleware performs the chosen fault. The draws come
from the settings' own ``random.Random``, seeded by ``fault_seed`` when one is given, so a
run with faults can be repeated: the same sequence of requests meets the same faults.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from vibes_emulator.errors import bad_request
from vibes_emulator.options import EmulatorOptions
from vibes_emulator.ratelimit import RateLimiter

SERVER_ERROR = "server_error"
DROP = "drop"
TRUNCATE = "truncate"
SLOW = "slow"
FAULT_KINDS: tuple[str, ...] = (SERVER_ERROR, DROP, TRUNCATE, SLOW)
SERVER_ERROR_STATUSES: tuple[int, ...] = (500, 502, 503, 504)


@dataclass
class FaultSettings:
    """What the emulator does to Vibes requests besides answering them."""

    rate_limit: float | None = None
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: list(FAULT_KINDS))
    slow_ms: float = 3000.0
    # Share of delivered callbacks sent a second time (Vibes delivers at least once).
    callback_duplicate_rate: float = 0.0
    fault_seed: int | None = None
    limiter: RateLimiter = field(init=False, repr=False, compare=False)
    rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.rate_limit)
        self.rng = random.Random(self.fault_seed)

    @classmethod
    def from_options(cls, options: EmulatorOptions) -> FaultSettings:
        return cls(
            rate_limit=options.rate_limit,
            latency_ms=options.latency_ms,
            latency_jitter_ms=options.latency_jitter_ms,
            fault_rate=options.fault_rate,
            fault_seed=options.fault_seed,
        )

    def restore(self, options: EmulatorOptions) -> None:
        """Back to the startup settings (in place: the app's state is frozen once started)."""
        fresh = FaultSettings.from_options(options)
        for name, value in vars(fresh).items():
            setattr(self, name, value)

    @property
    def has_latency(self) -> bool:
        return self.latency_ms > 0 or self.latency_jitter_ms > 0

    def latency_seconds(self) -> float:
        jitter = self.rng.uniform(0.0, self.latency_jitter_ms) if self.latency_jitter_ms else 0.0
        return (self.latency_ms + jitter) / 1000.0

    def draw_fault(self) -> str | None:
        """The fault to inject into this request, or None to answer normally."""
        if self.fault_rate <= 0 or self.rng.random() >= self.fault_rate:
            return None
        return self.rng.choice(self.fault_kinds)

    def server_error_status(self) -> int:
        """Which 5xx a ``server_error`` fault answers with."""
        return self.rng.choice(SERVER_ERROR_STATUSES)

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body.pop("limiter", None)
        body.pop("rng", None)
        body["effective_limits"] = self.limiter.rates
        return body

    def update(self, body: Any) -> None:
        """Apply a control-plane change; validates everything before changing anything."""
        if not isinstance(body, dict):
            raise bad_request("faults body must be a JSON object")
        unknown = sorted(set(body) - _EDITABLE)
        if unknown:
            raise bad_request(
                f"unknown fault settings: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(_EDITABLE))})"
            )
        changes: dict[str, Any] = {}
        if "rate_limit" in body:
            changes["rate_limit"] = _rate_limit(body["rate_limit"])
        for name in ("latency_ms", "latency_jitter_ms", "slow_ms"):
            if name in body:
                changes[name] = _non_negative(name, body[name])
        if "fault_rate" in body:
            rate = _non_negative("fault_rate", body["fault_rate"])
            if rate > 1:
                raise bad_request("fault_rate must be between 0 and 1")
            changes["fault_rate"] = rate
        if "callback_duplicate_rate" in body:
            duplicates = _non_negative("callback_duplicate_rate", body["callback_duplicate_rate"])
            if duplicates > 1:
                raise bad_request("callback_duplicate_rate must be between 0 and 1")
            changes["callback_duplicate_rate"] = duplicates
        if "fault_kinds" in body:
            changes["fault_kinds"] = _fault_kinds(body["fault_kinds"])
        if "fault_seed" in body:
            changes["fault_seed"] = _seed(body["fault_seed"])
        for name, value in changes.items():
            setattr(self, name, value)
        if "rate_limit" in changes:
            self.limiter = RateLimiter(self.rate_limit)
        if "fault_seed" in changes:
            # Restart the sequence: setting a seed again replays the same faults.
            self.rng = random.Random(self.fault_seed)


_EDITABLE = frozenset(
    {
        "rate_limit",
        "latency_ms",
        "latency_jitter_ms",
        "fault_rate",
        "fault_kinds",
        "slow_ms",
        "callback_duplicate_rate",
        "fault_seed",
    }
)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{name} must be a number, got {value!r}")
    return float(value)


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if number < 0:
        raise bad_request(f"{name} must not be negative")
    return number


def _rate_limit(value: Any) -> float | None:
    # null or "documented" restores Vibes' documented limits; 0 turns throttling off.
    if value is None or value == "documented":
        return None
    return _non_negative("rate_limit", value)


def _seed(value: Any) -> int | None:
    # null goes back to unseeded (fresh entropy) draws.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"fault_seed must be an integer or null, got {value!r}")
    return value


def _fault_kinds(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad_request(f"fault_kinds must be a non-empty list drawn from {list(FAULT_KINDS)}")
    bad = [kind for kind in value if kind not in FAULT_KINDS]
    if bad:
        raise bad_request(f"unknown fault kinds {bad}; known: {list(FAULT_KINDS)}")
    return list(value)
