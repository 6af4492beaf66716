"""The best judge: a real Home Assistant core, MQTT added through its config flow.

Skipped when no Home Assistant venv is found (see tests/homeassistant/real_ha.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.events import Event
from companion.library.models import LibraryTrack
from tests.homeassistant.conftest import BROKER_HOST, BROKER_PORT, MqttNames, MqttProbe
from tests.homeassistant.real_ha import HomeAssistant, ha_python, running_home_assistant

USER = "4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"
ITEM = "6213b704a0d954293110f4d561b0f614"
SESSION = "5c0e9f1b2a3d4c5b6a7980e1f2d3c4b5"
PYTHON = ha_python()

pytestmark = [
    pytest.mark.skipif(
        PYTHON is None, reason="no Home Assistant venv (tests/homeassistant/real_ha.py)"
    ),
    pytest.mark.timeout(300),
]


def _webhook(kind: str, **extra: Any) -> dict[str, Any]:
    body = {
        "NotificationType": kind,
        "UtcTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
        "Name": "Airbag",
        "ItemId": ITEM,
        "ItemType": "Audio",
        "RunTimeTicks": 2_840_000_000,
        "UserId": USER,
        "Id": SESSION,
        "DeviceName": "Kitchen speaker",
        "ClientName": "Finamp",
        "DeviceId": "d6f8",
    }
    return body | extra


async def _post(client: TestClient[Any, Any], body: dict[str, Any]) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    resp = await client.post(
        "/webhooks/jellyfin",
        data=json.dumps(body).encode(),
        headers={secret.header: secret.secret, "Content-Type": "application/json"},
    )
    assert resp.status == 200, await resp.text()


async def test_real_home_assistant_sees_the_devices_entities_and_one_state_change(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames, tmp_path: Path
) -> None:
    assert PYTHON is not None
    async with running_home_assistant(PYTHON, tmp_path / "ha") as ha:
        await ha.onboard()
        await ha.add_mqtt(BROKER_HOST, BROKER_PORT, mqtt_names.prefix)
        await ha.connect_ws()
        try:
            await _checks(ha, bridge_client, mqtt_names)
        finally:
            await ha.close()


async def _checks(ha: HomeAssistant, client: TestClient[Any, Any], names: MqttNames) -> None:
    await LibraryTrack.create(
        item_id=ITEM,
        title="Airbag",
        artists="Radiohead",
        artist_ids="",
        album="OK Computer",
        search_key="airbag",
    )
    await User.create(name="Alice", jellyfin_id=USER)
    client.app[keys.BUS].publish(Event("user.signed_in", {"name": "Alice"}, user_id=USER))

    # Readable entity ids, whichever way this HA version makes them (default_entity_id from
    # 2025.10, the device and entity names before).
    idle = await ha.wait_state("sensor.alice_now_playing", lambda s: s["state"] == "idle")
    assert idle["attributes"]["playback"] == "idle" and idle["attributes"]["artist"] is None
    states = await ha.states()
    expected = {
        "binary_sensor.alice_playing": "off",
        "sensor.alice_plays_today": "0",
        "sensor.alice_last_favorite": "none",
        "select.alice_radio_mode": "recent",
        "button.alice_start_radio": None,
        "button.alice_favorite_current_track": None,
        "sensor.alice_last_command": "none",
        "event.alice_music": None,
        "sensor.jellyfin_companion_library_size": None,
        "sensor.jellyfin_companion_bridge_last_error": "none",
        "button.jellyfin_companion_refresh_library": None,
    }
    for entity_id, state in expected.items():
        assert entity_id in states, (entity_id, sorted(s for s in states if "alice" in s))
        if state is not None:
            # Each entity subscribes when it is created; its retained value follows.
            await ha.wait_state(entity_id, lambda s, want=state: s["state"] == want)
    states = await ha.states()
    assert states["sensor.jellyfin_companion_library_size"]["state"].isdigit()
    assert not [e for e in states if e.endswith("_connected")], "no self-connectivity entity"

    # Alice's device hangs under the companion's.
    devices = await ha.call({"type": "config/device_registry/list"})
    install = next(d for d in devices if d["name"] == "Jellyfin Companion")
    alice = next(d for d in devices if d["name"] == "Alice")
    assert alice["via_device_id"] == install["id"]
    registry = await ha.call({"type": "config/entity_registry/list"})
    by_id = {e["entity_id"]: e for e in registry}
    assert by_id["sensor.alice_now_playing"]["unique_id"] == f"{names.node_id}_{USER}_now_playing"
    assert by_id["sensor.alice_now_playing"]["device_id"] == alice["id"]

    # One playback start is one state change, and it already carries the new track's details.
    start = len(ha.events)
    await _post(client, _webhook("PlaybackStart", PlaybackPositionTicks=0, IsPaused=False))
    changes = await ha.wait_changes(
        "sensor.alice_now_playing", lambda s: s["state"] == "Airbag", start
    )
    assert len(changes) == 1, changes
    attributes = changes[0]["new_state"]["attributes"]
    assert attributes["artist"] == "Radiohead" and attributes["playback"] == "playing"
    await ha.wait_changes("binary_sensor.alice_playing", lambda s: s["state"] == "on", start)
    (event,) = await ha.wait_changes(
        "event.alice_music",
        lambda s: s["attributes"].get("event_type") == "playback_started",
        start,
    )
    assert event["new_state"]["attributes"]["title"] == "Airbag"

    # A stop: one change to idle, nothing of the old track left.
    await _post(client, _webhook("PlaybackStop", PlaybackPositionTicks=1_200_000_000))
    changes = await ha.wait_changes(
        "sensor.alice_now_playing", lambda s: s["state"] == "idle", start
    )
    assert [c["new_state"]["state"] for c in changes] == ["Airbag", "idle"]
    assert changes[-1]["new_state"]["attributes"]["artist"] is None
    stopped = await ha.wait_changes(
        "event.alice_music",
        lambda s: s["attributes"].get("event_type") == "playback_stopped",
        start,
    )
    assert stopped[-1]["new_state"]["attributes"]["position"] == 120.0

    # A failed press is visible in HA: the radio button with nothing playing.
    await ha.call(
        {
            "type": "call_service",
            "domain": "button",
            "service": "press",
            "target": {"entity_id": "button.alice_start_radio"},
        }
    )
    failed = await ha.wait_changes("sensor.alice_last_command", lambda s: s["state"] == "failed")
    assert failed[-1]["new_state"]["attributes"]["code"] in (
        "no_active_session",
        "vibe_unavailable",
    )
