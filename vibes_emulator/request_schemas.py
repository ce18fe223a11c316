"""The request schemas the emulator holds bodies to: the published ones, with Vibes' documented
deviations applied at explicit locations.

Each entry of ``DEVIATIONS`` is behaviour FACTS.md records for the real service where the
published schema says otherwise (a contradiction, where both forms are accepted; a limit the
spec only states in prose; null clearing a field). Nothing else is changed, so a body the
published schema refuses is refused unless a FACTS section says Vibes takes it. The same
effective contract drives the emulator's validation (``request_validation``) and the
Schemathesis test, so the two can never disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vibes_emulator.contract import load_contract

S = "/components/schemas"
TEST_CALLBACK_BODY = (
    "/paths/~1companies~1{company_key}~1config~1callback_events~1test"
    "/post/requestBody/content/application~1json/schema"
)
CALLBACK_KINDS = ("Ack", "Event", "Person", "Push", "Sub", "SubList", "Unmatched", "Wallet")
TEST_CALLBACK_KINDS = ("Ack", "Event", "Person", "Push", "Sub", "SubList", "Wallet")
STRINGS = {"type": "array", "items": {"type": "string"}}

Patch = Callable[[Any], Any]


@dataclass(frozen=True)
class Deviation:
    """The schema at ``pointer`` (a JSON pointer into the contract) becomes ``patch(schema)``."""

    pointer: str
    patch: Patch
    source: str  # the FACTS.md section that records the behaviour


def anything(_: Any) -> Any:
    return {}


def max_length(limit: int) -> Patch:
    return lambda schema: {**schema, "maxLength": limit}


def also(*values: str) -> Patch:
    return lambda schema: {**schema, "enum": [*schema["enum"], *values]}


def with_property(name: str, schema: dict[str, Any]) -> Patch:
    return lambda properties: {**properties, name: schema}


def with_branches(*branches: dict[str, Any]) -> Patch:
    return lambda schema: {**schema, "oneOf": [*schema["oneOf"], *branches]}


def event_type_alias(schema: dict[str, Any]) -> dict[str, Any]:
    """``event_type`` may stand in for ``callback_type`` (or both be sent, agreeing)."""
    properties = {**schema["properties"], "event_type": schema["properties"]["callback_type"]}
    required = [name for name in schema["required"] if name != "callback_type"]
    either = [{"required": ["callback_type"]}, {"required": ["event_type"]}]
    return {**schema, "properties": properties, "required": required, "anyOf": either}


def null_clears(schema: Any) -> Any:
    """Every optional property of the object (and of objects nested in it, not in arrays)
    may be null: a null clears the field, an absent one is left alone."""
    if not isinstance(schema, dict):
        return schema
    patched = dict(schema)
    required = set(schema.get("required", ()))
    if isinstance(schema.get("properties"), dict):
        patched["properties"] = {
            name: null_clears(sub) if name in required else {**null_clears(sub), "nullable": True}
            for name, sub in schema["properties"].items()
        }
    if isinstance(schema.get("additionalProperties"), dict):
        patched["additionalProperties"] = {**schema["additionalProperties"], "nullable": True}
    return patched


# Wallet message filters in the older documentation's forms, besides the published four.
OLD_WALLET_FILTERS = (
    {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string", "enum": ["providers"]}, "value": STRINGS},
    },
    {
        "type": "object",
        "required": ["name", "selector", "value"],
        "properties": {
            "name": {
                "type": "string",
                "enum": ["group_code", "provider", "expiration_date", "first_class_field"],
            },
            "selector": {"type": "string", "enum": ["between"]},
            "value": {**STRINGS, "minItems": 2, "maxItems": 2},
        },
    },
)

# Test events for unmatched texts name their source code like a registration does (§3.1);
# the spec's oneOf has no branch for them.
UNMATCHED_TEST = event_type_alias(
    {
        "type": "object",
        "properties": {
            "callback_type": {"type": "string", "enum": ["unmatched_message_received"]},
            "unmatched_message_received": {
                "type": "object",
                "properties": {
                    "source_code": {"type": "string"},
                    "country_code": {"type": "string"},
                },
            },
        },
        "required": ["callback_type"],
    }
)

DEVIATIONS: list[Deviation] = [
    # Custom field values are not only strings: single-selects take an option (object, key or
    # name), multi-selects an array, dates an ISO date, null clears. The store checks each
    # value against its field's definition (unknown field or wrong kind: 422).
    Deviation(
        f"{S}/personRequest/properties/custom_fields/additionalProperties", anything, "§8.10"
    ),
    Deviation(
        f"{S}/addParticipantRequest/properties/custom_fields/additionalProperties",
        anything,
        "§8.10",
    ),
    # event_data holds any JSON beside its recipient identifier (the spec says strings only).
    Deviation(f"{S}/eventRequest/properties/event_data/additionalProperties", anything, "§2.11"),
    # Null clears a field, omitting it leaves it alone, on the partial writes Vibes documents.
    Deviation(f"{S}/personRequest", null_clears, "§1.7"),
    Deviation(f"{S}/addParticipantRequest", null_clears, "§1.7"),
    Deviation(f"{S}/walletItemRequest", null_clears, "§1.7, §2.7"),
    # Lengths the spec states only in prose (or not at all).
    Deviation(
        f"{S}/walletLocationsBulkRequest/properties/locations",
        lambda schema: {**schema, "maxItems": 1000},
        "§2.9",
    ),
    Deviation(f"{S}/personRequest/properties/external_person_id", max_length(128), "§2.1"),
    Deviation(f"{S}/addParticipantRequest/properties/external_person_id", max_length(128), "§2.1"),
    *(
        Deviation(
            f"{S}/callbackRequest-{kind}/properties/destination/properties/url",
            max_length(1024),
            "§3.1",
        )
        for kind in CALLBACK_KINDS
    ),
    # The docs require the targeting block (its source_lists and message_template); the
    # spec marks those required inside it but leaves the block itself optional.
    Deviation(f"{S}/broadcastRequest/required", lambda names: [*names, "targeting"], "§2.5"),
    # Participants may also be named by person_key (the docs, not the spec).
    Deviation(
        f"{S}/addParticipantRequest/properties",
        with_property("person_key", {"type": "string"}),
        "§2.4",
    ),
    # Contradictions where both forms are accepted.
    Deviation(
        f"{S}/broadcastRequest/properties/targeting/properties/channel",
        also("sms", "push"),
        "§8.1 (SMS|Push in the spec, sms in Vibes' examples)",
    ),
    Deviation(
        f"{S}/walletCampaignRequest/properties/campaign/properties/type",
        also("Offer", "Loyalty"),
        "§8.3 (offer|loyalty in the spec, Offer/Loyalty in the docs)",
    ),
    Deviation(
        f"{S}/walletMessageRequest/properties/filters/items",
        with_branches(*OLD_WALLET_FILTERS),
        "§2.8 (older docs: name providers, between with a two-value array)",
    ),
    # event_type is the deprecated alias of callback_type; either is accepted.
    *(
        Deviation(f"{S}/callbackRequest-{kind}", event_type_alias, "§2.10, §3.1")
        for kind in CALLBACK_KINDS
    ),
    *(
        Deviation(f"{S}/testcallbackRequest-{kind}", event_type_alias, "§2.10, §3.1")
        for kind in TEST_CALLBACK_KINDS
    ),
    # Test events for wallet types are documented; the spec's oneOf leaves their schema out.
    Deviation(
        TEST_CALLBACK_BODY,
        with_branches({"$ref": "#/components/schemas/testcallbackRequest-Wallet"}, UNMATCHED_TEST),
        "§3.1",
    ),
]


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def apply(contract: dict[str, Any], deviations: list[Deviation]) -> dict[str, Any]:
    """``contract`` with every deviation applied (in place, and returned)."""
    for deviation in deviations:
        *parents, last = (_unescape(p) for p in deviation.pointer.strip("/").split("/"))
        node = contract
        for part in parents:
            node = node[part]
        if last not in node:
            raise KeyError(f"deviation {deviation.pointer} names nothing in the contract")
        node[last] = deviation.patch(node[last])
    return contract


@functools.cache
def _effective() -> dict[str, Any]:
    return apply(load_contract(), DEVIATIONS)


def effective_contract() -> dict[str, Any]:
    """The contract with ``DEVIATIONS`` applied: what request bodies are held to."""
    # Built once per process; callers get the shared copy and must not change it.
    return _effective()
