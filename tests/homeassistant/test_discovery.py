"""MQTT discovery on the real broker: snapshot, required keys, entity ids, devices, retain rules."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import pytest
from aiohttp.test_utils import TestClient

from companion import __version__, keys
from companion.accounts.models import User
from companion.automation.state import USER_TRIGGERS
from companion.events import Event
from companion.settings import Settings
from tests.homeassistant.conftest import MqttNames, MqttProbe, Received

SNAPSHOT = Path(__file__).parent / "snapshots" / "discovery.json"
PUBLIC_URL = "https://music.example.org"
ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
BOB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
# Per user: 4 sensors, "playing", the cover image, the radio mode select, 2 buttons, an event
# entity and 10 device triggers. Per install: 4 diagnostic sensors, the refresh button, the
# library event entity and 2 triggers (no connectivity entity for the bridge's own entry).
PER_USER = 20
EXPECTED_CONFIGS = 2 * PER_USER + 8

# Required keys per component (reference services.md §6a, from Home Assistant core's schemas).
REQUIRED = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "button": {"command_topic"},
    "select": {"command_topic", "options"},
    "image": {"url_topic"},
    "event": {"state_topic", "event_types"},
    "device_automation": {"automation_type", "topic", "type", "subtype", "device"},
}
# The unique ids of entities that existed before this release: Home Assistant keys its entity
# registry on them, so they must not change (existing entity ids survive through them).
EARLIER_UNIQUE_IDS = {"now_playing", "last_favorite", "plays_today", "radio", "music"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A public URL: the device links to it and artwork is offered."""
    return replace(settings, public_url=PUBLIC_URL)


async def _users(client: TestClient[Any, Any]) -> None:
    for name, jid in (("Alice", ALICE), ("Bob", BOB)):
        await User.create(name=name, jellyfin_id=jid)
        # What a real sign-in announces; the automation view then includes the user.
        client.app[keys.BUS].publish(Event("user.signed_in", {"name": name}, user_id=jid))


def _is_config(names: MqttNames) -> Any:
    return lambda m: m.topic.startswith(f"{names.prefix}/") and m.topic.endswith("/config")


def _normalise(configs: dict[str, Any], names: MqttNames) -> dict[str, Any]:
    text = json.dumps(configs, sort_keys=True, indent=1)
    text = text.replace(names.prefix, "<prefix>").replace(names.node_id, "<node>")
    text = text.replace(__version__, "<version>")
    result: dict[str, Any] = json.loads(text)
    return result


def _latest_configs(messages: list[Received]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in messages:
        if m.payload:
            out[m.topic] = m.json()
        else:
            out.pop(m.topic, None)
    return out


async def _all_configs(
    client: TestClient[Any, Any], probe: MqttProbe, names: MqttNames
) -> dict[str, Any]:
    await _users(client)
    await probe.wait_for(
        lambda m: _is_config(names)(m) and BOB in m.topic and USER_TRIGGERS[-1] in m.topic
    )
    found = await probe.wait_for(_is_config(names), count=EXPECTED_CONFIGS)
    return _latest_configs(found)


async def test_discovery_payloads_match_snapshot_and_reference(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    configs = await _all_configs(bridge_client, probe, mqtt_names)
    assert len(configs) == EXPECTED_CONFIGS
    install_id = f"jellyfin_companion_{mqtt_names.node_id}"
    entity_ids: list[str] = []
    for topic, payload in configs.items():
        prefix, component, node, object_id, tail = topic.split("/")
        assert (prefix, node, tail) == (mqtt_names.prefix, mqtt_names.node_id, "config")
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", object_id)
        missing = REQUIRED[component] - set(payload)
        assert not missing, f"{topic} lacks {missing}"
        # object_id is deprecated since Home Assistant 2025.10 and ignored from 2026.4.
        assert "object_id" not in payload
        device = payload["device"]
        user = ALICE if ALICE in object_id else BOB if BOB in object_id else None
        if user is None:
            assert device["identifiers"] == [install_id]
            assert device["configuration_url"] == PUBLIC_URL
            assert {"name", "manufacturer", "model", "sw_version"} <= set(device)
        else:
            assert device["identifiers"] == [f"{install_id}_{user}"]
            assert device["via_device"] == install_id
            assert device["name"] == ("Alice" if user == ALICE else "Bob")
        assert payload["origin"]["support_url"] == f"{PUBLIC_URL}/automation"
        if component == "device_automation":
            assert payload["automation_type"] == "trigger"
            continue
        assert payload["unique_id"] == f"{mqtt_names.node_id}_{object_id}"
        assert payload["availability_topic"] == f"{mqtt_names.base}/availability"
        default = payload["default_entity_id"]
        assert re.fullmatch(rf"{component}\.[a-z0-9_]+", default), default
        assert not re.search(r"[0-9a-f]{32}", default), default
        entity_ids.append(default)
        if component == "button":
            assert json.loads(payload["payload_press"])["action"] in (
                "vibe.start",
                "favorite.current",
                "library.refresh",
            )
    assert len(entity_ids) == len(set(entity_ids)), "default entity ids must be unique"
    alice = {e for e in entity_ids if ".alice_" in e}
    assert alice == {
        "sensor.alice_now_playing",
        "binary_sensor.alice_playing",
        "sensor.alice_last_favorite",
        "sensor.alice_plays_today",
        "image.alice_cover",
        "select.alice_radio_mode",
        "button.alice_start_radio",
        "button.alice_favorite_current_track",
        "sensor.alice_last_command",
        "event.alice_music",
    }
    unique_ids = {p.get("unique_id") for p in configs.values()}
    assert {f"{mqtt_names.node_id}_{ALICE}_{k}" for k in EARLIER_UNIQUE_IDS} <= unique_ids

    snapshot = _normalise(configs, mqtt_names)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snapshot, sort_keys=True, indent=1) + "\n")
    assert snapshot == json.loads(SNAPSHOT.read_text())


