"""The companion's own address as people and other services should use it."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from companion import keys
from companion.settings import Settings

# Addresses that mean "every interface": not an address anyone can open.
_WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104


def listens_on_loopback_only(settings: Settings) -> bool:
    """Tell whether nothing outside this machine (or container) can connect."""
    host = settings.host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def where_to_open(settings: Settings) -> str:
    """The address to print for a person: the public URL, else what the bind address allows."""
    if settings.public_url:
        return settings.public_url + "/"
    host = settings.host.strip("[]")
    if host in _WILDCARDS:
        return (
            f"http://localhost:{settings.port}{settings.base_path}/ (or this machine's address; "
            "set COMPANION_PUBLIC_URL to print the right one)"
        )
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}{settings.base_path}/"


def external_base(request: web.Request) -> str:
    """The base URL browsers use: COMPANION_PUBLIC_URL, else the address this request came to."""
    settings = request.app[keys.SETTINGS]
    return settings.public_url or f"{request.scheme}://{request.host}{settings.base_path}"


def service_base(request: web.Request) -> tuple[str, str]:
    """The base URL other services (Jellyfin's Webhook plugin) call, and which setting gave it.

    The second value is "internal", "public" or "request" (the browser's own address, which
    another container may not reach).
    """
    settings = request.app[keys.SETTINGS]
    if settings.internal_url:
        return settings.internal_url, "internal"
    if settings.public_url:
        return settings.public_url, "public"
    return external_base(request), "request"
