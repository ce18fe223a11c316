"""tap-vibes: the Singer tap for the Vibes Platform API (skeleton until issue #3 lands)."""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th


class TapVibes(Tap):
    """Singer tap for the Vibes Mobile Engagement Platform."""

    name = "tap-vibes"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, default="https://public-api.vibescm.com"),
        th.Property("company_key", th.StringType, required=True),
        th.Property("username", th.StringType, required=True),
        th.Property("password", th.StringType, required=True, secret=True),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return []
