"""target-vibes: the Singer target for the Vibes Platform API (skeleton until issue #4 lands)."""

from __future__ import annotations

from singer_sdk import Target
from singer_sdk import typing as th


class TargetVibes(Target):
    """Singer target that writes records into Vibes."""

    name = "target-vibes"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, default="https://public-api.vibescm.com"),
        th.Property("company_key", th.StringType, required=True),
        th.Property("username", th.StringType, required=True),
        th.Property("password", th.StringType, required=True, secret=True),
    ).to_dict()
