"""HTTP Basic credentials, precomputed per company for a cheap per-request check."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from vibes_emulator.options import CompanyCredentials


def basic_auth_header(username: str, password: str) -> str:
    """The exact ``Authorization`` value a client sends for these credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def auth_table(companies: Iterable[CompanyCredentials]) -> dict[str, str]:
    """company_key -> expected Authorization header."""
    return {c.company_key: basic_auth_header(c.username, c.password) for c in companies}


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic ...`` value, or None."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, separator, password = decoded.partition(":")
    return (username, password) if separator else None
