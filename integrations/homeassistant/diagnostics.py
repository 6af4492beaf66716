"""Diagnostics of the Home Assistant bridge (the framework redacts the password)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.homeassistant.bridge import HomeAssistantBridge


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Connection state, topics and message counters."""
    bridge: HomeAssistantBridge | None = entry.runtime_data
    if bridge is None:
        return {"connected": False}
    return bridge.diagnostics()
