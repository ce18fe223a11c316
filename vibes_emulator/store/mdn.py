"""Mobile numbers (MDNs) as the two API versions see them (FACTS §1.4).

The store keeps every MDN in E.164 (``+12995551234``). Version 1, the default when no
``X-API-Version`` header is sent, speaks 10-digit US/CA numbers only: it refuses E.164 input
and never shows a person whose number is outside +1. Version 2 requires E.164 both ways.
"""

from __future__ import annotations

from vibes_emulator.errors import ApiError

INVALID_MDN = "Invalid MDN format"
COUNTRY_NOT_SUPPORTED = "CountryNotSupported"


def parse_mdn(raw: object, version: int, *, status: int = 400) -> str:
    """The E.164 form of ``raw`` as a client of ``version`` sent it, or ApiError(status).

    A literal ``+`` in a query string arrives decoded as a space (clients must send
    ``%2B``), so anything with whitespace is malformed, as Vibes answers.
    """
    # ASCII only: str.isdigit() also accepts other scripts' digits.
    if not isinstance(raw, str) or not raw.isascii() or not raw or raw != raw.strip() or " " in raw:
        raise ApiError(status, INVALID_MDN)
    if version >= 2:
        digits = raw[1:]
        if raw[0] != "+" or not digits.isdigit() or not 8 <= len(digits) <= 15:
            raise ApiError(status, INVALID_MDN)
        if digits[0] == "0":
            raise ApiError(status, INVALID_MDN)
        return raw
    if not raw.isdigit():
        raise ApiError(status, INVALID_MDN)
    if len(raw) == 10 and raw[0] not in "01":
        return "+1" + raw
    if len(raw) == 11 and raw[0] == "1" and raw[1] not in "01":
        return "+" + raw
    if 8 <= len(raw) <= 15:
        # Looks like an international number without "+": v1 cannot address it. A lookup
        # answers 404 (no such person under v1), a write 422 like other refused values.
        raise ApiError(404 if status == 400 else status, COUNTRY_NOT_SUPPORTED)
    raise ApiError(status, INVALID_MDN)


def visible(e164: str | None, version: int) -> bool:
    """Whether a person with this number may be shown to a client of ``version``."""
    return version >= 2 or e164 is None or e164.startswith("+1")


def render_mdn(e164: str | None, version: int) -> str | None:
    """The number as ``version`` prints it: E.164 in v2, 10 digits in v1."""
    if e164 is None or version >= 2:
        return e164
    return e164[2:] if e164.startswith("+1") else None
