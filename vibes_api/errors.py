"""Typed errors of the Vibes client.

Every error names the method and the path (relative to the host, never with credentials or
the query string, which may hold phone numbers), the HTTP status when there was one, Vibes'
own messages from its ``{"errors": [{"message", "code"}]}`` envelope, and how many attempts
were made. Their text masks phone numbers and emails in the path (an external id may be
one) and in those messages, since it ends up in logs; the attributes keep them as they
were. ``maybe_processed`` says whether a write may have happened despite the failure,
which is what a caller needs to decide between replaying and checking first.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from vibes_api.masking import mask_text

_BODY_EXCERPT = 200


_TEMPORARY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_NOT_PROCESSED_STATUSES = frozenset({429, 503})
_RUN_STATUSES = frozenset({401, 408, 429})


class VibesError(Exception):
    """Base of every error raised by vibes_api."""


class VibesConfigError(VibesError, ValueError):
    """A setting is missing or invalid."""


class VibesRequestError(VibesError):
    """A call to Vibes failed; base of API (status) and transport (no usable answer) errors.

    ``args[0]`` is the whole message (``str(error)``), not the method: loggers that print an
    exception's first argument, as the Singer SDK's does, then say what failed.
    """

    def __init__(self, method: str, path: str, *, attempts: int = 1) -> None:
        super().__init__(method, path)
        self.method = method
        self.path = path
        self._settled = False
        self.attempts = attempts

    @property
    def attempts(self) -> int:
        """How many attempts were made (the client sets it once retries end)."""
        return self._attempts

    @attempts.setter
    def attempts(self, value: int) -> None:
        self._attempts = value
        if self._settled:
            self._settle_message()

    def _settle_message(self) -> None:
        """Called last by every constructor, once ``__str__`` has what it needs."""
        self._settled = True
        self.args = (str(self),)

    def __reduce__(self) -> Any:
        # args hold the message, not the constructor's arguments: copy the attributes.
        return (_rebuild, (type(self), self.__dict__))

    @property
    def maybe_processed(self) -> bool:
        """True when Vibes may have acted on the request even though the call failed."""
        return False

    @property
    def shown_path(self) -> str:
        """The path fit for logs: phone numbers and emails in it masked."""
        return mask_text(self.path)

    def _suffix(self) -> str:
        plural = "" if self.attempts == 1 else "s"
        return f"(after {self.attempts} attempt{plural})"


class VibesAPIError(VibesRequestError):
    """Vibes answered with a non-2xx status."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        errors: list[dict[str, Any]] | None = None,
        *,
        attempts: int = 1,
        reason: str | None = None,
    ) -> None:
        super().__init__(method, path, attempts=attempts)
        self.status = status
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.reason = reason or _phrase(status)
        self._settle_message()

    @property
    def messages(self) -> list[str]:
        """Vibes' human-readable messages, in the order Vibes sent them."""
        return [str(item["message"]) for item in self.errors if item.get("message") is not None]

    @property
    def maybe_processed(self) -> bool:
        # 429 and 503 mean "refused before processing"; other 5xx (a crash, a gateway that
        # gave up waiting) may come after the write was applied.
        return self.status >= 500 and not self.not_processed

    # What each status means is decided here, once: the retry policy and the target's
    # sinks read these properties.
    @property
    def temporary(self) -> bool:
        """ "Not now" rather than "no": another attempt may succeed (408 is the server timing
        out our request)."""
        return self.status in _TEMPORARY_STATUSES

    @property
    def not_processed(self) -> bool:
        """The request was refused before any processing, so repeating it cannot duplicate."""
        return self.status in _NOT_PROCESSED_STATUSES

    @property
    def about_the_record(self) -> bool:
        """A 4xx that says this request's content is wrong (reject the record), not that
        the run is misconfigured (401) or Vibes is busy (408, 429)."""
        return self.status < 500 and self.status not in _RUN_STATUSES

    @property
    def hint(self) -> str:
        """What to change, for the statuses whose cause is always a setting (a 403 may be a
        refused action, such as changing a broadcast already sent: no hint)."""
        return _HINTS.get(self.status, "")

    def __str__(self) -> str:
        head = f"{self.method} {self.shown_path} -> {self.status} {self.reason}".rstrip()
        detail = mask_text("; ".join(self.messages))
        text = f"{head}: {detail} {self._suffix()}" if detail else f"{head} {self._suffix()}"
        return f"{text}: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, method={self.method!r}, "
            f"path={self.shown_path!r}, messages={[mask_text(m) for m in self.messages]!r}, "
            f"attempts={self.attempts})"
        )


class VibesBadRequest(VibesAPIError):
    """400: Vibes rejected the request (for example an MDN not in E.164 form)."""


class VibesUnauthorized(VibesAPIError):
    """401: the username or password is wrong for this region's host."""


