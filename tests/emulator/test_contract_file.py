"""The committed contract is the published OpenAPI's machine-readable part, and is current.

The staleness check needs ``../shared/vibes/openapi.json`` beside the checkout; a fresh clone
has none, so that one test is skipped there (every other test reads only the committed file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vibes_emulator.contract import load_contract, path_shape
from vibes_emulator.routes import ROUTES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import vibes_contract  # noqa: E402


@pytest.mark.skipif(
    not vibes_contract.PUBLISHED.is_file(),
    reason="no ../shared/vibes/openapi.json beside the checkout (a fresh clone)",
)
def test_the_committed_contract_is_current_with_the_published_spec() -> None:
    committed = vibes_contract.CONTRACT.read_text(encoding="utf-8")
    assert vibes_contract.render() == committed, (
        "vibes_emulator/data/openapi_contract.json is stale: run "
        ".venv/bin/python scripts/vibes_contract.py"
    )


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
