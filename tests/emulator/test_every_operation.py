"""The emulator serves every operation of the published API (issue 15): the committed
contract's 75 operations, each a route in vibes_emulator/routes.py."""

from __future__ import annotations

import json
import re
from importlib import resources

from vibes_emulator.routes import ROUTES

METHODS = ("get", "post", "put", "delete", "patch")


def shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/")


def published() -> set[tuple[str, str]]:
    text = resources.files("vibes_emulator").joinpath("data/openapi_contract.json").read_text()
    paths = json.loads(text)["paths"]
    return {
        (method.upper(), shape(path))
        for path, operations in paths.items()
        for method in operations
        if method in METHODS
    }


def test_every_published_operation_is_served() -> None:
    operations = published()
    assert len(operations) == 75
    served = {(method, shape(path)) for method, path, _ in ROUTES}
    assert sorted(operations - served) == []
