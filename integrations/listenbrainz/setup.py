"""Setting up and unloading the ListenBrainz config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import ConfigEntry, ConfigEntryNotReady, IntegrationContext
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.const import DOMAIN, PROBE_TOKEN
from integrations.listenbrainz.exceptions import (
    ListenBrainzError,
    ListenBrainzRateLimitError,
)
from integrations.listenbrainz.recommendations import ListenBrainzRecommendations
from integrations.listenbrainz.service import ListenBrainzService


@dataclass
class ListenBrainzRuntime:
    """What a loaded entry provides."""

    client: ListenBrainzClient
    service: ListenBrainzService


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> ListenBrainzRuntime:
    """Check the server answers and register it as a scrobble service."""
    client = ListenBrainzClient(entry.data["url"], session=ctx.session)
    try:
        await client.validate_token(PROBE_TOKEN)
    except ListenBrainzRateLimitError:
        pass
    except ListenBrainzError as err:
        raise ConfigEntryNotReady(f"Could not reach ListenBrainz at {client.base_url}") from err
    service = ListenBrainzService(client)
    ctx.providers.scrobblers[DOMAIN] = service
    # Weekly flows: created-for-you playlists and recording recommendations.
    ctx.providers.recommendations = ListenBrainzRecommendations(client)
    return ListenBrainzRuntime(client, service)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the service (the client uses the app's shared session)."""
    if isinstance(ctx.providers.scrobblers.get(DOMAIN), ListenBrainzService):
        del ctx.providers.scrobblers[DOMAIN]
    if isinstance(ctx.providers.recommendations, ListenBrainzRecommendations):
        ctx.providers.recommendations = None
