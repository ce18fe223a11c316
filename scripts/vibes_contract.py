"""Derive the repository's Vibes API contract from the published OpenAPI.

The published spec (``../shared/vibes/openapi.json``, beside the checkout) is not part of
the repository, so a fresh clone cannot read it. This script keeps what the emulator and the
tests rely on (paths, methods, parameters, request bodies, status codes, schemas, security)
and drops the prose (descriptions, summaries, titles, examples, tags), writing
``vibes_emulator/data/openapi_contract.json``. The emulator validates request bodies against
it and the tests read only it; ``make check-contract`` says when it is stale.

    .venv/bin/python scripts/vibes_contract.py          # rewrite the committed contract
    .venv/bin/python scripts/vibes_contract.py --check  # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT.parent / "shared" / "vibes" / "openapi.json"
CONTRACT = ROOT / "vibes_emulator" / "data" / "openapi_contract.json"

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Keywords that only explain; everything else in a schema constrains and is kept.
PROSE = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SCHEMA_ONE = ("items", "additionalProperties", "not")
PARAMETER_KEYS = ("name", "in", "required", "deprecated", "allowEmptyValue", "style", "explode")


def schema(node: Any) -> Any:
    """A JSON schema without its prose (property *names* such as "description" are kept)."""
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if key in PROSE or key.startswith("x-"):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            kept[key] = {name: schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            kept[key] = [schema(sub) for sub in value]
        elif key in SCHEMA_ONE:
            kept[key] = schema(value)
        else:
            kept[key] = value
    return kept


def content(node: dict[str, Any]) -> dict[str, Any]:
    return {
        media_type: {"schema": schema(body["schema"])} if "schema" in body else {}
        for media_type, body in node.items()
    }


def parameter(node: dict[str, Any]) -> dict[str, Any]:
    kept = {key: node[key] for key in PARAMETER_KEYS if key in node}
    if "schema" in node:
        kept["schema"] = schema(node["schema"])
    if "content" in node:
        kept["content"] = content(node["content"])
    return kept


def response(node: dict[str, Any]) -> dict[str, Any]:
    # OpenAPI requires a description on every response; an empty one carries no prose.
    kept: dict[str, Any] = {"description": ""}
    if "headers" in node:
        kept["headers"] = {
            name: {k: v for k, v in parameter(header).items() if k not in ("name", "in")}
            for name, header in node["headers"].items()
        }
    if "content" in node:
        kept["content"] = content(node["content"])
    return kept


def operation(node: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if "parameters" in node:
        kept["parameters"] = [parameter(p) for p in node["parameters"]]
    if "requestBody" in node:
        body = node["requestBody"]
        kept["requestBody"] = {
            **({"required": body["required"]} if "required" in body else {}),
            "content": content(body.get("content", {})),
        }
    kept["responses"] = {code: response(r) for code, r in node["responses"].items()}
    if "security" in node:
        kept["security"] = node["security"]
    return kept


def derive(published: dict[str, Any]) -> dict[str, Any]:
    """The contract: the published spec's machine-readable parts, in its own order."""
    paths: dict[str, Any] = {}
    for path, item in published["paths"].items():
        kept: dict[str, Any] = {}
        if "parameters" in item:
            kept["parameters"] = [parameter(p) for p in item["parameters"]]
        for method in METHODS:
            if method in item:
                kept[method] = operation(item[method])
        paths[path] = kept
    components = published.get("components", {})
    return {
        "openapi": published["openapi"],
        "info": {"title": published["info"]["title"], "version": published["info"]["version"]},
        "security": published.get("security", []),
        "paths": paths,
        "components": {
            "securitySchemes": components.get("securitySchemes", {}),
            "schemas": {name: schema(s) for name, s in components.get("schemas", {}).items()},
        },
    }


def render(published_path: Path = PUBLISHED) -> str:
    published = json.loads(published_path.read_text(encoding="utf-8"))
    return json.dumps(derive(published), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the contract is stale")
    args = parser.parse_args(argv)
    if not PUBLISHED.is_file():
        print(f"{PUBLISHED} not found: nothing to derive the contract from", file=sys.stderr)
        return 2
    fresh = render()
    current = CONTRACT.read_text(encoding="utf-8") if CONTRACT.is_file() else ""
    if args.check:
        if fresh != current:
            print(f"{CONTRACT.relative_to(ROOT)} is stale: run {Path(__file__).name}")
            return 1
        return 0
    CONTRACT.parent.mkdir(parents=True, exist_ok=True)
    CONTRACT.write_text(fresh, encoding="utf-8")
    print(f"wrote {CONTRACT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
