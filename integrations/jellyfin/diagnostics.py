"""Diagnostics of a Jellyfin entry: server, libraries, credential kind; no secrets."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.jellyfin.const import COLLECTION_MUSIC, MIN_VERSION, NEW_ROUTES_VERSION
from integrations.jellyfin.exceptions import JellyfinError
from integrations.jellyfin.runtime import JellyfinRuntime

API_KEY_EVENTS = (
    "Favorites/library live events need the Jellyfin Webhook plugin or an admin user login"
)
USER_EVENTS = (
    "Websocket as an administrator user: UserDataChanged (favorites, plays), LibraryChanged, "
    "RefreshProgress, ScheduledTaskEnded, Sessions"
)


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Describe the connection for a bug report."""
    runtime: JellyfinRuntime = entry.runtime_data
    info = runtime.server_info
    libraries: list[dict[str, Any]] | None = None
    libraries_error: str | None = None
    try:
        libraries = [
            {"name": lib.name, "collection_type": lib.collection_type}
            for lib in await runtime.client.virtual_folders()
        ]
    except JellyfinError as err:
        libraries_error = type(err).__name__
    return {
        "server": {
            "name": info.name,
            "id": info.id,
            "product_name": info.product_name,
            "version": info.version_string,
        },
        "version_supported": info.version[:2] >= MIN_VERSION,
        "routes": "current" if info.version[:2] >= NEW_ROUTES_VERSION else "legacy",
        "libraries": libraries,
        "libraries_error": libraries_error,
        "music_libraries": sum(
            1 for lib in libraries or () if lib["collection_type"] == COLLECTION_MUSIC
        ),
        "credential": "api_key" if runtime.uses_api_key else "user_login",
        "has_user_login": runtime.has_user_login,
        "public_url_configured": runtime.public_url != runtime.client.base_url,
        "live_events": USER_EVENTS if runtime.has_user_login else API_KEY_EVENTS,
    }
