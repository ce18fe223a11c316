"""The Vibes API contract as a response validator, with FACTS-backed relaxations.

Used by test_contract.py and test_schemathesis.py. The contract is the repository's own copy
of the published OpenAPI (``vibes_emulator/data/openapi_contract.json``, derived by
``scripts/vibes_contract.py``; test_contract_file.py fails when it is stale), so a fresh
clone needs nothing beside it. Where FACTS.md section 8 (or Vibes' own examples) show the
published spec is wrong, the schema is relaxed at an explicit location (``RELAXED``,
``NULLABLE``), each with its reason, rather than any route being skipped.
"""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import orjson
from jsonschema import Draft4Validator

from vibes_emulator.contract import json_schema_registry, load_contract, to_json_schema
from vibes_emulator.testing import RunningEmulator

C = "/companies/{company_key}"

# Schema locations (JSON pointers into the spec) relaxed to "anything", with the reason.
RELAXED: dict[str, str] = {
    # FACTS §8 contradiction 10: custom field values are strings in OAS, but real payloads
    # carry objects (single-select), arrays (multi-select), nulls and datetimes.
    "/components/schemas/personResponse/properties/custom_fields/additionalProperties": "§8.10",
    # FACTS §2.8: filters with selector "any" (and the older "between") carry an array value;
    # a message echoes the filters it was sent with, but the response schema says string.
    "/components/schemas/walletMessageResponse/properties/filters/items/properties/value": "§2.8",
    # FACTS §1.8: url fields are relative paths (strings); the issuance schema types the
    # pool's url as an integer.
    "/components/schemas/incentiveCodeIssuanceResponse/properties/incentive_pool/properties/url": (
        "§1.8"
    ),
}

# Properties that may be null although OAS 3.0 marks nothing nullable. Vibes' own response
# examples answer unset values with null (FACTS §2.5: "created_by_application":null,
# "source_short_code":null; §3.4: "unregistered_at":null; §2.1: gender "id":null), and a
# field cleared with null stays null (FACTS §1.7, §2.7). Each entry is a field the emulator
# can leave unset.
_S = "/components/schemas"
NULLABLE: dict[str, str] = {
    f"{_S}/personResponse/properties/external_person_id": "person created by MDN only",
    f"{_S}/personResponse/properties/mobile_phone/properties/mdn": "MDN cleared with null",
    f"{_S}/personResponse/properties/mobile_phone/properties/carrier_code": "carrier unknown",
    f"{_S}/subscriptionResponse/properties/opt_out_date": "subscription still active",
    f"{_S}/subscriptionResponse/properties/opt_out_reason": "subscription still active",
    f"{_S}/acquisitionResponse/properties/end_date": "open-ended campaign",
    f"{_S}/broadcastResponse/properties/created_by_application": "§2.5 example: null",
    # §8.1: an object in the request, a string or null in the response.
    f"{_S}/broadcastResponse/properties/targeting/properties/source_short_code": "§8.1",
    f"{_S}/broadcastResponse/properties/targeting/properties/short_url_base": "not shortened",
    f"{_S}/callbackResponse/properties/start_date": "registration without a window",
    f"{_S}/callbackResponse/properties/end_date": "registration without a window",
    f"{_S}/walletItemResponse/properties/group_code": "no group, or cleared (§2.7)",
    f"{_S}/walletItemResponse/properties/passbook": "no notification set, or cleared",
    f"{_S}/walletItemResponse/properties/google_wallet": "no message set, or cleared",
    f"{_S}/eventTriggeredResponse/properties/end_date": "open-ended campaign",
    f"{_S}/eventTriggeredResponse/properties/targeting/properties/short_url_base": "not shortened",
}
# Responses whose published schema is replaced, with the reason. A person's push devices
# are a list (the path says push_devices, and the spec defines pushDevicesResponse, an array
# of pushDeviceResponse) although the route names the one-device schema (FACTS §2.12).
_PERSON_DEVICES = "#/components/schemas/pushDevicesResponse"
REPLACED_RESPONSES: dict[tuple[str, str, str], str] = {
    (f"{C}/mobiledb/persons/{{person_key}}/push_devices", "get", "200"): _PERSON_DEVICES,
    (
        f"{C}/mobiledb/persons/external/{{external_person_id}}/push_devices",
        "get",
        "200",
    ): _PERSON_DEVICES,
}
# FACTS §8 contradiction 2 (callbacks answer created_at/updated_at where OAS says
# created_date/updated_date) and contradiction 1 (broadcast delivery/url/timestamps at top
# level, not inside targeting) need no entry: OAS requires none of those properties, and
# additional properties are allowed, so both forms validate.


def _parent(spec: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    *parents, last = pointer.strip("/").split("/")
    node = spec
    for part in parents:
        node = node[part]
    assert last in node, f"{pointer} is not in the published spec"
    return node, last


def relax(spec: dict[str, Any]) -> dict[str, Any]:
    relaxed = copy.deepcopy(spec)
    for pointer in RELAXED:
        node, last = _parent(relaxed, pointer)
        node[last] = {}
    for pointer in NULLABLE:
        node, last = _parent(relaxed, pointer)
        node[last] = {**node[last], "nullable": True}
    for (path, method, code), ref in REPLACED_RESPONSES.items():
        content = relaxed["paths"][path][method]["responses"][code]["content"]
        content["application/json"]["schema"] = {"$ref": ref}
    return relaxed


class Contract:
    def __init__(self) -> None:
        self.spec = to_json_schema(relax(load_contract()))
        self.registry, self._anchored = json_schema_registry(self.spec)
        self.checked: set[tuple[str, str]] = set()

    def schema_for(self, method: str, spec_path: str, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"][spec_path][method.lower()]
        responses = operation["responses"]
        # 201/202 answers carry the same body as 200 in Vibes' docs, but the spec often hangs
        # the schema on 200 only.
        for code in (str(status), "200") if status in (201, 202) else (str(status),):
            content = responses.get(code, {}).get("content", {}).get("application/json")
            if content and "schema" in content:
                return self._anchored(content["schema"])
        return None

    def errors(self, method: str, spec_path: str, status: int, body: Any) -> list[str]:
        self.checked.add((method, spec_path))
        schema = self.schema_for(method, spec_path, status)
        if schema is None:
            return [f"{method} {spec_path}: the spec declares no JSON body for {status}"]
        validator = Draft4Validator(schema, registry=self.registry)
        return [
            f"{method} {spec_path} [{status}] at /{'/'.join(map(str, e.absolute_path))}: "
            f"{e.message[:200]}"
            for e in validator.iter_errors(body)
        ]


class Caller:
    def __init__(self, session: aiohttp.ClientSession, emulator: RunningEmulator) -> None:
        self.session = session
        self.root = emulator.url
        self.base = f"{emulator.url}/companies/{emulator.company_key}"
        self.headers = {
            "Authorization": aiohttp.encode_basic_auth(emulator.username, emulator.password),
            "X-API-Version": "2",
        }
        self.problems: list[str] = []

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        base = self.root if path.startswith("/mobile_apps/") else self.base
        async with self.session.request(
            method, base + path, json=body, headers=self.headers
        ) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None

    async def check(
        self,
        contract: Contract,
        method: str,
        spec_path: str,
        path: str,
        body: Any = None,
        expect: int = 200,
    ) -> Any:
        status, answer = await self.call(method, path, body)
        if status != expect:
            self.problems.append(f"{method} {path}: status {status}, expected {expect}: {answer}")
            return answer
        self.problems += contract.errors(method, spec_path, status, answer)
        return answer
