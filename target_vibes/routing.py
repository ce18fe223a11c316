"""Which Vibes resource each input stream writes to, and with which options.

A stream named like a resource goes there; the `streams` setting maps any other name.
Routes are checked when the target starts, so a typo fails before any record is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RESOURCES = (
    "persons",
    "subscribers",
    "participants",
    "wallet_items",
    "wallet_messages",
    "broadcasts",
    "events",
)

# Resources whose every write texts or notifies real people. Subscribers (subscribe rows),
# wallet items (changed notifications), participants, broadcasts and wallet messages (new
# ones; records of what Vibes already holds are left alone) message people only for some
# records; their sinks decide per record.
MESSAGING_RESOURCES = frozenset({"events"})

PERSON_MATCH = ("auto", "external_person_id", "person_key", "mdn")
PERSON_MODES = ("upsert", "update_only")

# Options a route may carry, by resource; anything else in a route is a config mistake.
_OPTIONS: dict[str, frozenset[str]] = {
    "persons": frozenset({"match_on", "mode"}),
    "subscribers": frozenset({"subscription_list_id", "acquisition_id"}),
    "participants": frozenset({"acquisition_id"}),
    "wallet_items": frozenset({"wallet_id"}),
    "wallet_messages": frozenset({"wallet_id"}),
    "broadcasts": frozenset(),
    "events": frozenset({"event_type"}),
}


class RoutingError(ValueError):
    """The `streams` setting or a stream name cannot be routed to a resource."""


@dataclass(frozen=True)
class Route:
    """One input stream's destination and the options that shape its writes."""

    stream: str
    resource: str
    match_on: str = "auto"
    mode: str = "upsert"
    acquisition_id: str | None = None
    subscription_list_id: str | None = None
    wallet_id: str | None = None
    event_type: str | None = None

    @property
    def always_messages(self) -> bool:
        """Whether every record of this stream texts or notifies someone."""
        return self.resource in MESSAGING_RESOURCES


def parse_streams_setting(value: Any) -> dict[str, Route]:
    """Check the `streams` setting and turn it into routes by stream name."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RoutingError("setting 'streams' must be an object of stream name -> route")
    routes: dict[str, Route] = {}
    for stream, spec in value.items():
        if isinstance(spec, str):
            spec = {"resource": spec}
        if not isinstance(spec, Mapping):
            raise RoutingError(
                f"setting 'streams' entry {stream!r} must be an object such as "
                '{"resource": "persons", "match_on": "external_person_id"}'
            )
        routes[str(stream)] = _route(str(stream), spec)
    return routes


def _route(stream: str, spec: Mapping[str, Any]) -> Route:
    resource = spec.get("resource")
    if resource not in RESOURCES:
        raise RoutingError(
            f"setting 'streams' entry {stream!r} has resource {resource!r}; "
            f"expected one of {', '.join(RESOURCES)}"
        )
    unknown = sorted(set(spec) - {"resource"} - _OPTIONS[resource])
    if unknown:
        raise RoutingError(
            f"setting 'streams' entry {stream!r} ({resource}) has unknown option(s) "
            f"{', '.join(unknown)}; allowed: {', '.join(sorted(_OPTIONS[resource])) or 'none'}"
        )
    options = {key: str(spec[key]) for key in _OPTIONS[resource] if spec.get(key) is not None}
    match_on = options.get("match_on", "auto")
    if match_on not in PERSON_MATCH:
        raise RoutingError(
            f"setting 'streams' entry {stream!r}: match_on must be one of {', '.join(PERSON_MATCH)}"
        )
    mode = options.get("mode", "upsert")
    if mode not in PERSON_MODES:
        raise RoutingError(
            f"setting 'streams' entry {stream!r}: mode must be one of {', '.join(PERSON_MODES)}"
        )
    return Route(stream=stream, resource=resource, **options)


def resolve_route(stream: str, routes: Mapping[str, Route]) -> Route | None:
    """The route for ``stream``: configured, else by resource name, else None (unknown)."""
    if stream in routes:
        return routes[stream]
    if stream in RESOURCES:
        return Route(stream=stream, resource=stream)
    return None


def unknown_stream_message(stream: str) -> str:
    """What the target says when a stream maps to nothing and `unknown_streams` is `fail`."""
    return (
        f"stream {stream!r} maps to no Vibes resource. Name the stream after a resource "
        f"({', '.join(RESOURCES)}), map it with the 'streams' setting, e.g. "
        f'{{"streams": {{"{stream}": {{"resource": "persons"}}}}}}, '
        "or set unknown_streams to 'skip' to ignore it"
    )


def messaging_refused_message(what: str) -> str:
    """Why a write that would text or notify real people was refused."""
    return (
        f"{what} would text or notify real people; refused because allow_messaging is false "
        "(set allow_messaging: true to send)"
    )
