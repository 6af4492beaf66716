"""Diagnostics of the ListenBrainz entry (no user token is ever held by the entry)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.listenbrainz.setup import ListenBrainzRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """The URL, the last error and the last rate-limit headers seen."""
    runtime: ListenBrainzRuntime = entry.runtime_data
    limits = runtime.client.rate_limit
    return {
        "url": runtime.client.base_url,
        "available": runtime.service.last_error is None,
        "last_error": runtime.service.last_error,
        "rate_limit": None
        if limits is None
        else {"limit": limits.limit, "remaining": limits.remaining, "reset_in": limits.reset_in},
    }
