"""Diagnostics of an Ollama entry (the framework redacts secrets)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.ollama.exceptions import OllamaError
from integrations.ollama.setup import OllamaRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Report the server version and the models it has."""
    runtime: OllamaRuntime = entry.runtime_data
    try:
        models = [m.name for m in await runtime.client.models()]
    except OllamaError as err:
        models = [f"unavailable: {type(err).__name__}"]
    return {"version": runtime.version, "model": runtime.model, "models": models}
