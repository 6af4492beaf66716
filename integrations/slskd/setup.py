"""Setting up and unloading an slskd config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.slskd.client import SlskdClient
from integrations.slskd.config_flow import REJECTED, UNREACHABLE
from integrations.slskd.const import DEFAULT_DOWNLOADS_DIR
from integrations.slskd.exceptions import SlskdAuthenticationError, SlskdError
from integrations.slskd.provider import SlskdFiles


@dataclass
class SlskdRuntime:
    """What a loaded slskd entry provides to the rest of the app."""

    client: SlskdClient
    files: SlskdFiles
    version: str


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> SlskdRuntime:
    """Check slskd answers with this key and register it as the file source."""
    client = SlskdClient(entry.data["url"], entry.data["api_key"], session=ctx.session)
    try:
        app = await client.application()
    except SlskdAuthenticationError as err:
        raise ConfigEntryAuthFailed(REJECTED) from err
    except SlskdError as err:
        raise ConfigEntryNotReady(UNREACHABLE) from err
    files = SlskdFiles(client, str(entry.data.get("downloads_dir") or DEFAULT_DOWNLOADS_DIR))
    ctx.providers.files = files
    return SlskdRuntime(client=client, files=files, version=app.version)


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the file source; the client uses the app's shared session."""
    if isinstance(ctx.providers.files, SlskdFiles):
        ctx.providers.files = None
