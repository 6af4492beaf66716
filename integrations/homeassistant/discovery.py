"""Home Assistant MQTT discovery payloads: one device per install, entities per user."""

from __future__ import annotations

import json
from typing import Any

from companion import __version__
from integrations.homeassistant.const import (
    BASE_ROOT,
    DEVICE_NAME,
    MANUFACTURER,
    MODEL,
    SUPPORT_URL,
)
from integrations.homeassistant.models import BridgeConfig, valid_id

# A user's entities and where their values come from.
SENSORS = ("now_playing", "last_favorite", "plays_today")
INSTALL = "companion"


def device(config: BridgeConfig) -> dict[str, Any]:
    """The one device of this install."""
    return {
        "identifiers": [f"{BASE_ROOT}_{config.node_id}"],
        "name": DEVICE_NAME,
        "manufacturer": MANUFACTURER,
        "model": MODEL,
        "sw_version": __version__,
    }


def origin() -> dict[str, Any]:
    """Who publishes the discovery messages."""
    return {"name": DEVICE_NAME, "sw_version": __version__, "support_url": SUPPORT_URL}


def _entity(config: BridgeConfig, unique_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "unique_id": unique_id,
        "object_id": unique_id,
        "device": device(config),
        "origin": origin(),
        "availability_topic": config.availability_topic,
        **extra,
    }


def _uid(config: BridgeConfig, *parts: str) -> str:
    return "_".join((config.node_id, *parts))


def user_configs(config: BridgeConfig, user: dict[str, Any], triggers: list[str]) -> dict[str, Any]:
    """Discovery configs of one user's sensors, button, event entity and device triggers."""
    uid, name = str(user["user_id"]), str(user["name"])
    out: dict[str, Any] = {}
    attrs = {"json_attributes_topic": config.user_topic(uid, "now_playing", "attributes")}
    out[config.discovery_topic("sensor", f"{uid}_now_playing")] = _entity(
        config,
        _uid(config, uid, "now_playing"),
        f"{name} now playing",
        state_topic=config.user_topic(uid, "now_playing", "state"),
        icon="mdi:music",
        **attrs,
    )
    out[config.discovery_topic("sensor", f"{uid}_last_favorite")] = _entity(
        config,
        _uid(config, uid, "last_favorite"),
        f"{name} last favorite",
        state_topic=config.user_topic(uid, "last_favorite", "state"),
        json_attributes_topic=config.user_topic(uid, "last_favorite", "attributes"),
        icon="mdi:heart",
    )
    out[config.discovery_topic("sensor", f"{uid}_plays_today")] = _entity(
        config,
        _uid(config, uid, "plays_today"),
        f"{name} plays today",
        state_topic=config.user_topic(uid, "plays_today", "state"),
        state_class="total_increasing",
        unit_of_measurement="plays",
        icon="mdi:counter",
    )
    press = {"action": "vibe.start", "user": uid, "mode": "recent", "play": "auto"}
    out[config.discovery_topic("button", f"{uid}_radio")] = _entity(
        config,
        _uid(config, uid, "radio"),
        f"{name}: start radio from my recent plays",
        command_topic=config.command_topic,
        payload_press=json.dumps(press, separators=(",", ":")),
        retain=False,
        icon="mdi:radio",
    )
    out[config.discovery_topic("event", f"{uid}_music")] = _entity(
        config,
        _uid(config, uid, "music"),
        f"{name} music",
        state_topic=config.user_topic(uid, "event"),
        event_types=list(triggers),
        icon="mdi:music-note",
    )
    for kind in triggers:
        out[config.discovery_topic("device_automation", f"{uid}_{kind}")] = {
            "automation_type": "trigger",
            "topic": config.user_topic(uid, "trigger", kind),
            "type": kind,
            "subtype": name,
            "device": device(config),
            "origin": origin(),
        }
    return out


def install_configs(
    config: BridgeConfig, integrations: list[dict[str, Any]], triggers: list[str]
) -> dict[str, Any]:
    """Discovery configs of the install: connectivity per integration, install-wide events."""
    out: dict[str, Any] = {}
    for entry in integrations:
        entry_id = str(entry["entry_id"])
        if not valid_id(entry_id):
            continue
        out[config.discovery_topic("binary_sensor", f"{entry_id}_connectivity")] = _entity(
            config,
            _uid(config, entry_id, "connectivity"),
            f"{entry.get('title') or entry.get('domain')} connected",
            state_topic=connectivity_topic(config, entry_id),
            device_class="connectivity",
            entity_category="diagnostic",
            payload_on="ON",
            payload_off="OFF",
        )
    out[config.discovery_topic("event", f"{INSTALL}_library")] = _entity(
        config,
        _uid(config, INSTALL, "library"),
        "Library",
        state_topic=f"{config.base}/event",
        event_types=list(triggers),
        icon="mdi:album",
    )
    for kind in triggers:
        out[config.discovery_topic("device_automation", f"{INSTALL}_{kind}")] = {
            "automation_type": "trigger",
            "topic": f"{config.base}/trigger/{kind}",
            "type": kind,
            "subtype": INSTALL,
            "device": device(config),
            "origin": origin(),
        }
    return out


def connectivity_topic(config: BridgeConfig, entry_id: str) -> str:
    """The retained ON/OFF state of one integration entry."""
    return f"{config.base}/integration/{entry_id}/state"


def snapshot_configs(config: BridgeConfig, snapshot: dict[str, Any]) -> dict[str, Any]:
    """Every discovery config for a snapshot of users and integrations."""
    out = install_configs(
        config, list(snapshot.get("integrations", [])), list(snapshot.get("install_triggers", []))
    )
    for user in snapshot.get("users", []):
        if valid_id(str(user.get("user_id", ""))):
            out |= user_configs(config, user, list(snapshot.get("user_triggers", [])))
    return out


def state_messages(
    config: BridgeConfig, user_id: str, sensor: str, value: dict[str, Any]
) -> dict[str, str]:
    """Retained state (and attributes) messages of one user sensor."""
    state = value.get("state")
    out = {config.user_topic(user_id, sensor, "state"): "" if state is None else str(state)}
    if sensor != "plays_today":
        out[config.user_topic(user_id, sensor, "attributes")] = json.dumps(
            value.get("attributes") or {}, separators=(",", ":"), default=str
        )
    return out


def snapshot_states(config: BridgeConfig, snapshot: dict[str, Any]) -> dict[str, str]:
    """Every retained state message for a snapshot."""
    out: dict[str, str] = {}
    for user in snapshot.get("users", []):
        uid = str(user.get("user_id", ""))
        if not valid_id(uid):
            continue
        for sensor in SENSORS:
            value = user.get(sensor)
            if sensor == "plays_today":
                value = {"state": value}
            out |= state_messages(config, uid, sensor, value or {})
    for entry in snapshot.get("integrations", []):
        entry_id = str(entry["entry_id"])
        if valid_id(entry_id):
            out[connectivity_topic(config, entry_id)] = "ON" if entry.get("connected") else "OFF"
    return out
