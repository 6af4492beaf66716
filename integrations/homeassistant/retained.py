"""Finding and deleting what a node left retained on the broker.

A scan subscribes to the filters, then sends itself a marker: the broker hands out retained
messages when the subscription is made, so everything retained has arrived once the marker
comes back. Everything is subscribed at QoS 0, which keeps the broker's delivery in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import aiomqtt

from integrations.homeassistant.const import BASE_ROOT, SCAN_TIMEOUT
from integrations.homeassistant.models import BridgeConfig, valid_id, valid_prefix

_LOGGER = logging.getLogger(__name__)


async def scan(
    client: aiomqtt.Client, filters: list[str], timeout: float = SCAN_TIMEOUT
) -> dict[str, bytes] | None:
    """Retained, non-empty messages under the filters; None when the scan did not finish."""
    marker = f"{BASE_ROOT}/_scan/{uuid.uuid4().hex}"
    found: dict[str, bytes] = {}
    for topic in [*filters, marker]:
        await client.subscribe(topic, qos=0)
    await client.publish(marker, b"end", qos=0)
    try:
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                topic = str(message.topic)
                if topic == marker:
                    break
                payload = message.payload
                if message.retain and isinstance(payload, bytes | bytearray) and payload:
                    found[topic] = bytes(payload)
    except TimeoutError:
        _LOGGER.warning("The MQTT broker did not finish listing retained messages in time")
        return None
    finally:
        for topic in [*filters, marker]:
            await client.unsubscribe(topic)
    return found


async def clear(client: aiomqtt.Client, topics: set[str] | list[str]) -> None:
    """Delete retained messages (an empty retained config also deletes the entity in HA)."""
    for topic in sorted(topics):
        await client.publish(topic, b"", qos=1, retain=True)


async def purge_node(client: aiomqtt.Client, config: BridgeConfig) -> int:
    """Delete every retained message of a node; return how many there were."""
    found = await scan(client, config.own_filters)
    if not found:
        return 0
    await clear(client, set(found))
    return len(found)


def previous_node(payload: bytes | None, config: BridgeConfig) -> BridgeConfig | None:
    """The node an install marker names, when it differs from the current one."""
    if not payload:
        return None
    try:
        data: Any = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    node, prefix = str(data.get("node_id", "")), str(data.get("discovery_prefix", ""))
    if not valid_id(node) or not valid_prefix(prefix):
        return None
    if (node, prefix) == (config.node_id, config.discovery_prefix):
        return None
    return BridgeConfig(host=config.host, node_id=node, discovery_prefix=prefix)


def marker_payload(config: BridgeConfig) -> str:
    """What an install marker says: the node id and discovery prefix in use."""
    return json.dumps(
        {"node_id": config.node_id, "discovery_prefix": config.discovery_prefix},
        separators=(",", ":"),
    )
