"""X-Forwarded-For is believed only as far as trusted proxies wrote it."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from companion.app import create_app
from companion.settings import Settings
from web.proxies import forwarded_client

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
PEER = "10.0.0.2"


@pytest.mark.parametrize(
    ("header", "client"),
    [
        # The proxy appended the real client: it is the answer.
        ("203.0.113.9", "203.0.113.9"),
        # A client-written hop further left is ignored.
        ("1.1.1.1, 203.0.113.9", "203.0.113.9"),
        # Chains of trusted proxies are walked over.
        ("1.1.1.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        ("2001:db8::1, fd00::5", "2001:db8::1"),
        # A hop that is not a bare IP stops the walk at the proxy that passed it on: the
        # client-supplied left-most hop is never used.
        ("1.1.1.1, garbage", PEER),
        ("1.1.1.1, 203.0.113.9:4711", PEER),
        ("1.1.1.1, unknown, 10.0.0.7", "10.0.0.7"),
        ("1.1.1.1, , 10.0.0.7", "10.0.0.7"),
        ("1.1.1.1,", PEER),
        # Only trusted proxies: the left-most of them, still not a client-chosen value.
        ("10.0.0.9, 10.0.0.7", "10.0.0.9"),
    ],
)
def test_forwarded_client(header: str, client: str) -> None:
    assert forwarded_client(PEER, header, PROXIES) == client


async def test_unparsable_hop_does_not_hand_the_client_the_address(
    aiohttp_client: Any, settings: Settings
) -> None:
    seen: list[str | None] = []

    async def probe(request: web.Request) -> web.Response:
        seen.append(request.remote)
        return web.Response(text="ok")

    trusted = (ipaddress.ip_network("127.0.0.0/8"),)
    app = create_app(replace(settings, trusted_proxies=trusted))
    app.router.add_get("/probe", probe)
    client = await aiohttp_client(app)
    # Each request pretends to come from a new address: the sign-in limit would never bite.
    for forged in ("198.51.100.1", "198.51.100.2"):
        resp = await client.get("/probe", headers={"X-Forwarded-For": f"{forged}, not-an-ip"})
        assert resp.status == 200
    assert seen == ["127.0.0.1", "127.0.0.1"]
