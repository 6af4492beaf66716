"""Setting up and unloading a Lidarr config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.lidarr.client import LidarrClient
from integrations.lidarr.config_flow import REJECTED, UNREACHABLE
from integrations.lidarr.exceptions import LidarrAuthenticationError, LidarrError
from integrations.lidarr.provider import LidarrAlbums


@dataclass
class LidarrRuntime:
    """What a loaded Lidarr entry provides to the rest of the app."""

    client: LidarrClient
    albums: LidarrAlbums
    version: str


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> LidarrRuntime:
    """Check Lidarr answers with this key and register it as the album downloader."""
    client = LidarrClient(entry.data["url"], entry.data["api_key"], session=ctx.session)
    try:
        status = await client.status()
    except LidarrAuthenticationError as err:
        raise ConfigEntryAuthFailed(REJECTED) from err
    except LidarrError as err:
        raise ConfigEntryNotReady(UNREACHABLE) from err
    albums = LidarrAlbums(client)
    ctx.providers.albums = albums
    return LidarrRuntime(client=client, albums=albums, version=status.version)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the downloader; the client uses the app's shared session."""
    if isinstance(ctx.providers.albums, LidarrAlbums):
        ctx.providers.albums = None
