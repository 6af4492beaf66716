"""Setting up and unloading the Deezer entry: registers Deezer as a playlist source."""

from __future__ import annotations

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.deezer.client import DeezerClient
from integrations.deezer.const import DEFAULT_URL
from integrations.deezer.source import DeezerSource


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> DeezerSource:
    """Register the source; no call is made (Deezer is asked when a playlist is imported)."""
    client = DeezerClient(entry.data.get("url") or DEFAULT_URL, session=ctx.session)
    source = DeezerSource(client)
    ctx.providers.playlist_sources[source.name] = source
    return source


async def async_setup_default(ctx: IntegrationContext) -> None:
    """Offer imports with the defaults when no entry configures this integration."""
    source = DeezerSource(DeezerClient(DEFAULT_URL, session=ctx.session))
    ctx.providers.playlist_sources.setdefault(source.name, source)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Stop offering Deezer imports."""
    ctx.providers.playlist_sources.pop(DeezerSource.name, None)
