"""Schemathesis hooks for test_schemathesis.py (loaded by the schemathesis CLI through its
``hooks`` setting): a check that every error answer is in Vibes' envelope (FACTS §1.6)."""

from __future__ import annotations

from typing import Any

import orjson
import schemathesis


@schemathesis.check
def vibes_error_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx/5xx answers ``{"errors": [{"message": str, "code": int}, ...]}`` as JSON."""
    if response.status_code < 400:
        return
    content_type = ", ".join(response.headers.get("content-type", []))
    if not content_type.startswith("application/json"):
        raise AssertionError(f"{response.status_code} answered as {content_type!r}, not JSON")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as error:
        raise AssertionError(f"{response.status_code} body is not JSON: {error}") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not (isinstance(body, dict) and set(body) == {"errors"} and errors):
        raise AssertionError(f"{response.status_code} body is not the Vibes envelope: {body!r}")
    for error in errors:
        if not (
            isinstance(error, dict)
            and isinstance(error.get("message"), str)
            and isinstance(error.get("code"), int)
        ):
            raise AssertionError(f"{response.status_code} error entry malformed: {error!r}")
