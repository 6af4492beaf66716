"""Commands from Home Assistant: the radio button builds a vibe queue and plays it; JSON commands."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.history.models import Play
from companion.library.models import Favorite
from companion.testing.jellyfin import FakeJellyfin
from companion.vibe.models import VibeQueue
from tests.automation.conftest import until, wire_demo
from tests.homeassistant.conftest import MqttNames, MqttProbe


async def _ready(client: TestClient[Any, Any]) -> None:
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("homeassistant")
    await entries.wait_setup(entry.entry_id)
    await asyncio.wait_for(entry.runtime_data.connected.wait(), 5)


async def test_radio_button_creates_a_vibe_queue_and_plays_it(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    client = jellyfin_app_client
    await _ready(client)
    env = await wire_demo(client, fake_jellyfin)
    lib = fake_jellyfin.library
    for t in (lib.tracks[3], lib.tracks[50]):
        session = await env.play(t.id, "start", position_ticks=0)
        await asyncio.sleep(0.05)
        await env.play(t.id, "stop", position_ticks=t.runtime_ticks)
    await until(lambda: Play.filter(user_id=env.user_id, counted=True).exists())

    # Press the button exactly as Home Assistant does: its payload_press on its command_topic.
    (config,) = await probe.wait_for(
        lambda m: m.topic.endswith(f"/{env.user_id}_radio/config") and bool(m.payload)
    )
    button = config.json()
    await probe.publish(button["command_topic"], button["payload_press"])

    (result,) = await probe.wait_for(lambda m: m.topic == f"{mqtt_names.base}/command/result")
    body = result.json()
    assert body["ok"] is True, body
    assert body["action"] == "vibe.start" and body["result"]["played"] == session
    queue = await VibeQueue.get(id=body["result"]["queue_id"])
    assert queue.mode == "recent" and len(queue.item_ids) == body["result"]["item_count"] > 0
    assert any("/Playing" in r["path"] for r in env.requests(f"/Sessions/{session}"))
    assert not result.retain


async def test_command_topic_runs_actions_and_reports_errors(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    client = jellyfin_app_client
    await _ready(client)
    env = await wire_demo(client, fake_jellyfin)
    command = f"{mqtt_names.base}/command"
    result_topic = f"{mqtt_names.base}/command/result"

    await probe.publish(command, "not json")
    await probe.publish(command, json.dumps({"action": "favorite.current"}))
    await probe.publish(command, json.dumps({"action": "favorite.current", "user": "nobody"}))
    await probe.publish(
        command, json.dumps({"action": "favorite.current", "user": "demo", "request_id": "r1"})
    )
    results = [m.json() for m in await probe.wait_for(lambda m: m.topic == result_topic, count=4)]
    assert [r["error"]["code"] for r in results] == [
        "invalid_json",
        "invalid_input",
        "user_not_found",
        "nothing_playing",
    ]
    assert results[3]["request_id"] == "r1"

    track = fake_jellyfin.library.tracks[11]
    session = await env.play(track.id)
    await env.playing(session)
    await probe.publish(
        command, json.dumps({"action": "favorite.current", "user": "demo", "request_id": "r2"})
    )
    (done,) = await probe.wait_for(lambda m: m.topic == result_topic and '"r2"' in m.payload)
    assert done.json()["ok"] is True and done.json()["result"]["ref"] == f"jellyfin:{track.id}"
    assert await Favorite.exists(user_id=env.user_id, item_id=track.id)
    # The favorite shows up as Home Assistant's "last favorite" and fires the trigger.
    user = f"{mqtt_names.base}/user/{env.user_id}"
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_added")
    await probe.wait_for(lambda m: m.topic == f"{user}/last_favorite/state" and bool(m.payload))
