"""The committed contract is the published OpenAPI's machine-readable part.

Tests read only what the repository holds; whether the committed contract is current with
the published spec is checked by ``make check-contract``, not by a test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vibes_emulator.contract import load_contract, path_shape
from vibes_emulator.routes import ROUTES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import vibes_contract  # noqa: E402


def test_derivation_keeps_constraints_and_drops_prose() -> None:
    published = {
        "openapi": "3.0.0",
        "info": {"title": "T", "version": "1", "description": "long prose"},
        "paths": {
            "/x/{id}": {
                "put": {
                    "summary": "Update",
                    "tags": ["X"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "description": "d"}
                    ],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/c/s/Req"}}}
                    },
                    "responses": {"409": {"description": "MDN changed"}},
                }
            }
        },
        "components": {
            "schemas": {
                "Req": {
                    "type": "object",
                    "title": "Request",
                    "example": {"description": "x"},
                    "required": ["description"],
                    "properties": {
                        "description": {"type": "string", "description": "prose", "maxLength": 9}
                    },
                }
            }
        },
    }
    contract = vibes_contract.derive(published)
    operation = contract["paths"]["/x/{id}"]["put"]
    assert operation["parameters"] == [{"name": "id", "in": "path", "required": True}]
    assert operation["responses"] == {"409": {"description": ""}}
    assert contract["components"]["schemas"]["Req"] == {
        "type": "object",
        "required": ["description"],
        "properties": {"description": {"type": "string", "maxLength": 9}},
    }
    assert "description" not in json.dumps(contract["info"])


def test_the_contract_covers_every_route_the_emulator_serves() -> None:
    contract = load_contract()
    published = {
        (method.upper(), path_shape(path))
        for path, item in contract["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = {(method, path_shape(path)) for method, path, _ in ROUTES}
    assert served <= published, sorted(served - published)
    assert len(published) == 75  # FACTS §0: 48 paths, 75 operations
