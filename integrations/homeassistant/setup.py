"""Setting up, unloading and removing the Home Assistant bridge."""

from __future__ import annotations

import asyncio
import logging

import aiomqtt

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from integrations.homeassistant import retained
from integrations.homeassistant.bridge import HomeAssistantBridge
from integrations.homeassistant.client import connected
from integrations.homeassistant.exceptions import (
    HomeAssistantMqttAuthError,
    HomeAssistantMqttConnectionError,
    HomeAssistantMqttError,
)
from integrations.homeassistant.models import BridgeConfig, marker_topic, valid_id, valid_prefix

_LOGGER = logging.getLogger(__name__)

NODE_ID_MESSAGE = "homeassistant-mqtt-node-id"
INSTALL_MESSAGE = "homeassistant-mqtt-install"
REMOVE_TIMEOUT = 20.0


def default_node_id(ctx: IntegrationContext) -> str:
    """A stable node id per install (an HMAC under the install key; reveals nothing)."""
    return "companion_" + ctx.secret_box.sign(NODE_ID_MESSAGE)[:10]


def install_id(ctx: IntegrationContext) -> str:
    """This install's name on the broker, kept across node id changes (reveals nothing)."""
    return ctx.secret_box.sign(INSTALL_MESSAGE)[:16]


def _config(ctx: IntegrationContext, entry: ConfigEntry) -> BridgeConfig:
    return BridgeConfig.from_data(entry.data, default_node_id(ctx), ctx.settings.public_url)


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> HomeAssistantBridge:
    """Check the broker once, then run the bridge in the background."""
    config = _config(ctx, entry)
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
    bridge = HomeAssistantBridge(config, ctx.bus, identifier, install_id(ctx))

    async def start() -> None:
        bridge.start()

    # One broker connection per install: with replicas, the owner's (it runs the automation
    # state the bridge publishes, and a command from Home Assistant must run once).
    bridge.release = await ctx.cluster.run_singleton(
        f"homeassistant:{entry.entry_id}", start, bridge.stop
    )
    return bridge


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Publish offline and disconnect."""
    bridge: HomeAssistantBridge | None = entry.runtime_data
    if bridge is not None and bridge.release is not None:
        await bridge.release()
    elif bridge is not None:
        await bridge.stop()


async def async_remove_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """The entry is deleted: take every retained message of this node off the broker.

    Empty retained configs make Home Assistant delete the devices and entities; nothing is left
    behind "unavailable". A broker that cannot be reached is logged with the manual way out.
    """
    config = _config(ctx, entry)
    if not valid_prefix(config.discovery_prefix) or not valid_id(config.node_id):
        return
    try:
        async with (
            asyncio.timeout(REMOVE_TIMEOUT),
            connected(
                config, f"jellyfin-companion-{config.node_id}-remove", with_will=False
            ) as client,
        ):
            removed = await retained.purge_node(client, config)
            await retained.clear(client, [marker_topic(install_id(ctx))])
    except (HomeAssistantMqttError, aiomqtt.MqttError, TimeoutError) as err:
        _LOGGER.warning(
            "Could not remove the Home Assistant entities of node %s from the MQTT broker at "
            "%s (%s); see the README (Home automation, manual cleanup) to clear them by hand",
            config.node_id,
            config.host,
            err,
        )
        return
    _LOGGER.info("Removed %d retained MQTT messages of node %s", removed, config.node_id)
