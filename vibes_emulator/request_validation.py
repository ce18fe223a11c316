"""Request bodies checked against their operation's request schema, once, for every route.

``add_vibes_routes`` passes each route through :meth:`RequestBodies.guard`: when the
operation (matched by method and path shape in the effective contract, see
``request_schemas``) takes a JSON body, the handler runs only if the body fits that schema.
A body that does not fit answers 422 listing each problem in Vibes' envelope, before any
handler runs, so nothing is stored; unparseable JSON is 400 (``read_json``). What no schema
can say (an MDN's format, a custom field's definition, a list that must exist, a date in the
future) stays with the store.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match

from vibes_emulator.app_keys import BODY_KEY
from vibes_emulator.contract import json_schema_registry, path_shape, to_json_schema
from vibes_emulator.errors import unprocessable
from vibes_emulator.handlers.common import read_json
from vibes_emulator.request_schemas import effective_contract

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

JSON = "application/json"
MAX_PROBLEMS = 20
MAX_MESSAGE = 160


class RequestBodies:
    """One validator per operation that takes a JSON body, keyed by (METHOD, path shape)."""

    def __init__(self, contract: dict[str, Any]) -> None:
        spec = to_json_schema(contract)
        self.registry, anchor = json_schema_registry(spec)
        self.validators: dict[tuple[str, str], Draft4Validator] = {}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                body = operation.get("requestBody", {}) if isinstance(operation, dict) else {}
                schema = body.get("content", {}).get(JSON, {}).get("schema")
                if schema is not None:
                    key = (method.upper(), path_shape(path))
                    self.validators[key] = Draft4Validator(anchor(schema), registry=self.registry)

    def problems(self, method: str, path: str, body: Any) -> list[str]:
        """What is wrong with ``body`` for the operation at ``method path`` (empty: fine)."""
        validator = self.validators.get((method, path_shape(path)))
        return [] if validator is None else problems(validator, body)

    def guard(self, method: str, path: str, handler: Handler) -> Handler:
        """``handler``, behind its operation's body check (unchanged when it takes no body)."""
        validator = self.validators.get((method, path_shape(path)))
        if validator is None:
            return handler

        async def checked(request: web.Request) -> web.StreamResponse:
            body = await read_json(request)
            found = problems(validator, body)
            if found:
                raise unprocessable(*found)
            request[BODY_KEY] = body
            return await handler(request)

        return checked


def problems(validator: Draft4Validator, body: Any) -> list[str]:
    """Every way ``body`` breaks the validator's schema (the first ``MAX_PROBLEMS``), in the
    order of the fields they concern."""
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.path])
    return [describe(error) for error in errors[:MAX_PROBLEMS]]


def describe(error: ValidationError) -> str:
    """One line naming where the body is wrong and how."""
    # A failed oneOf/anyOf says only "not valid under any"; the closest branch says why.
    while error.context:
        error = best_match(error.context)
    where = ".".join(str(part) for part in error.absolute_path) or "body"
    message = error.message
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return f"{where}: {message}"


@functools.cache
def request_bodies() -> RequestBodies:
    """The validators for the effective contract, built once per process."""
    return RequestBodies(effective_contract())