class VibesForbidden(VibesAPIError):
    """403: not allowed (for example changing a broadcast that is no longer scheduled)."""


class VibesNotFound(VibesAPIError):
    """404: unknown id, wrong company key, or (on some lists) nothing to list."""


class VibesConflict(VibesAPIError):
    """409: the MDN belongs to another person, or the change is not allowed."""


class VibesPayloadTooLarge(VibesAPIError):
    """413: the request body is over Vibes' size limit."""


class VibesUnprocessable(VibesAPIError):
    """422: semantically invalid, e.g. unknown custom fields."""


class VibesRateLimited(VibesAPIError):
    """429: over the rate limit; raised only when retries ran out."""


class VibesServerError(VibesAPIError):
    """5xx: Vibes failed; raised only when retries ran out or a retry was unsafe."""


_BY_STATUS: dict[int, type[VibesAPIError]] = {
    400: VibesBadRequest,
    401: VibesUnauthorized,
    403: VibesForbidden,
    404: VibesNotFound,
    409: VibesConflict,
    413: VibesPayloadTooLarge,
    422: VibesUnprocessable,
    429: VibesRateLimited,
}


_HINTS = {
    401: (
        "check username and password (the US and EU hosts have separate credentials: "
        "check region/api_url too)"
    ),
}


def _rebuild(cls: type[VibesRequestError], attributes: dict[str, Any]) -> VibesRequestError:
    error = cls.__new__(cls)
    error.__dict__.update(attributes)
    error._settle_message()
    return error


class VibesTransportError(VibesRequestError):
    """No usable answer: connection refused or dropped, timeout, truncated or non-JSON body.

    ``kind`` is one of "connect" (never reached Vibes), "tls" (certificate not trusted),
    "disconnected", "timeout", "truncated", "invalid_json" or "protocol". ``status`` is the
    HTTP status when the headers arrived before the body broke.
    """

    def __init__(
        self,
        kind: str,
        method: str,
        path: str,
        detail: str = "",
        *,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(method, path, attempts=attempts)
        self.kind = kind
        self.detail = detail
        self.status = status
        self._settle_message()

    @property
    def messages(self) -> list[str]:
        return [self.detail] if self.detail else []

    @property
    def maybe_processed(self) -> bool:
        return self.kind not in ("connect", "tls")

    def __str__(self) -> str:
        status = f" (status {self.status})" if self.status is not None else ""
        detail = f": {mask_text(self.detail)}" if self.detail else ""
        return f"{self.method} {self.shown_path} -> {self.kind}{status}{detail} {self._suffix()}"

    def __repr__(self) -> str:
        return (
            f"VibesTransportError(kind={self.kind!r}, method={self.method!r}, "
            f"path={self.shown_path!r}, status={self.status}, attempts={self.attempts})"
        )


class VibesResponseError(VibesRequestError):
    """Vibes answered 2xx, but not in the shape the endpoint documents."""

    def __init__(self, method: str, path: str, detail: str, *, attempts: int = 1) -> None:
        super().__init__(method, path, attempts=attempts)
        self.detail = detail
        self._settle_message()

    def __str__(self) -> str:
        detail = mask_text(self.detail)
        return f"{self.method} {self.shown_path} -> unexpected answer: {detail} {self._suffix()}"


def error_for_status(
    status: int,
    method: str,
    path: str,
    body: bytes,
    *,
    attempts: int = 1,
    reason: str | None = None,
) -> VibesAPIError:
    """Build the typed error for a non-2xx answer, tolerating bodies that are not Vibes' JSON."""
    if status in _BY_STATUS:
        cls = _BY_STATUS[status]
    elif status >= 500:
        cls = VibesServerError
    else:
        cls = VibesAPIError
    return cls(status, method, path, parse_error_body(body), attempts=attempts, reason=reason)


def parse_error_body(body: bytes) -> list[dict[str, Any]]:
    """Vibes' ``errors`` array from a body; odd bodies become one message with an excerpt."""
    text = body.strip()
    if not text:
        return []
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return [{"message": _excerpt(text)}]
    if isinstance(parsed, dict):
        errors = parsed.get("errors")
        if isinstance(errors, list):
            return [_as_error_item(item) for item in errors]
        for key in ("message", "error", "errors"):
            if isinstance(parsed.get(key), str):
                return [{"message": parsed[key]}]
    if isinstance(parsed, list):
        return [_as_error_item(item) for item in parsed]
    return [{"message": _excerpt(text)}]


def _as_error_item(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return dict(item)
    return {"message": str(item)}


def _excerpt(text: bytes) -> str:
    decoded = text.decode("utf-8", errors="replace")
    if len(decoded) > _BODY_EXCERPT:
        return decoded[:_BODY_EXCERPT] + "..."
    return decoded


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
