"""Availability: online while connected, offline on a clean stop, the last will when killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event, EventBus
from integrations.homeassistant.bridge import HomeAssistantBridge
from integrations.homeassistant.models import BridgeConfig
from tests.homeassistant.conftest import (
    BROKER_HOST,
    BROKER_PORT,
    AuthBroker,
    MqttNames,
    MqttProbe,
)

# A companion process reduced to its bridge: the event bus and the MQTT connection.
CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from companion.events import EventBus
    from integrations.homeassistant.bridge import HomeAssistantBridge
    from integrations.homeassistant.models import BridgeConfig

    async def main() -> None:
        config = BridgeConfig(host=sys.argv[1], port=int(sys.argv[2]),
                              discovery_prefix=sys.argv[3], node_id=sys.argv[4])
        bridge = HomeAssistantBridge(config, EventBus(), "child-" + sys.argv[4])
        bridge.start()
        await asyncio.wait_for(bridge.connected.wait(), 10)
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def test_last_will_marks_device_offline_when_the_companion_dies(
    mqtt_names: MqttNames, probe: MqttProbe
) -> None:
    availability = f"{mqtt_names.base}/availability"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        BROKER_HOST,
        str(BROKER_PORT),
        mqtt_names.prefix,
        mqtt_names.node_id,
        stdout=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 15)
        assert line.strip() == b"ready"
        await probe.wait_for(lambda m: m.topic == availability and m.payload == "online")
        # SIGKILL: no clean disconnect, so only the broker's last will can say "offline".
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 5)
        await probe.wait_for(lambda m: m.topic == availability and m.payload == "offline")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    # The will is retained: Home Assistant starting later still sees the device offline.
    late = MqttProbe([availability])
    await late.start()
    try:
        (message,) = await late.wait_for(lambda m: m.retain)
        assert message.payload == "offline"
    finally:
        await late.stop()


async def test_clean_unload_publishes_offline(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    availability = f"{mqtt_names.base}/availability"
    await probe.wait_for(lambda m: m.topic == availability and m.payload == "online")
    entries = bridge_client.app[keys.ENTRIES]
    (entry,) = entries.entries("homeassistant")
    await entries.reload(entry.entry_id)
    # Unload says offline; the new setup says online again.
    await probe.wait_for(lambda m: m.topic == availability and m.payload == "offline")
    await probe.wait_for(lambda m: m.topic == availability and m.payload == "online", count=2)


async def test_diagnostics_are_redacted(
    bridge_client: TestClient[Any, Any], admin_headers: dict[str, str], mqtt_names: MqttNames
) -> None:
    (entry,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")
    resp = await bridge_client.get(
        f"/api/integrations/{entry.entry_id}/diagnostics", headers=admin_headers
    )
    assert resp.status == 200
    body = await resp.json()
    text = str(body)
    assert "connected" in text and mqtt_names.node_id in text


async def test_reconnects_and_republishes_after_the_broker_restarts(
    auth_broker: AuthBroker,
) -> None:
    node = f"node_{uuid.uuid4().hex[:8]}"
    config = BridgeConfig(
        host=BROKER_HOST,
        port=auth_broker.port,
        username=auth_broker.username,
        password=auth_broker.password,
        discovery_prefix=f"hatest_{node}",
        node_id=node,
    )
    bus = EventBus()
    bridge = HomeAssistantBridge(config, bus, f"test-{node}")
    bridge.start()
    try:
        await asyncio.wait_for(bridge.connected.wait(), 5)
        snapshot = {
            "users": [
                {
                    "user_id": "c" * 32,
                    "name": "Carol",
                    "now_playing": {"state": "Airbag", "attributes": {"artist": "Radiohead"}},
                    "last_favorite": {"state": "none", "attributes": {}},
                    "plays_today": 3,
                }
            ],
            "integrations": [],
            "user_triggers": ["favorite_added"],
            "install_triggers": [],
        }
        bus.publish(Event("automation.snapshot", snapshot))
        await _until(lambda: bridge.diagnostics()["retained_states"] == 5)
        auth_broker.stop()
        await _until(lambda: not bridge.connected.is_set())
        await auth_broker.start()
        await asyncio.wait_for(bridge.connected.wait(), 10)
        # Publishing is asynchronous: give the broker a moment to take the republished messages.
        await asyncio.sleep(0.3)
        # The restarted broker lost everything; the bridge put it all back, retained.
        probe = MqttProbe(
            [f"{config.base}/#", f"{config.discovery_prefix}/#"],
            port=auth_broker.port,
            username=auth_broker.username,
            password=auth_broker.password,
        )
        await probe.start()
        try:
            plays = f"{config.base}/user/{'c' * 32}/plays_today/state"
            (found,) = await probe.wait_for(lambda m: m.retain and m.topic == plays)
            assert found.payload == "3"
            await probe.wait_for(
                lambda m: (
                    m.retain and m.topic == config.availability_topic and m.payload == "online"
                )
            )
            await probe.wait_for(lambda m: m.retain and m.topic.endswith("/config"), count=7)
        finally:
            await probe.stop()
    finally:
        await bridge.stop()
        await bus.close()


async def _until(check: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)
