"""The connection settings tap-vibes and target-vibes share, declared once.

Both plugins hand their config to ``VibesSettings.from_config``; these are the settings it
reads, with the descriptions users see in ``--about``, ``meltano config`` and the README.
"""

from __future__ import annotations

from singer_sdk import typing as th

from vibes_api.settings import EU_API_URL, US_API_URL


def connection_properties() -> list[th.Property]:
    """Host, company, credentials, limits and TLS: what one Vibes client needs."""
    return [
        # No schema default: the SDK would fill it in before `region` is looked at, and an
        # absent api_url (US host, or the region's) must stay distinct from an empty one.
        th.Property(
            "api_url",
            th.StringType,
            description=(
                f"Base URL of the Vibes Platform API, https (plain http only for a loopback "
                f"host such as a local emulator). Without it (and without `region`) the US "
                f"host {US_API_URL}; the EU host is {EU_API_URL}. Wins over `region` when "
                f"both are set. An empty value is an error, never the US host."
            ),
        ),
        th.Property(
            "region",
            th.StringType,
            allowed_values=["us", "eu"],
            description="Vibes region whose host to use when `api_url` is not set: us or eu.",
        ),
        th.Property(
            "company_key",
            th.StringType,
            required=True,
            description="Your Vibes company key (the `{company_key}` in every API path).",
        ),
        th.Property(
            "username",
            th.StringType,
            required=True,
            description="Vibes API username (credentials differ between the US and EU hosts).",
        ),
        th.Property(
            "password",
            th.StringType,
            required=True,
            secret=True,
            description="Vibes API password (HTTP Basic auth); never logged.",
        ),
        th.Property(
            "requests_per_second",
            th.NumberType,
            default=90,
            description=(
                "Client-side rate limit for this company's non-event calls. Vibes allows 100 "
                "requests/s per company; the default leaves room for other clients of the "
                "account."
            ),
        ),
        th.Property(
            "max_concurrency",
            th.IntegerType,
            default=32,
            description="Most requests in flight at once.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=8,
            description=(
                "Retries per request (exponential backoff with jitter) after 429, 5xx, dropped "
                "connections and timeouts; a 4xx that means 'no' is never retried, and a "
                "create that could duplicate is not retried after an ambiguous failure."
            ),
        ),
        th.Property(
            "timeout_seconds",
            th.NumberType,
            default=30,
            description="Time limit of one request attempt, in seconds.",
        ),
        th.Property(
            "ca_bundle",
            th.StringType,
            description=(
                "Path of a PEM file of extra CA certificates to trust, for private CAs. TLS "
                "certificates are always verified; no setting turns that off."
            ),
        ),
    ]
