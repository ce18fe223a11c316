"""The committed Vibes API contract: the published OpenAPI without its prose.

``data/openapi_contract.json`` is derived from Vibes' published spec by
``scripts/vibes_contract.py`` (a test fails when it is stale). The emulator validates request
bodies against it; the tests check responses against it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import orjson
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

CONTRACT_FILE = "openapi_contract.json"
CONTRACT_URI = "urn:vibes:contract"


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


def to_json_schema(node: Any) -> Any:
    """OAS 3.0 schema -> JSON Schema draft 4: ``nullable: true`` becomes ``type: [T, "null"]``
    (and ``null`` joins an ``enum``)."""
    if isinstance(node, dict):
        converted = {k: to_json_schema(v) for k, v in node.items()}
        if converted.pop("nullable", False):
            if isinstance(converted.get("type"), str):
                converted["type"] = [converted["type"], "null"]
            if isinstance(converted.get("enum"), list):
                converted["enum"] = [*converted["enum"], None]
        return converted
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    return node


def json_schema_registry(
    spec: dict[str, Any],
) -> tuple[Registry[Any], Callable[[dict[str, Any]], dict[str, Any]]]:
    """A registry holding ``spec`` (already JSON Schema, see :func:`to_json_schema`), and a
    function that points a schema's local ``#/...`` refs at it, so nested refs resolve."""
    resource = Resource.from_contents(spec, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(CONTRACT_URI, resource)

    def anchor(schema: dict[str, Any]) -> dict[str, Any]:
        text = orjson.dumps(schema).decode().replace('"#/', f'"{CONTRACT_URI}#/')
        anchored: dict[str, Any] = orjson.loads(text)
        return anchored

    return registry, anchor
