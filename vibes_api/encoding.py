"""How values travel in URLs and bodies: path and query escaping, JSON with exact decimals.

Vibes needs an E.164 MDN's '+' sent as %2B in query strings (a raw '+' reads as a space, and v2
then answers 400 "Invalid MDN format"), so the client builds every query itself and never lets
aiohttp re-encode it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import orjson

# Characters left as they are in a path; '+' and '%' are not among them on purpose.
_PATH_SAFE = "/:@!$&'()*,;="
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def quote_id(value: object) -> str:
    """Percent-encode an id for use as one path segment (slashes and '%' included)."""
    return quote(str(value), safe="")


def encode_query(params: Mapping[str, Any] | None) -> str:
    """Query string with every reserved character escaped, so an E.164 '+' travels as %2B.

    None values are left out, booleans become true/false, lists repeat the key.
    """
    if not params:
        return ""
    pairs: list[str] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            pairs.append(f"{quote(str(key), safe='')}={quote(_query_text(item), safe='')}")
    return "&".join(pairs)


def encode_path(path: str) -> str:
    """Percent-encode a path, keeping escapes already present (e.g. from ``quote_id``)."""
    parts: list[str] = []
    position = 0
    for match in _ESCAPE.finditer(path):
        parts.append(quote(path[position : match.start()], safe=_PATH_SAFE))
        parts.append(match.group().upper())
        position = match.end()
    parts.append(quote(path[position:], safe=_PATH_SAFE))
    return "".join(parts)


def dumps_json(value: Any) -> bytes:
    """orjson, with Decimals written as exact JSON numbers."""
    return orjson.dumps(value, default=_json_default)


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
