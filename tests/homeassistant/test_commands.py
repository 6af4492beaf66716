"""Commands from Home Assistant: buttons and the radio select, and failures shown in HA."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jinja2
from aiohttp.test_utils import TestClient

from companion import keys
from companion.history.models import Play, PlaybackState
from companion.library.models import Favorite
from companion.testing.jellyfin import FakeJellyfin
from companion.vibe.models import VibeQueue
from tests.automation.conftest import AutoEnv, until, wire_demo
from tests.homeassistant.conftest import MqttNames, MqttProbe, Received


async def _ready(client: TestClient[Any, Any], fake: FakeJellyfin) -> AutoEnv:
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("homeassistant")
    await entries.wait_setup(entry.entry_id)
    await asyncio.wait_for(entry.runtime_data.connected.wait(), 30)
    return await wire_demo(client, fake)


async def _played_twice(env: AutoEnv) -> None:
    """Two listens that count, so "recent plays" has seeds; the session ends stopped."""
    lib = env.jellyfin.library
    for t in (lib.tracks[3], lib.tracks[50]):
        await env.play(t.id, "start", position_ticks=0)
        await asyncio.sleep(0.05)
        await env.play(t.id, "stop", position_ticks=t.runtime_ticks)
    await until(lambda: _count(Play.filter(user_id=env.user_id, counted=True), 2))
    await until(lambda: PlaybackState.filter(user_id=env.user_id, state="stopped").exists())
    assert not await PlaybackState.filter(user_id=env.user_id).exclude(state="stopped").exists()


async def _count(query: Any, wanted: int) -> bool:
    return bool(await query.count() >= wanted)


async def _config(probe: MqttProbe, object_id: str) -> dict[str, Any]:
    found = await probe.wait_for(
        lambda m: m.topic.endswith(f"/{object_id}/config") and bool(m.payload)
    )
    config: dict[str, Any] = found[-1].json()
    return config


async def _press(probe: MqttProbe, object_id: str) -> None:
    """Press a button exactly as Home Assistant does: its payload_press on its command_topic."""
    button = await _config(probe, object_id)
    await probe.publish(button["command_topic"], button["payload_press"])


async def _result(probe: MqttProbe, names: MqttNames, count: int = 1) -> Received:
    results = await probe.wait_for(lambda m: m.topic == f"{names.base}/command/result", count=count)
    assert not results[-1].retain
    return results[-1]


async def test_radio_button_plays_on_the_active_session(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    env = await _ready(jellyfin_app_client, fake_jellyfin)
    await _played_twice(env)
    session = await env.play(fake_jellyfin.library.tracks[80].id)
    await env.playing(session)

    await _press(probe, f"{env.user_id}_radio")

    body = (await _result(probe, mqtt_names)).json()
    assert body["ok"] is True, body
    assert body["action"] == "vibe.start" and body["result"]["played"] == session
    queue = await VibeQueue.get(id=body["result"]["queue_id"])
    assert queue.mode == "recent" and len(queue.item_ids) == body["result"]["item_count"] > 0
    assert any("/Playing" in r["path"] for r in env.requests(f"/Sessions/{session}"))
    user = f"{mqtt_names.base}/user/{env.user_id}"
    await probe.wait_for(lambda m: m.topic == f"{user}/last_command" and m.json()["state"] == "ok")


async def test_radio_button_on_a_stopped_session_fails_with_a_reason_in_home_assistant(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    env = await _ready(jellyfin_app_client, fake_jellyfin)
    # The last session stopped: it is where the user was, not where they listen.
    await _played_twice(env)

    await _press(probe, f"{env.user_id}_radio")

    body = (await _result(probe, mqtt_names)).json()
    assert body["ok"] is False and body["error"]["code"] == "no_active_session"
    assert not await VibeQueue.exists()
    assert not [r for r in env.requests("/Sessions/") if r["path"].endswith("/Playing")]
    user = f"{mqtt_names.base}/user/{env.user_id}"
    (sensor,) = await probe.wait_for(
        lambda m: m.topic == f"{user}/last_command" and m.json()["state"] == "failed"
    )
    attributes = sensor.json()["attributes"]
    assert attributes["action"] == "vibe.start" and attributes["code"] == "no_active_session"
    assert "playing or paused" in attributes["reason"]
    (event,) = await probe.wait_for(
        lambda m: m.topic == f"{user}/event" and '"command_failed"' in m.payload
    )
    assert event.json()["event_type"] == "command_failed"
    assert event.json()["message"].startswith("vibe.start for demo failed: ")
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/command_failed")


async def test_radio_mode_select_decides_what_the_button_starts(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    env = await _ready(jellyfin_app_client, fake_jellyfin)
    select = await _config(probe, f"{env.user_id}_radio_mode")
    assert "similar" in select["options"]
    # Home Assistant renders command_template with the chosen option as `value`.
    payload = jinja2.Template(select["command_template"]).render(value="similar")
    await probe.publish(select["command_topic"], payload)
    state = select["state_topic"]
    await probe.wait_for(lambda m: m.topic == state and m.json()["state"] == "similar")
    assert (await _result(probe, mqtt_names)).json()["ok"] is True

    track = fake_jellyfin.library.tracks[20]
    session = await env.play(track.id)
    await env.playing(session)
    await _press(probe, f"{env.user_id}_radio")
    body = (await _result(probe, mqtt_names, count=2)).json()
    assert body["ok"] is True, body
    queue = await VibeQueue.get(id=body["result"]["queue_id"])
    # Seeded from the track playing now.
    assert queue.mode == "similar" and queue.seeds == {"ref": f"jellyfin:{track.id}"}


async def test_favorite_and_refresh_buttons(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    env = await _ready(jellyfin_app_client, fake_jellyfin)
    track = fake_jellyfin.library.tracks[11]
    session = await env.play(track.id)
    await env.playing(session)

    await _press(probe, f"{env.user_id}_favorite_current")
    body = (await _result(probe, mqtt_names)).json()
    assert body["ok"] is True and body["result"]["ref"] == f"jellyfin:{track.id}"
    assert await Favorite.exists(user_id=env.user_id, item_id=track.id)
    user = f"{mqtt_names.base}/user/{env.user_id}"
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_added")
    await probe.wait_for(lambda m: m.topic == f"{user}/last_favorite" and track.name in m.payload)

    # The install's button names no user: it runs as an administrator.
    await _press(probe, "companion_refresh_library")
    body = (await _result(probe, mqtt_names, count=2)).json()
    assert body["ok"] is True and body["action"] == "library.refresh", body
    assert [r["method"] for r in env.requests("/Library/Refresh")] == ["POST"]
    await probe.wait_for(
        lambda m: (
            m.topic == f"{mqtt_names.base}/install/last_command"
            and m.json()["attributes"]["action"] == "library.refresh"
        )
    )


async def test_command_topic_reports_errors(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    await _ready(jellyfin_app_client, fake_jellyfin)
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
    # Failures of no known user show on the install's "last command" sensor.
    await probe.wait_for(
        lambda m: (
            m.topic == f"{mqtt_names.base}/install/last_command"
            and m.json()["attributes"]["code"] == "user_not_found"
        )
    )
