"""Diagnostics of a Navidrome entry: server, login kind, polling; no secrets."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.navidrome.const import MIN_VERSION
from integrations.navidrome.runtime import NavidromeRuntime

LIVE = (
    "Polled (Navidrome has no websocket for Subsonic clients): scan status, newest albums, "
    "now playing, and each signed-in user's stars"
)


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Describe the connection for a bug report (no URL query, token, salt or password)."""
    runtime: NavidromeRuntime = entry.runtime_data
    info = runtime.server_info
    pollers = [
        {
            "connected": p.status.connected,
            "last_error": p.status.last_error,
            "credential_invalid": p.status.credential_invalid,
            "polls": p.polls,
        }
        for p in runtime.live.pollers
    ]
    return {
        "server": {
            "type": info.type,
            "version": info.server_version,
            "protocol": info.protocol_version,
            "open_subsonic": info.open_subsonic,
        },
        "version_supported": info.version >= MIN_VERSION,
        "auth": "salted token (u, t = md5(password + salt), s)",
        "is_admin": runtime.is_admin,
        "public_url_configured": runtime.public_url != runtime.client.base_url,
        "live_events": LIVE,
        "poll_interval_s": runtime.live.interval,
        "pollers": pollers,
    }
