"""Building blocks of Home Assistant MQTT discovery: devices, origin, entities, JSON templates.

The install is one device; every signed-in user is a device of their own linked to it with
`via_device`. Each sensor's state and attributes travel in one JSON message on one topic, read
with `value_template` and `json_attributes_template`, so Home Assistant applies both at once.
"""

from __future__ import annotations

import json
from typing import Any

from companion import __version__
from integrations.homeassistant.const import (
    BASE_ROOT,
    DEVICE_NAME,
    DOCS_PATH,
    MANUFACTURER,
    MODEL,
    USER_MODEL,
)
from integrations.homeassistant.models import BridgeConfig

VALUE_TEMPLATE = "{{ value_json.state }}"
ATTRIBUTES_TEMPLATE = "{{ value_json.attributes | tojson }}"


def install_identifier(config: BridgeConfig) -> str:
    """The identifier of the install's device (unchanged since the first release)."""
    return f"{BASE_ROOT}_{config.node_id}"


def install_device(config: BridgeConfig) -> dict[str, Any]:
    """The one device of this install."""
    out: dict[str, Any] = {
        "identifiers": [install_identifier(config)],
        "name": DEVICE_NAME,
        "manufacturer": MANUFACTURER,
        "model": MODEL,
        "sw_version": __version__,
    }
    if config.public_url:
        out["configuration_url"] = config.public_url
    return out


def user_device(config: BridgeConfig, user_id: str, name: str) -> dict[str, Any]:
    """A user's device, shown under the install's device in Home Assistant."""
    out: dict[str, Any] = {
        "identifiers": [f"{install_identifier(config)}_{user_id}"],
        "name": name,
        "manufacturer": MANUFACTURER,
        "model": USER_MODEL,
        "via_device": install_identifier(config),
    }
    if config.public_url:
        out["configuration_url"] = config.public_url
    return out


def origin(config: BridgeConfig) -> dict[str, Any]:
    """Who publishes the discovery messages, and where its documentation is."""
    out: dict[str, Any] = {"name": DEVICE_NAME, "sw_version": __version__}
    if config.public_url:
        out["support_url"] = config.public_url + DOCS_PATH
    return out


def entity(
    config: BridgeConfig,
    device: dict[str, Any],
    unique_id: str,
    default_entity_id: str,
    name: str,
    **extra: Any,
) -> dict[str, Any]:
    """An entity's discovery config with the keys every entity carries."""
    return {
        "name": name,
        "unique_id": unique_id,
        "default_entity_id": default_entity_id,
        "device": device,
        "origin": origin(config),
        "availability_topic": config.availability_topic,
        **extra,
    }


def json_state(topic: str) -> dict[str, Any]:
    """Read the state from the `state` key of a JSON message."""
    return {"state_topic": topic, "value_template": VALUE_TEMPLATE}


def json_attributes(topic: str) -> dict[str, Any]:
    """Read the attributes from the `attributes` key of the same JSON message."""
    return {"json_attributes_topic": topic, "json_attributes_template": ATTRIBUTES_TEMPLATE}


def command(payload: dict[str, Any]) -> str:
    """A command payload as the bridge reads it from the command topic."""
    return json.dumps(payload, separators=(",", ":"))


def trigger(
    config: BridgeConfig, device: dict[str, Any], topic: str, kind: str, subtype: str
) -> dict[str, Any]:
    """A device trigger (`device_automation`) firing on each message to `topic`."""
    return {
        "automation_type": "trigger",
        "topic": topic,
        "type": kind,
        "subtype": subtype,
        "device": device,
        "origin": origin(config),
    }
