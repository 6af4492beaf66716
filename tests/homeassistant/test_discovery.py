"""MQTT discovery on the real broker: snapshot, required keys, retain rules, birth message."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from companion import __version__, keys
from companion.accounts.models import User
from companion.events import Event
from tests.homeassistant.conftest import MqttNames, MqttProbe, Received

SNAPSHOT = Path(__file__).parent / "snapshots" / "discovery.json"
ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
# Per user: 3 sensors, a button, an event entity, 6 device triggers. Per install: the
# connectivity of the bridge's own entry, the library event entity and its trigger.
EXPECTED_CONFIGS = 2 * 11 + 3

# Required keys per component (reference services.md §6a, from Home Assistant core's schemas).
REQUIRED = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "button": {"command_topic"},
    "event": {"state_topic", "event_types"},
    "device_automation": {"automation_type", "topic", "type", "subtype", "device"},
}


async def _users(client: TestClient[Any, Any]) -> None:
    for name, jid in (("Alice", ALICE), ("Bob", BOB)):
        await User.create(name=name, jellyfin_id=jid)
        # What a real sign-in announces; the automation view then includes the user.
        client.app[keys.BUS].publish(Event("user.signed_in", {"name": name}, user_id=jid))


def _is_config(names: MqttNames) -> Any:
    return lambda m: m.topic.startswith(f"{names.prefix}/") and m.topic.endswith("/config")


def _normalise(configs: dict[str, Any], names: MqttNames, entry_id: str) -> dict[str, Any]:
    text = json.dumps(configs, sort_keys=True, indent=1)
    text = text.replace(names.prefix, "<prefix>").replace(names.node_id, "<node>")
    text = text.replace(entry_id, "<entry>").replace(__version__, "<version>")
    result: dict[str, Any] = json.loads(text)
    return result


def _latest_configs(messages: list[Received]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in messages:
        if m.payload:
            out[m.topic] = m.json()
    return out


async def test_discovery_payloads_match_snapshot_and_reference(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _users(bridge_client)
    await probe.wait_for(
        lambda m: _is_config(mqtt_names)(m) and BOB in m.topic and "plays_today" in m.topic
    )
    found = await probe.wait_for(_is_config(mqtt_names), count=EXPECTED_CONFIGS)
    configs = _latest_configs(found)
    assert len(configs) == EXPECTED_CONFIGS
    (entry,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")

    for topic, payload in configs.items():
        prefix, component, node, object_id, tail = topic.split("/")
        assert (prefix, node, tail) == (mqtt_names.prefix, mqtt_names.node_id, "config")
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", object_id)
        missing = REQUIRED[component] - set(payload)
        assert not missing, f"{topic} lacks {missing}"
        device = payload["device"]
        assert device["identifiers"] == [f"jellyfin_companion_{mqtt_names.node_id}"]
        assert {"name", "manufacturer", "model", "sw_version"} <= set(device)
        if component != "device_automation":
            assert payload["unique_id"].startswith(mqtt_names.node_id)
            assert payload["availability_topic"] == f"{mqtt_names.base}/availability"
        if component == "button":
            assert json.loads(payload["payload_press"])["action"] == "vibe.start"
        if component == "device_automation":
            assert payload["automation_type"] == "trigger"

    snapshot = _normalise(configs, mqtt_names, entry.entry_id)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snapshot, sort_keys=True, indent=1) + "\n")
    assert snapshot == json.loads(SNAPSHOT.read_text())


async def test_configs_and_states_are_retained_and_availability_online(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _users(bridge_client)
    await probe.wait_for(_is_config(mqtt_names), count=EXPECTED_CONFIGS)
    await probe.wait_for(lambda m: m.topic.endswith(f"{BOB}/plays_today/state"))
    # A subscriber arriving later (Home Assistant starting) gets them from the broker.
    late = MqttProbe(mqtt_names.filters)
    await late.start()
    try:
        # Configs, availability, 5 state topics per user, one connectivity state.
        retained = await late.wait_for(lambda m: m.retain, count=EXPECTED_CONFIGS + 1 + 10 + 1)
        topics = {m.topic for m in retained}
        assert f"{mqtt_names.base}/availability" in topics
        assert late.latest(f"{mqtt_names.base}/availability").payload == "online"  # type: ignore[union-attr]
        assert f"{mqtt_names.base}/user/{ALICE}/now_playing/state" in topics
        assert late.latest(f"{mqtt_names.base}/user/{ALICE}/now_playing/state").payload == "idle"  # type: ignore[union-attr]
        assert f"{mqtt_names.base}/user/{ALICE}/plays_today/state" in topics
        (entry,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")
        connectivity = f"{mqtt_names.base}/integration/{entry.entry_id}/state"
        assert late.latest(connectivity).payload == "ON"  # type: ignore[union-attr]
        # Command, event and trigger topics are never retained.
        assert not any("/trigger/" in t or t.endswith("/event") or "/command" in t for t in topics)
    finally:
        await late.stop()


async def test_birth_message_republishes_discovery(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _users(bridge_client)
    await probe.wait_for(_is_config(mqtt_names), count=EXPECTED_CONFIGS)
    before = len([m for m in probe.messages if _is_config(mqtt_names)(m)])
    await probe.publish(f"{mqtt_names.prefix}/status", "online")
    await probe.wait_for(_is_config(mqtt_names), count=before + EXPECTED_CONFIGS)
    # Another prefix's birth (a different Home Assistant) changes nothing here.
    assert (
        bridge_client.app[keys.ENTRIES].entries("homeassistant")[0].runtime_data.stats["births"]
        == 1
    )


async def test_removed_user_entities_are_deleted(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _users(bridge_client)
    await probe.wait_for(_is_config(mqtt_names), count=EXPECTED_CONFIGS)
    state = bridge_client.app[keys.AUTOMATION].state
    await User.filter(jellyfin_id=BOB).update(is_active=False)
    state._users.pop(BOB)  # what a sign-out for good leaves behind
    bridge_client.app[keys.BUS].publish(Event("automation.sync_request", {}))
    deleted = await probe.wait_for(
        lambda m: _is_config(mqtt_names)(m) and BOB in m.topic and m.payload == "", count=11
    )
    assert len({m.topic for m in deleted}) == 11
