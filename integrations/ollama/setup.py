"""Setting up and unloading an Ollama config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.ollama.client import OllamaClient
from integrations.ollama.exceptions import OllamaAuthenticationError, OllamaError
from integrations.ollama.suggest import OllamaSuggester


@dataclass
class OllamaRuntime:
    """What a loaded Ollama entry provides to the rest of the app."""

    client: OllamaClient
    version: str
    model: str | None


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> OllamaRuntime:
    """Connect to Ollama; not ready (retried) while it is down."""
    client = OllamaClient(entry.data["url"], session=ctx.session, api_key=entry.data.get("api_key"))
    try:
        version = await client.version()
    except OllamaAuthenticationError as err:
        raise ConfigEntryAuthFailed("Ollama returned 401. Check your API key.") from err
    except OllamaError as err:
        raise ConfigEntryNotReady(f"Could not reach Ollama at {client.base_url}") from err
    # Weekly flows: track suggestions in strict JSON (grounded by the flows capability).
    ctx.providers.suggester = OllamaSuggester(client, entry.data.get("model"))
    return OllamaRuntime(client=client, version=version, model=entry.data.get("model"))


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the suggester; the client uses the app's shared session."""
    if isinstance(ctx.providers.suggester, OllamaSuggester):
        ctx.providers.suggester = None
