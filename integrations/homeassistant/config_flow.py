"""Config flow of the Home Assistant bridge: broker, credentials, TLS, discovery prefix."""

from __future__ import annotations

import uuid
from typing import Any

import aiomqtt

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.homeassistant.client import connected
from integrations.homeassistant.const import DEFAULT_DISCOVERY_PREFIX, DEFAULT_PORT
from integrations.homeassistant.exceptions import (
    HomeAssistantMqttAuthError,
    HomeAssistantMqttConnectionError,
)
from integrations.homeassistant.models import BridgeConfig, valid_id, valid_prefix
from integrations.homeassistant.setup import default_node_id

SCHEMA = (
    Field("host", "Broker host", help="The MQTT broker Home Assistant uses, e.g. core-mosquitto."),
    Field("port", "Port", type="integer", default=DEFAULT_PORT, minimum=1, maximum=65535),
    Field("username", "Username", required=False),
    Field("password", "Password", type="password", required=False),
    Field("tls", "Use TLS", type="boolean", default=False, required=False),
    Field(
        "discovery_prefix",
        "Discovery prefix",
        default=DEFAULT_DISCOVERY_PREFIX,
        help="Home Assistant's MQTT discovery prefix (Settings → MQTT → Configure).",
    ),
    Field(
        "node_id",
        "Node id",
        required=False,
        help="Letters, digits, _ and -; names this install's topics. Derived from the install "
        "when empty.",
    ),
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Connect to the broker and subscribe to Home Assistant's status topic."""
    config = BridgeConfig.from_data(data, default_node_id(ctx))
    if not valid_prefix(config.discovery_prefix):
        raise CannotConnect("The discovery prefix may only hold letters, digits, _, - and /.")
    if not valid_id(config.node_id):
        raise CannotConnect("The node id may only hold letters, digits, _ and -.")
    try:
        async with connected(
            config, f"companion-test-{uuid.uuid4().hex[:8]}", with_will=False
        ) as c:
            await c.subscribe(config.status_topic)
    except HomeAssistantMqttAuthError as err:
        raise InvalidAuth("The MQTT broker refused the username or password.") from err
    except (HomeAssistantMqttConnectionError, aiomqtt.MqttError) as err:
        raise CannotConnect(
            f"Could not reach the MQTT broker at {config.host}:{config.port}. Check the host, "
            "port and TLS setting."
        ) from err
    return FlowResult(ok=True, title=f"MQTT broker at {config.host}:{config.port}")
