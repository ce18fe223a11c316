"""Which Vibes resource each input stream writes to, and with which options.

A stream named like a resource goes there; the `streams` setting maps any other name.
Routes are checked when the target starts, so a typo fails before any record is read.

Each sink declares what routing needs to know about its resource (``resource``,
``route_options``, ``messages_people``, ``messaging_note``): this module holds only the
rules, and the help text of the `streams` and `allow_messaging` settings is written from
those declarations, so a new resource documents itself.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from target_vibes.sinks.base import VibesSink

    Sinks = Mapping[str, type[VibesSink]]


class Messaging(enum.Enum):
    """Whether a resource's writes text or notify real people."""

    NEVER = "never"
    SOME_RECORDS = "some records"  # the sink decides per record (new vs already in Vibes)
    EVERY_RECORD = "every record"  # the whole stream is refused without allow_messaging


@dataclass(frozen=True)
class RouteOption:
    """One option a route to a resource may carry."""

    choices: tuple[str, ...] = ()
    default: str | None = None

    def describe(self, name: str) -> str:
        return f"{name} ({'|'.join(self.choices)})" if self.choices else name


class RoutingError(ValueError):
    """The `streams` setting or a stream name cannot be routed to a resource."""


@dataclass(frozen=True)
class Route:
    """One input stream's destination and the options that shape its writes."""

    stream: str
    resource: str
    options: Mapping[str, str] = field(default_factory=dict)
    messages_people: Messaging = Messaging.NEVER

    def option(self, name: str) -> str | None:
        """The option's value: configured, else the resource's default, else None."""
        return self.options.get(name)

    @property
    def always_messages(self) -> bool:
        """Whether every record of this stream texts or notifies someone."""
        return self.messages_people is Messaging.EVERY_RECORD


def route(stream: str, sink: type[VibesSink], configured: Mapping[str, Any]) -> Route:
    """The route of ``stream`` to ``sink``'s resource with ``configured`` options, checked
    against what the sink declares."""
    declared = sink.route_options
    unknown = sorted(set(configured) - {"resource"} - set(declared))
    if unknown:
        raise RoutingError(
            f"setting 'streams' entry {stream!r} ({sink.resource}) has unknown option(s) "
            f"{', '.join(unknown)}; allowed: {', '.join(sorted(declared)) or 'none'}"
        )
    options: dict[str, str] = {}
    for name, option in declared.items():
        value = configured.get(name)
        if value is None:
            if option.default is not None:
                options[name] = option.default
            continue
        if option.choices and str(value) not in option.choices:
            raise RoutingError(
                f"setting 'streams' entry {stream!r}: {name} must be one of "
                f"{', '.join(option.choices)}"
            )
        options[name] = str(value)
    return Route(stream, sink.resource, options, sink.messages_people)


def parse_streams_setting(value: Any, sinks: Sinks) -> dict[str, Route]:
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
        resource = spec.get("resource")
        if not isinstance(resource, str) or resource not in sinks:
            raise RoutingError(
                f"setting 'streams' entry {stream!r} has resource {resource!r}; "
                f"expected one of {', '.join(sinks)}"
            )
        routes[str(stream)] = route(str(stream), sinks[resource], spec)
    return routes


def resolve_route(stream: str, routes: Mapping[str, Route], sinks: Sinks) -> Route | None:
    """The route for ``stream``: configured, else by resource name, else None (unknown)."""
    if stream in routes:
        return routes[stream]
    if stream in sinks:
        return route(stream, sinks[stream], {})
    return None


def unknown_stream_message(stream: str, sinks: Sinks) -> str:
    """What the target says when a stream maps to nothing and `unknown_streams` is `fail`."""
    return (
        f"stream {stream!r} maps to no Vibes resource. Name the stream after a resource "
        f"({', '.join(sinks)}), map it with the 'streams' setting, e.g. "
        f'{{"streams": {{"{stream}": {{"resource": "persons"}}}}}}, '
        "or set unknown_streams to 'skip' to ignore it"
    )


def streams_setting_help(sinks: Sinks) -> str:
    """The `streams` setting's description, from the sinks' declared options."""
    options = "; ".join(
        f"{resource} "
        + " and ".join(option.describe(name) for name, option in sink.route_options.items())
        for resource, sink in sinks.items()
        if sink.route_options
    )
    return (
        "Routes input streams to Vibes resources. Keys are stream names; values are objects "
        'such as {"resource": "persons", "match_on": "external_person_id", "mode": "upsert"}. '
        f"resource is one of {', '.join(sinks)}. Options: {options}. A stream named like a "
        "resource needs no entry."
    )


def allow_messaging_help(sinks: Sinks) -> str:
    """The `allow_messaging` setting's description, from the sinks' messaging declarations."""
    notes = [
        sink.messaging_note
        for sink in sinks.values()
        if sink.messages_people is not Messaging.NEVER
    ]
    whole = [r for r, sink in sinks.items() if sink.messages_people is Messaging.EVERY_RECORD]
    refused = f"a stream of {' or '.join(whole)} fails before any write and " if whole else ""
    return (
        f"Allow writes that text or notify real people: {', '.join(notes)}. "
        f"Off: {refused}the other such records are rejected."
    )
