"""Setting up and unloading the YouTube Music entry: registers it as a playlist source."""

from __future__ import annotations

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.ytmusic.client import YTMusicClient
from integrations.ytmusic.const import DEFAULT_LANGUAGE
from integrations.ytmusic.source import YTMusicSource


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> YTMusicSource:
    """Register the source (no call is made until a playlist is imported)."""
    source = YTMusicSource(YTMusicClient(entry.data.get("language") or DEFAULT_LANGUAGE))
    ctx.providers.playlist_sources[source.name] = source
    return source


async def async_setup_default(ctx: IntegrationContext) -> None:
    """Offer imports with the defaults when no entry configures this integration."""
    source = YTMusicSource(YTMusicClient(DEFAULT_LANGUAGE))
    ctx.providers.playlist_sources.setdefault(source.name, source)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Stop offering YouTube Music imports."""
    ctx.providers.playlist_sources.pop(YTMusicSource.name, None)
