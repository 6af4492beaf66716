"""Nothing is left behind on the broker: entry removal, users gone, node id changes, leftovers."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.automation.state import USER_TRIGGERS
from companion.events import Event, EventBus
from integrations.homeassistant.bridge import HomeAssistantBridge
from integrations.homeassistant.models import BridgeConfig
from tests.homeassistant.conftest import (
    BROKER_HOST,
    BROKER_PORT,
    MqttNames,
    MqttProbe,
    clear_retained,
)

ALICE = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
GHOST = "9" * 32


async def _retained(filters: list[str]) -> dict[str, str]:
    """What the broker holds retained under the filters right now (complete: marker-checked)."""
    marker = f"hatest_marker/{uuid.uuid4().hex}"
    probe = MqttProbe([*filters, marker])
    await probe.start()
    try:
        await probe.publish(marker, "end")
        await probe.wait_for(lambda m: m.topic == marker)
        return {m.topic: m.payload for m in probe.messages if m.retain and m.payload}
    finally:
        await probe.stop()


async def _signed_in(client: TestClient[Any, Any], name: str, jellyfin_id: str) -> None:
    await User.create(name=name, jellyfin_id=jellyfin_id)
    client.app[keys.BUS].publish(Event("user.signed_in", {"name": name}, user_id=jellyfin_id))


class TestEntryRemoval:
    """Deleting the bridge's entry deletes its devices in Home Assistant."""

    @pytest.fixture
    def environ(self) -> dict[str, str]:
        """No bridge from the environment: the test adds one through the API."""
        return {}

    async def test_removing_the_entry_empties_every_retained_message(
        self,
        client: TestClient[Any, Any],
        admin_headers: dict[str, str],
        mqtt_names: MqttNames,
        probe: MqttProbe,
    ) -> None:
        data = {
            "host": BROKER_HOST,
            "port": BROKER_PORT,
            "discovery_prefix": mqtt_names.prefix,
            "node_id": mqtt_names.node_id,
        }
        resp = await client.post(
            "/api/integrations",
            json={"domain": "homeassistant", "data": data},
            headers=admin_headers,
        )
        assert resp.status == 201, await resp.text()
        entry_id = (await resp.json())["entry"]["entry_id"]
        entry = await client.app[keys.ENTRIES].wait_setup(entry_id)
        await asyncio.wait_for(entry.runtime_data.connected.wait(), 30)
        await _signed_in(client, "Alice", ALICE)
        # The user's last device trigger is the last config the bridge publishes for them.
        last = f"{ALICE}_{USER_TRIGGERS[-1]}/config"
        await probe.wait_for(lambda m: m.topic.endswith(last))
        before = await _retained(mqtt_names.filters)
        configs = [t for t in before if t.endswith("/config")]
        assert len(configs) > 20 and f"{mqtt_names.base}/user/{ALICE}/now_playing" in before

        resp = await client.delete(f"/api/integrations/{entry_id}", headers=admin_headers)
        assert resp.status in (200, 204), await resp.text()

        # Home Assistant receives an empty config for every entity and trigger: it deletes them.
        for topic in configs:
            await probe.wait_for(lambda m, t=topic: m.topic == t and m.payload == "")
        assert await _retained(mqtt_names.filters) == {}


async def test_leftovers_of_gone_users_and_retired_entities_are_removed_at_start(
    mqtt_names: MqttNames, probe: MqttProbe
) -> None:
    """A fresh data dir with the same node id, or an upgrade: what the broker still holds for
    this node but nothing publishes any more is emptied once the first snapshot is out."""
    names = mqtt_names
    ghosts = {
        # A user of the old data dir, in the layout of earlier releases.
        f"{names.prefix}/sensor/{names.node_id}/{GHOST}_now_playing/config": json.dumps(
            {"name": "Ghost now playing", "state_topic": f"{names.base}/user/{GHOST}/x"}
        ),
        f"{names.base}/user/{GHOST}/now_playing/state": "Airbag",
        # The retired "Home Assistant (MQTT) connected" sensor.
        f"{names.prefix}/binary_sensor/{names.node_id}/{'e' * 32}_connectivity/config": "{}",
    }
    seeder = MqttProbe([])
    await seeder.start()
    for topic, payload in ghosts.items():
        await seeder.publish(topic, payload, retain=True)
    await seeder.stop()
    assert set(ghosts) <= set(await _retained(names.filters))

    config = BridgeConfig(
        host=BROKER_HOST, port=BROKER_PORT, discovery_prefix=names.prefix, node_id=names.node_id
    )
    bus = EventBus()
    bridge = HomeAssistantBridge(config, bus, f"test-{names.node_id}", "install-a")
    bridge.start()
    try:
        await asyncio.wait_for(bridge.connected.wait(), 30)
        bus.publish(Event("automation.snapshot", _snapshot([(ALICE, "Alice")])))
        for topic in ghosts:
            await probe.wait_for(lambda m, t=topic: m.topic == t and m.payload == "")
        left = await _retained(names.filters)
        assert not set(ghosts) & set(left)
        assert f"{names.base}/user/{ALICE}/now_playing" in left
    finally:
        await bridge.stop()
        await bus.close()


async def test_a_new_node_id_removes_the_previous_one(probe: MqttProbe) -> None:
    """The same install (same key) under a new node id leaves no ghost device behind."""
    tag = uuid.uuid4().hex[:8]
    prefix = f"hatest_{tag}"
    old = BridgeConfig(
        host=BROKER_HOST, port=BROKER_PORT, discovery_prefix=prefix, node_id=f"old_{tag}"
    )
    new = BridgeConfig(
        host=BROKER_HOST, port=BROKER_PORT, discovery_prefix=prefix, node_id=f"new_{tag}"
    )
    install = f"install-{tag}"
    filters = [f"{prefix}/#", f"jellyfin_companion/old_{tag}/#", f"jellyfin_companion/new_{tag}/#"]
    watcher = MqttProbe(filters)
    await watcher.start()
    try:
        for config in (old, new):
            bus = EventBus()
            bridge = HomeAssistantBridge(config, bus, f"test-{config.node_id}", install)
            bridge.start()
            try:
                await asyncio.wait_for(bridge.connected.wait(), 30)
                bus.publish(Event("automation.snapshot", _snapshot([(ALICE, "Alice")])))
                await watcher.wait_for(
                    lambda m, n=config.node_id: (
                        f"/{n}/{ALICE}_music/config" in m.topic and bool(m.payload)
                    )
                )
            finally:
                await bridge.stop()
                await bus.close()
        left = await _retained(filters)
        assert not [t for t in left if f"old_{tag}" in t], left
        assert any(f"new_{tag}" in t for t in left)
    finally:
        await watcher.stop()
        await clear_retained(filters, node_id=f"new_{tag}")


def _snapshot(users: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "users": [
            {
                "user_id": uid,
                "name": name,
                "sensors": {"now_playing": {"state": "idle", "attributes": {}}},
            }
            for uid, name in users
        ],
        "install": {"sensors": {}},
        "integrations": [],
        "user_triggers": ["favorite_added"],
        "install_triggers": [],
        "radio_modes": ["recent"],
    }
