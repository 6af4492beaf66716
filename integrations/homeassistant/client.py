"""Building MQTT clients for the bridge, with TLS, the last will and mapped errors."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomqtt
from paho.mqtt.reasoncodes import ReasonCode

from integrations.homeassistant.const import CONNECT_TIMEOUT, OFFLINE
from integrations.homeassistant.exceptions import (
    HomeAssistantMqttAuthError,
    HomeAssistantMqttConnectionError,
)
from integrations.homeassistant.models import BridgeConfig

# CONNACK return codes (MQTT 3.1.1: 4, 5; MQTT 5: 134, 135) meaning the credentials were refused.
_AUTH_CODES = {4, 5, 134, 135}


def _is_auth_error(err: aiomqtt.MqttError) -> bool:
    rc = getattr(err, "rc", None)
    value = rc.value if isinstance(rc, ReasonCode) else rc
    return value in _AUTH_CODES


def build_client(config: BridgeConfig, identifier: str, *, with_will: bool) -> aiomqtt.Client:
    """An unconnected client; with_will sets `<base>/availability` = offline as the last will."""
    will = (
        aiomqtt.Will(config.availability_topic, OFFLINE, qos=1, retain=True) if with_will else None
    )
    return aiomqtt.Client(
        config.host,
        config.port,
        username=config.username,
        password=config.password,
        identifier=identifier,
        will=will,
        keepalive=config.keepalive,
        timeout=CONNECT_TIMEOUT,
        tls_context=ssl.create_default_context() if config.tls else None,
    )


@asynccontextmanager
async def connected(
    config: BridgeConfig, identifier: str, *, with_will: bool = True
) -> AsyncIterator[aiomqtt.Client]:
    """Connect (bounded in time), yield the client, disconnect; errors mapped to ours."""
    client = build_client(config, identifier, with_will=with_will)
    try:
        await asyncio.wait_for(client.__aenter__(), CONNECT_TIMEOUT)
    except aiomqtt.MqttError as err:
        if _is_auth_error(err):
            raise HomeAssistantMqttAuthError(
                f"The MQTT broker at {config.host}:{config.port} refused the credentials"
            ) from err
        raise HomeAssistantMqttConnectionError(
            f"Could not connect to the MQTT broker at {config.host}:{config.port}: {err}"
        ) from err
    except (TimeoutError, OSError, ssl.SSLError) as err:
        raise HomeAssistantMqttConnectionError(
            f"Could not connect to the MQTT broker at {config.host}:{config.port}"
        ) from err
    try:
        yield client
    finally:
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError, OSError):
            await asyncio.wait_for(client.__aexit__(None, None, None), CONNECT_TIMEOUT)
