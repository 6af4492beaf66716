"""Setting up and unloading the Last.fm config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.lastfm.client import LastFmClient
from integrations.lastfm.config_flow import REJECTED
from integrations.lastfm.const import DEFAULT_URL, DOMAIN
from integrations.lastfm.exceptions import LastFmApiKeyError, LastFmError, LastFmRateLimitError
from integrations.lastfm.service import LastFmService


@dataclass
class LastFmRuntime:
    """What a loaded entry provides."""

    client: LastFmClient
    service: LastFmService


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> LastFmRuntime:
    """Check the API account works and register Last.fm as a scrobble service."""
    client = LastFmClient(
        entry.data["api_key"],
        entry.data["shared_secret"],
        base_url=entry.data.get("url") or DEFAULT_URL,
        session=ctx.session,
    )
    try:
        await client.get_token()
    except LastFmApiKeyError as err:
        raise ConfigEntryAuthFailed(REJECTED) from err
    except LastFmRateLimitError:
        pass
    except LastFmError as err:
        raise ConfigEntryNotReady(f"Could not reach Last.fm at {client.base_url}") from err
    service = LastFmService(client)
    ctx.providers.scrobblers[DOMAIN] = service
    return LastFmRuntime(client, service)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the service (the client uses the app's shared session)."""
    if isinstance(ctx.providers.scrobblers.get(DOMAIN), LastFmService):
        del ctx.providers.scrobblers[DOMAIN]
