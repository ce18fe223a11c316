"""Identifiers in the shapes Vibes uses, derived from per-company counters.

Derived rather than random so that the same seed yields the same ids and a reopened
database keeps producing fresh ones.
"""

from __future__ import annotations

import hashlib

_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).digest()


def _uuid_text(raw: bytes) -> str:
    # The 8-4-4-4-12 text of uuid.UUID(bytes=raw), without building the object.
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def person_key(company: str, person_id: int) -> str:
    """UUID-like person key (Vibes shows ``c5235a1-...`` style keys)."""
    return _uuid_text(_digest("person", company, person_id))


def short_token(kind: str, company: str, number: int, length: int = 8) -> str:
    """Alphanumeric token such as an acquisition id (``C1323542``) or SmartLink token."""
    value = int.from_bytes(_digest(kind, company, number), "big")
    chars = []
    for _ in range(length):
        value, index = divmod(value, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def uuid_for(kind: str, company: str, number: int | str) -> str:
    return _uuid_text(_digest(kind, company, number))
