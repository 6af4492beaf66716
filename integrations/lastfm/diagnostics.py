"""Diagnostics of the Last.fm entry (the framework redacts the key and the secret)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.lastfm.setup import LastFmRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """The URL and the last error (never a key, a secret or a user's session)."""
    runtime: LastFmRuntime = entry.runtime_data
    return {
        "url": runtime.client.base_url,
        "available": runtime.service.last_error is None,
        "last_error": runtime.service.last_error,
    }
