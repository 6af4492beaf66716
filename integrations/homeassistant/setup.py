"""Setting up and unloading the Home Assistant bridge."""

from __future__ import annotations

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.homeassistant.bridge import HomeAssistantBridge
from integrations.homeassistant.client import connected
from integrations.homeassistant.exceptions import (
    HomeAssistantMqttAuthError,
    HomeAssistantMqttConnectionError,
)
from integrations.homeassistant.models import BridgeConfig, valid_id, valid_prefix

NODE_ID_MESSAGE = "homeassistant-mqtt-node-id"


def default_node_id(ctx: IntegrationContext) -> str:
    """A stable node id per install (an HMAC under the install key; reveals nothing)."""
    return "companion_" + ctx.secret_box.sign(NODE_ID_MESSAGE)[:10]


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> HomeAssistantBridge:
    """Check the broker once, then run the bridge in the background."""
    config = BridgeConfig.from_data(entry.data, default_node_id(ctx))
    if not valid_prefix(config.discovery_prefix) or not valid_id(config.node_id):
        raise ConfigEntryAuthFailed("The discovery prefix or node id has invalid characters.")
    identifier = f"jellyfin-companion-{config.node_id}"
    try:
        async with connected(config, f"{identifier}-probe", with_will=False):
            pass
    except HomeAssistantMqttAuthError as err:
        raise ConfigEntryAuthFailed(str(err)) from err
    except HomeAssistantMqttConnectionError as err:
        raise ConfigEntryNotReady(str(err)) from err
    bridge = HomeAssistantBridge(config, ctx.bus, identifier)
    bridge.start()
    return bridge


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Publish offline and disconnect."""
    bridge: HomeAssistantBridge | None = entry.runtime_data
    if bridge is not None:
        await bridge.stop()
