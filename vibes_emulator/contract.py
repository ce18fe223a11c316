"""The committed Vibes API contract: the published OpenAPI without its prose.

``data/openapi_contract.json`` is derived from Vibes' published spec by
``scripts/vibes_contract.py`` (a test fails when it is stale). The emulator validates request
bodies against it; the tests check responses against it.
"""

from __future__ import annotations

import copy
import functools
import re
from importlib import resources
from typing import Any

import orjson

CONTRACT_FILE = "openapi_contract.json"


@functools.cache
def _contract() -> dict[str, Any]:
    raw = resources.files("vibes_emulator").joinpath("data", CONTRACT_FILE).read_bytes()
    contract: dict[str, Any] = orjson.loads(raw)
    return contract


def load_contract() -> dict[str, Any]:
    """A fresh copy of the contract (callers may patch it)."""
    return copy.deepcopy(_contract())


def path_shape(path: str) -> str:
    """A path with parameter names and the trailing slash dropped: how routes are matched to
    the contract, since Vibes spells both inconsistently (FACTS §1.9)."""
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/")
