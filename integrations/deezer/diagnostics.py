"""Diagnostics of the Deezer entry (nothing secret is stored)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """The API URL in use and whether Deezer is offered as a source."""
    return {
        "url": entry.data.get("url"),
        "source_loaded": "deezer" in ctx.providers.playlist_sources,
    }
