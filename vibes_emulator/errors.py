"""Errors the emulator raises, rendered once as Vibes' envelope.

The store and the handlers raise :class:`ApiError`; a single middleware
(``vibes_emulator.middleware``) turns it into ``{"errors": [{"message", "code"}]}``
with the right status. This module imports nothing from aiohttp on purpose, so the
store can raise these without knowing about HTTP.
"""

from __future__ import annotations

from typing import Any

# Vibes publishes no code table (FACTS §8 gap 5); its examples show small integers.
# The emulator uses one stable code per status so clients can rely on the field existing.
DEFAULT_CODES: dict[int, int] = {
    400: 1,
    401: 2,
    403: 3,
    404: 4,
    409: 5,
    413: 6,
    422: 7,
    429: 8,
    500: 9,
    502: 9,
    503: 9,
    504: 9,
}


class ApiError(Exception):
    """A Vibes API error: an HTTP status and one or more messages."""

    def __init__(self, status: int, *messages: str, code: int | None = None) -> None:
        if not messages:
            messages = (_default_message(status),)
        super().__init__(f"{status}: {'; '.join(messages)}")
        self.status: int = status
        self.messages: list[str] = list(messages)
        self.code: int = code if code is not None else DEFAULT_CODES.get(status, 1)

    def to_body(self) -> dict[str, Any]:
        """The Vibes error envelope for this error."""
        return {"errors": [{"message": m, "code": self.code} for m in self.messages]}


def _default_message(status: int) -> str:
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        422: "UNPROCESSABLE ENTITY",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, "Error")


def bad_request(*messages: str, code: int | None = None) -> ApiError:
    return ApiError(400, *messages, code=code)


def unauthorized(*messages: str, code: int | None = None) -> ApiError:
    return ApiError(401, *messages, code=code)


def forbidden(*messages: str, code: int | None = None) -> ApiError:
    return ApiError(403, *messages, code=code)


def not_found(what: str = "Resource", code: int | None = None) -> ApiError:
    """404 for ``what`` (e.g. ``not_found("Person")`` -> "Person not found")."""
    return ApiError(404, f"{what} not found", code=code)


def conflict(*messages: str, code: int | None = None) -> ApiError:
    return ApiError(409, *messages, code=code)


def unprocessable(*messages: str, code: int | None = None) -> ApiError:
    """422; pass several messages to report several validation errors at once."""
    return ApiError(422, *messages, code=code)


def json_object(body: Any) -> dict[str, Any]:
    """A request body that must be an object; any other JSON value is 422."""
    if not isinstance(body, dict):
        raise unprocessable("Request body must be a JSON object")
    return body


def required_text(body: dict[str, Any], field: str, problems: list[str]) -> str | None:
    """``body[field]`` when it is non-blank text; otherwise None, with the problem noted."""
    value = body.get(field)
    if isinstance(value, str) and value.strip():
        return value
    problems.append(f"{field} is required")
    return None


def too_many_requests(code: int | None = None) -> ApiError:
    return ApiError(429, "Too Many Requests", code=code)


def server_error(status: int = 500, code: int | None = None) -> ApiError:
    return ApiError(status, code=code)
