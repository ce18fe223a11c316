"""IP addresses as the connectors compare them: an IPv4-mapped IPv6 address is its IPv4 one."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IPAddress | None:
    """The address ``text`` spells (``::ffff:127.0.0.1`` as ``127.0.0.1``), None if not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
