"""Connection settings of one Vibes client: host, company, credentials and limits."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vibes_api.addresses import parse_ip
from vibes_api.errors import VibesConfigError

US_API_URL = "https://public-api.vibescm.com"
EU_API_URL = "https://public-api.eu.vibes.com"
REGION_API_URLS = {"us": US_API_URL, "eu": EU_API_URL}

# Keys of a tap/target config that VibesSettings reads; anything else is ignored.
_FLOAT_KEYS = (
    "requests_per_second",
    "events_per_second",
    "google_wallet_per_second",
    "timeout_seconds",
    "backoff_base_seconds",
    "backoff_cap_seconds",
)
_INT_KEYS = ("max_concurrency", "max_retries")


@dataclass(frozen=True, kw_only=True)
class VibesSettings:
    """Everything a VibesClient needs; build it with ``from_config`` from a tap/target config.

    ``password`` never appears in ``repr``. Limits default to what leaves room for other
    clients of the same Vibes account (90 of the documented 100 requests/s per company).
    """

    company_key: str
    username: str
    password: str = field(repr=False)
    api_url: str = US_API_URL
    requests_per_second: float = 90.0
    events_per_second: float = 300.0
    google_wallet_per_second: float = 20.0
    max_concurrency: int = 32
    max_retries: int = 8
    timeout_seconds: float = 30.0
    ca_bundle: str | None = None
    backoff_base_seconds: float = 0.25
    backoff_cap_seconds: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", normalize_api_url(self.api_url))
        for name in ("company_key", "username", "password"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise VibesConfigError(f"setting {name!r} is required and must be a non-empty text")
        if ":" in self.username:
            raise VibesConfigError("setting 'username' must not contain ':' (HTTP Basic auth)")
        for name in (*_FLOAT_KEYS, *_INT_KEYS):
            if getattr(self, name) <= 0 and name != "max_retries":
                raise VibesConfigError(f"setting {name!r} must be greater than 0")
        if self.max_retries < 0:
            raise VibesConfigError("setting 'max_retries' must be 0 or more")
        if self.backoff_cap_seconds < self.backoff_base_seconds:
            raise VibesConfigError("setting 'backoff_cap_seconds' must be >= backoff_base_seconds")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise VibesConfigError(f"setting 'ca_bundle' names no readable file: {self.ca_bundle}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VibesSettings:
        """Read the client's keys from a tap/target config, ignoring every other key.

        ``api_url`` wins over ``region`` ("us" or "eu") when both are given; without either
        the host is the US one. An ``api_url`` that is present but empty (an unset variable
        expanded by an orchestrator) is an error, never a reason to pick the US host.
        """
        values: dict[str, Any] = {}
        for name in ("company_key", "username", "password"):
            if config.get(name) is None:
                raise VibesConfigError(f"setting {name!r} is required")
            values[name] = str(config[name])
        api_url = config.get("api_url")
        region = config.get("region")
        if api_url is not None:
            values["api_url"] = str(api_url)
        elif region:
            key = str(region).strip().lower()
            if key not in REGION_API_URLS:
                raise VibesConfigError(
                    f"setting 'region' must be one of {sorted(REGION_API_URLS)}, got {region!r}"
                )
            values["api_url"] = REGION_API_URLS[key]
        for name in _FLOAT_KEYS:
            if config.get(name) is not None:
                values[name] = _number(name, config[name], float)
        for name in _INT_KEYS:
            if config.get(name) is not None:
                values[name] = _number(name, config[name], int)
        if config.get("ca_bundle"):
            values["ca_bundle"] = str(config["ca_bundle"])
        return cls(**values)

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context that also trusts ``ca_bundle``; None means aiohttp's default.

        aiohttp's default verifies certificates; there is deliberately no setting that
        turns verification off.
        """
        if self.ca_bundle is None:
            return None
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=self.ca_bundle)
        return context


def normalize_api_url(api_url: str) -> str:
    """Check an API base URL and drop its trailing slash (EU's published URL has one).

    Plain ``http://`` is refused unless the host is this machine (the emulator, a local
    proxy): the Basic auth header would cross the network in clear text.
    """
    if not isinstance(api_url, str) or not api_url.strip().strip("/"):
        # "/" too: what ``${UNSET_VARIABLE}/`` expands to (meltano.yml's dev environment).
        raise VibesConfigError(
            "setting 'api_url' is empty (an unset environment variable?); set it to the Vibes "
            f"host, e.g. {US_API_URL}, or leave it out to use the US host"
        )
    url = api_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VibesConfigError(
            f"setting 'api_url' must be an http(s) URL such as {US_API_URL}, "
            f"got one with scheme {parts.scheme!r}"
        )
    if parts.username is not None or parts.password is not None:
        # Said without echoing the URL, which holds a secret.
        raise VibesConfigError(
            "setting 'api_url' must not contain credentials; use 'username' and 'password'"
        )
    if parts.query or parts.fragment:
        raise VibesConfigError("setting 'api_url' must not have a query or fragment")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise VibesConfigError(
            "setting 'api_url' must use https: plain http would send the credentials "
            "unencrypted (http:// is accepted only for 127.0.0.1, ::1 and localhost)"
        )
    return url


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine by its very spelling: localhost, 127.0.0.0/8 or ::1.

    Names are not resolved: a name that resolves to 127.0.0.1 today may not tomorrow.
    """
    if host.lower().rstrip(".") == "localhost":
        return True
    address = parse_ip(host)
    return address is not None and address.is_loopback


def _number(name: str, value: Any, kind: type[float] | type[int]) -> Any:
    if isinstance(value, bool):
        raise VibesConfigError(f"setting {name!r} must be a number, got {value!r}")
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise VibesConfigError(f"setting {name!r} must be a number, got {value!r}") from None
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise VibesConfigError(f"setting {name!r} must be a whole number, got {value!r}")
    return number
