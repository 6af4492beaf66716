"""Setting up and unloading an AudioMuse-AI config entry."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.audiomuse.client import AudioMuseClient
from integrations.audiomuse.config_flow import REJECTED, SETUP_REQUIRED
from integrations.audiomuse.engine import AudioMuseEngine
from integrations.audiomuse.exceptions import (
    AudioMuseAuthenticationError,
    AudioMuseError,
    AudioMuseSetupRequiredError,
)
from integrations.audiomuse.neighbours import AudioMuseNeighbours


@dataclass
class AudioMuseRuntime:
    """What a loaded AudioMuse entry provides to the rest of the app."""

    client: AudioMuseClient
    engine: AudioMuseEngine
    version: str | None


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> AudioMuseRuntime:
    """Check AudioMuse answers with this token and register it as the similarity engine."""
    client = AudioMuseClient(entry.data["url"], entry.data.get("api_token"), session=ctx.session)
    try:
        config = await client.config()
    except AudioMuseAuthenticationError as err:
        raise ConfigEntryAuthFailed(REJECTED) from err
    except AudioMuseSetupRequiredError as err:
        # Finishing the wizard fixes it without touching the companion: keep retrying.
        raise ConfigEntryNotReady(SETUP_REQUIRED) from err
    except AudioMuseError as err:
        raise ConfigEntryNotReady(f"Could not reach AudioMuse-AI at {client.base_url}") from err
    engine = AudioMuseEngine(client)
    ctx.providers.similarity = engine
    # Weekly flows: neighbours with their names (tracks the library may lack).
    ctx.providers.known_similar = AudioMuseNeighbours(engine)
    version = config.get("app_version")
    return AudioMuseRuntime(
        client=client, engine=engine, version=version if isinstance(version, str) else None
    )


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the engine; the client uses the app's shared session."""
    if isinstance(ctx.providers.similarity, AudioMuseEngine):
        ctx.providers.similarity = None
    if isinstance(ctx.providers.known_similar, AudioMuseNeighbours):
        ctx.providers.known_similar = None
