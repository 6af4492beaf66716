"""Availability: online while connected, offline on a clean stop, the last will when killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import textwrap
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event, EventBus
from companion.integration.diagnostics import REDACTED
from integrations.homeassistant.bridge import HomeAssistantBridge
from integrations.homeassistant.models import BridgeConfig
from tests.homeassistant.conftest import (
    BROKER_HOST,
    BROKER_PORT,
    AuthBroker,
    MqttNames,
    MqttProbe,
)

PASSWORD = "mqtt-secret-0451"

# A companion process reduced to its bridge: the event bus and the MQTT connection. It says
# "ready" each time it is connected, so a reconnection is a positive signal.
CHILD = textwrap.dedent(
    """
    import asyncio, logging, sys
    from companion.events import EventBus
    from integrations.homeassistant.bridge import HomeAssistantBridge
    from integrations.homeassistant.models import BridgeConfig

    async def main() -> None:
        logging.basicConfig(level=logging.INFO)
        config = BridgeConfig(host=sys.argv[1], port=int(sys.argv[2]),
                              discovery_prefix=sys.argv[3], node_id=sys.argv[4],
                              keepalive=int(sys.argv[5]))
        bridge = HomeAssistantBridge(config, EventBus(), "child-" + sys.argv[4])
        bridge.start()
        while True:
            await asyncio.wait_for(bridge.connected.wait(), 60)
            print("ready", flush=True)
            while bridge.connected.is_set():
                await asyncio.sleep(0.05)

    asyncio.run(main())
    """
)


async def _child(names: MqttNames, keepalive: int = 30) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        BROKER_HOST,
        str(BROKER_PORT),
        names.prefix,
        names.node_id,
        str(keepalive),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )


async def test_last_will_marks_device_offline_when_the_companion_dies(
    mqtt_names: MqttNames, probe: MqttProbe
) -> None:
    availability = f"{mqtt_names.base}/availability"
    proc = await _child(mqtt_names)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.strip() == b"ready"
        await probe.wait_for(lambda m: m.topic == availability and m.payload == "online")
        # SIGKILL: no clean disconnect, so only the broker's last will can say "offline".
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 30)
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


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """Credentials for the bridge (the shared broker allows anonymous clients and ignores
    them), so diagnostics have a password to hide."""
    return {**environ, "MQTT_USERNAME": "ha-user", "MQTT_PASSWORD": PASSWORD}


async def test_diagnostics_are_redacted(
    bridge_client: TestClient[Any, Any], admin_headers: dict[str, str], mqtt_names: MqttNames
) -> None:
    (entry,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")
    assert entry.data["password"] == PASSWORD
    resp = await bridge_client.get(
        f"/api/integrations/{entry.entry_id}/diagnostics", headers=admin_headers
    )
    assert resp.status == 200
    body = await resp.json()
    assert PASSWORD not in json.dumps(body)
    assert body["data"]["password"] == REDACTED
    assert body["data"]["username"] == "ha-user"
    assert body["integration"]["connected"] is True
    assert body["integration"]["base_topic"] == mqtt_names.base


async def test_sigstop_sigcont_reconnects_quietly(mqtt_names: MqttNames, probe: MqttProbe) -> None:
    """A paused process (SIGSTOP, a suspended VM) loses the broker and comes back without a
    traceback: the reconnect is logged once, as a warning and an info line."""
    availability = f"{mqtt_names.base}/availability"
    # A short keepalive: the broker gives up on the paused client after 1.5 x 2 s.
    proc = await _child(mqtt_names, keepalive=2)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"ready\n"
        await probe.wait_for(lambda m: m.topic == availability and m.payload == "online")
        proc.send_signal(signal.SIGSTOP)
        # The broker's last will says the paused companion is gone.
        await probe.wait_for(lambda m: m.topic == availability and m.payload == "offline", 30)
        proc.send_signal(signal.SIGCONT)
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"ready\n"
        await probe.wait_for(
            lambda m: m.topic == availability and m.payload == "online", 30, count=2
        )
    finally:
        if proc.returncode is None:
            proc.kill()
        _, stderr = await proc.communicate()
    log = stderr.decode()
    assert "Traceback" not in log and "Bad file descriptor" not in log, log
    assert "is available again" in log, log


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
        await asyncio.wait_for(bridge.connected.wait(), 30)
        snapshot = {
            "users": [
                {
                    "user_id": "c" * 32,
                    "name": "Carol",
                    "sensors": {
                        "now_playing": {"state": "Airbag", "attributes": {"artist": "Radiohead"}},
                        "plays_today": {"state": 3, "attributes": {}},
                    },
                }
            ],
            "install": {"sensors": {}},
            "integrations": [],
            "user_triggers": ["favorite_added"],
            "install_triggers": [],
            "radio_modes": ["recent"],
        }
        bus.publish(Event("automation.snapshot", snapshot))
        # Two user values and the bridge's own last error.
        await _until(lambda: bridge.diagnostics()["retained_states"] == 3)
        configs = bridge.diagnostics()["discovery_configs"]
        auth_broker.stop()
        await _until(lambda: not bridge.connected.is_set())
        await auth_broker.start()
        await asyncio.wait_for(bridge.connected.wait(), 30)
        filters = [f"{config.base}/#", f"{config.discovery_prefix}/#"]
        credentials = {
            "port": auth_broker.port,
            "username": auth_broker.username,
            "password": auth_broker.password,
        }
        plays = f"{config.base}/user/{'c' * 32}/plays_today"
        # First a positive signal that the broker has taken the republished messages (live or
        # retained, whichever way this subscriber got them) ...
        watcher = MqttProbe(filters, **credentials)  # type: ignore[arg-type]
        await watcher.start()
        try:
            await watcher.wait_for(
                lambda m: m.topic.endswith("/config") and bool(m.payload), count=configs
            )
            await watcher.wait_for(lambda m: m.topic == plays)
        finally:
            await watcher.stop()
        # ... then the proof: the restarted broker lost everything, the bridge put it all back
        # retained, as Home Assistant starting now would get it.
        probe = MqttProbe(filters, **credentials)  # type: ignore[arg-type]
        await probe.start()
        try:
            (found,) = await probe.wait_for(lambda m: m.retain and m.topic == plays)
            assert found.json()["state"] == 3
            await probe.wait_for(
                lambda m: (
                    m.retain and m.topic == config.availability_topic and m.payload == "online"
                )
            )
            await probe.wait_for(lambda m: m.retain and m.topic.endswith("/config"), count=configs)
        finally:
            await probe.stop()
    finally:
        await bridge.stop()
        await bus.close()


async def _until(check: Any, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)
