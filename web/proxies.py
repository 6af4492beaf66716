"""Who the client is behind trusted reverse proxies (X-Forwarded-For)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from companion.settings import IPNetwork


def _trusted(address: str, networks: Sequence[IPNetwork]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: Sequence[IPNetwork]) -> str:
    """The client address: walk X-Forwarded-For from the right over trusted proxies only.

    `peer` is a trusted proxy. Each hop was appended by the proxy to its right, so a hop is
    believed only while everything to its right is a trusted proxy; anything further left
    was written by the client and may be forged. A hop that is not a bare IP address stops
    the walk: the last trusted address (the proxy that passed it on) is the answer, never a
    hop the client could have chosen.
    """
    client = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            trusted = _trusted(hop, networks)
        except ValueError:
            return client
        client = hop
        if not trusted:
            return client
    return client
