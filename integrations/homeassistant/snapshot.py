"""A snapshot of users and sensors as MQTT messages: discovery configs and retained states."""

from __future__ import annotations

import json
from typing import Any

from integrations.homeassistant.entities_install import (
    connectivity_topic,
    install_configs,
)
from integrations.homeassistant.entities_user import user_configs
from integrations.homeassistant.models import BridgeConfig, valid_id
from integrations.homeassistant.naming import user_slugs


def dumps(value: Any) -> str:
    """Compact JSON, as every payload is published."""
    return json.dumps(value, separators=(",", ":"), default=str)


def _users(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in snapshot.get("users", []) if valid_id(str(u.get("user_id", "")))]


def snapshot_configs(config: BridgeConfig, snapshot: dict[str, Any]) -> dict[str, Any]:
    """Every discovery config for a snapshot; the install's device first (users link to it)."""
    out = install_configs(
        config,
        list(snapshot.get("integrations", [])),
        list(snapshot.get("install_triggers", [])),
    )
    users = _users(snapshot)
    slugs = user_slugs((str(u["user_id"]), str(u["name"])) for u in users)
    for user in users:
        out |= user_configs(
            config,
            user,
            slugs[str(user["user_id"])],
            list(snapshot.get("user_triggers", [])),
            list(snapshot.get("radio_modes", [])),
        )
    return out


def state_payload(state: Any, attributes: dict[str, Any] | None) -> str:
    """One sensor's state and attributes as the single JSON message Home Assistant reads."""
    return dumps({"state": state, "attributes": attributes or {}})


def state_topic(config: BridgeConfig, user_id: str | None, sensor: str) -> str | None:
    """Where a sensor's value goes, or None for a user id that cannot be a topic level."""
    if user_id is None:
        return config.install_topic(sensor)
    return config.user_topic(user_id, sensor) if valid_id(user_id) else None


def snapshot_states(config: BridgeConfig, snapshot: dict[str, Any]) -> dict[str, str]:
    """Every retained state message for a snapshot."""
    out: dict[str, str] = {}
    install = snapshot.get("install", {}).get("sensors", {})
    for sensor, value in install.items():
        out[config.install_topic(sensor)] = state_payload(value["state"], value["attributes"])
    for user in _users(snapshot):
        uid = str(user["user_id"])
        for sensor, value in user.get("sensors", {}).items():
            out[config.user_topic(uid, sensor)] = state_payload(value["state"], value["attributes"])
    for entry in snapshot.get("integrations", []):
        entry_id = str(entry["entry_id"])
        if valid_id(entry_id):
            out[connectivity_topic(config, entry_id)] = "ON" if entry.get("connected") else "OFF"
    return out
