"""Setting up and unloading the Spotify entry: registers it as a playlist source."""

from __future__ import annotations

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.spotify.account import SpotifyAccountSource
from integrations.spotify.client import SpotifyClient
from integrations.spotify.const import ACCOUNTS_URL, API_URL, DEFAULT_URL
from integrations.spotify.source import SpotifySource
from integrations.spotify.web_api import SpotifyWebClient


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> SpotifySource:
    """Register the source (no call is made until a playlist is imported)."""
    source = SpotifySource(SpotifyClient(entry.data.get("url") or DEFAULT_URL, session=ctx.session))
    ctx.providers.playlist_sources[source.name] = source
    client_id = entry.data.get("client_id")
    if client_id:
        # With the user's own app: sign-in (PKCE) and imports of their own playlists.
        web = SpotifyWebClient(
            client_id,
            session=ctx.session,
            accounts_url=entry.data.get("accounts_url") or ACCOUNTS_URL,
            api_url=entry.data.get("api_url") or API_URL,
        )
        ctx.providers.account_sources[source.name] = SpotifyAccountSource(web)
    return source


async def async_setup_default(ctx: IntegrationContext) -> None:
    """Offer imports with the defaults when no entry configures this integration."""
    source = SpotifySource(SpotifyClient(DEFAULT_URL, session=ctx.session))
    ctx.providers.playlist_sources.setdefault(source.name, source)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Stop offering Spotify imports."""
    ctx.providers.playlist_sources.pop(SpotifySource.name, None)
    ctx.providers.account_sources.pop(SpotifySource.name, None)