async def test_templates_read_the_published_values(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    """Each entity's templates, rendered the way Home Assistant does, find their values."""
    configs = await _all_configs(bridge_client, probe, mqtt_names)
    env = jinja2.Environment(autoescape=False)
    checked = 0
    for payload in configs.values():
        # The cover has no value until a track with art plays (tests/homeassistant/test_artwork).
        topic, template = payload.get("state_topic"), payload.get("value_template")
        if not topic or not template:
            continue
        message = (await probe.wait_for(lambda m, t=topic: m.topic == t and bool(m.payload)))[-1]
        value_json = message.json()
        rendered = env.from_string(template).render(value_json=value_json)
        assert rendered not in ("", "None"), (payload["name"], rendered)
        if "json_attributes_template" in payload:
            attributes = env.from_string(payload["json_attributes_template"]).render(
                value_json=value_json
            )
            assert json.loads(attributes) == value_json["attributes"]
        checked += 1
    # 5 sensors and "playing" per user, the radio select; the install's 4 sensors.
    assert checked >= 2 * 6 + 4


async def test_configs_and_states_are_retained_and_availability_online(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _all_configs(bridge_client, probe, mqtt_names)
    await probe.wait_for(lambda m: m.topic.endswith(f"{BOB}/last_command"))
    # A subscriber arriving later (Home Assistant starting) gets them from the broker.
    late = MqttProbe(mqtt_names.filters)
    await late.start()
    try:
        # Configs, availability, 5 values per user, 4 of the install.
        retained = await late.wait_for(lambda m: m.retain, count=EXPECTED_CONFIGS + 1 + 10 + 4)
        topics = {m.topic for m in retained}
        base = mqtt_names.base
        assert late.latest(f"{base}/availability").payload == "online"  # type: ignore[union-attr]
        now_playing = late.latest(f"{base}/user/{ALICE}/now_playing")
        assert now_playing is not None and now_playing.json()["state"] == "idle"
        assert f"{base}/user/{ALICE}/plays_today" in topics
        version = late.latest(f"{base}/install/version")
        assert version is not None and version.json()["state"] == __version__
        bridge_error = late.latest(f"{base}/install/bridge_error")
        assert bridge_error is not None and bridge_error.json()["state"] == "none"
        # Command, event and trigger topics are never retained.
        assert not any("/trigger/" in t or t.endswith("/event") or "/command" in t for t in topics)
    finally:
        await late.stop()


async def test_birth_message_republishes_discovery(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _all_configs(bridge_client, probe, mqtt_names)
    before = len([m for m in probe.messages if _is_config(mqtt_names)(m)])
    await probe.publish(f"{mqtt_names.prefix}/status", "online")
    await probe.wait_for(_is_config(mqtt_names), count=before + EXPECTED_CONFIGS)
    # Another prefix's birth (a different Home Assistant) changes nothing here.
    (entry,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")
    assert entry.runtime_data.stats["births"] == 1


async def test_users_signed_out_for_good_are_deleted(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _all_configs(bridge_client, probe, mqtt_names)
    await User.filter(jellyfin_id=BOB).update(is_active=False)
    # Home Assistant restarting (its birth message) makes the bridge ask for a fresh view.
    await probe.publish(f"{mqtt_names.prefix}/status", "online")
    deleted = await probe.wait_for(
        lambda m: _is_config(mqtt_names)(m) and BOB in m.topic and m.payload == "",
        count=PER_USER,
    )
    assert len({m.topic for m in deleted}) == PER_USER
    # Their retained values go too; Alice's stay.
    await probe.wait_for(
        lambda m: m.topic == f"{mqtt_names.base}/user/{BOB}/now_playing" and m.payload == ""
    )
    assert not [m for m in probe.messages if ALICE in m.topic and m.payload == ""]
