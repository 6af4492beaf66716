"""Sensor values, event entities and device triggers follow live events, one message each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.events import Event
from companion.library.models import LibraryTrack
from tests.homeassistant.conftest import MqttNames, MqttProbe

USER = "4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"
ITEM = "6213b704a0d954293110f4d561b0f614"
SESSION = "5c0e9f1b2a3d4c5b6a7980e1f2d3c4b5"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _payload(kind: str, **extra: Any) -> dict[str, Any]:
    body = {
        "ServerId": "a3f1c0d2e4b54f6a8b9c0d1e2f3a4b5c",
        "ServerName": "jelly",
        "ServerVersion": "10.10.7",
        "NotificationType": kind,
        "UtcTimestamp": _now(),
        "Name": "Airbag",
        "ItemId": ITEM,
        "ItemType": "Audio",
        "RunTimeTicks": 2_840_000_000,
        "Album": "OK Computer",
        "Artist": "Radiohead",
        "UserId": USER,
        "Id": SESSION,
        "DeviceName": "Kitchen speaker",
        "ClientName": "Finamp",
        "DeviceId": "d6f8",
    }
    body.update(extra)
    return body


async def _post(client: TestClient[Any, Any], body: dict[str, Any]) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    resp = await client.post(
        "/webhooks/jellyfin",
        data=json.dumps(body).encode(),
        headers={secret.header: secret.secret, "Content-Type": "application/json"},
    )
    assert resp.status == 200, await resp.text()
    await client.app[keys.LIVE].inbox.drain()


async def _track(item_id: str, title: str, **extra: Any) -> None:
    await LibraryTrack.create(
        item_id=item_id,
        title=title,
        artists=extra.pop("artists", "Radiohead"),
        artist_ids="",
        album=extra.pop("album", "OK Computer"),
        search_key=title.lower(),
        **extra,
    )


async def _setup(client: TestClient[Any, Any], probe: MqttProbe, names: MqttNames) -> str:
    await _track(ITEM, "Airbag")
    await User.create(name="Alice", jellyfin_id=USER)
    client.app[keys.BUS].publish(Event("user.signed_in", {"name": "Alice"}, user_id=USER))
    await probe.wait_for(lambda m: m.topic == f"{names.base}/user/{USER}/plays_today")
    return f"{names.base}/user/{USER}"


def _values(probe: MqttProbe, topic: str) -> list[dict[str, Any]]:
    return [m.json() for m in probe.on(topic) if m.payload]


async def test_each_update_is_one_complete_json_message(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    now_playing = f"{user}/now_playing"

    await _post(bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0, IsPaused=False))
    await probe.wait_for(lambda m: m.topic == now_playing and '"Airbag"' in m.payload)
    # The message that names the track carries its attributes: one state change, not two.
    started = _values(probe, now_playing)[-1]
    assert started["state"] == "Airbag"
    attributes = started["attributes"]
    assert attributes["playback"] == "playing" and attributes["artist"] == "Radiohead"
    assert attributes["album"] == "OK Computer" and attributes["device"] == "Kitchen speaker"
    assert attributes["ref"] == f"jellyfin:{ITEM}" and attributes["duration"] == 284.0
    # No public URL configured: no artwork link rather than a relative one HA cannot fetch,
    # and no image entity.
    assert attributes["image_url"] is None
    assert not [m for m in probe.messages if "/image/" in m.topic or m.topic.endswith("/cover")]
    # Nothing is published on the attribute topics of earlier releases any more.
    assert not [m for m in probe.messages if m.topic.endswith(("/state", "/attributes"))]
    (trigger,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_started")
    assert trigger.json()["title"] == "Airbag" and not trigger.retain
    (event,) = await probe.wait_for(
        lambda m: m.topic == f"{user}/event" and '"playback_started"' in m.payload
    )
    assert event.json()["event_type"] == "playback_started" and not event.retain

    # Progress that only moves the position changes nothing shown; a pause does.
    await _post(
        bridge_client,
        _payload("PlaybackProgress", PlaybackPositionTicks=100_000_000, IsPaused=False),
    )
    await _post(
        bridge_client,
        _payload("PlaybackProgress", PlaybackPositionTicks=300_000_000, IsPaused=True),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_paused")
    await probe.wait_for(lambda m: m.topic == now_playing and '"paused"' in m.payload)
    values = _values(probe, now_playing)
    assert [v["attributes"]["playback"] for v in values] == ["idle", "playing", "paused"]
    assert values[-1]["attributes"]["position"] == 30.0

    await _post(
        bridge_client,
        _payload("PlaybackStop", PlaybackPositionTicks=2_840_000_000, PlayedToCompletion=True),
    )
    (stopped,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_stopped")
    body = stopped.json()
    assert (body["position"], body["duration"]) == (284.0, 284.0)
    assert body["completed"] is True and body["counted"] is True
    await probe.wait_for(lambda m: m.topic == now_playing and m.json()["state"] == "idle", count=2)
    idle = _values(probe, now_playing)[-1]
    # Stopped: idle, and nothing of the old track is left in the attributes.
    assert idle["attributes"]["playback"] == "idle"
    assert {k for k, v in idle["attributes"].items() if v is not None} == {"playback"}
    await probe.wait_for(lambda m: m.topic == f"{user}/plays_today" and m.json()["state"] == 1)


async def test_stop_without_a_position_is_estimated_from_the_last_one(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    bus = bridge_client.app[keys.BUS]
    t0 = datetime.now(UTC) - timedelta(seconds=100)
    base = {
        "session_id": SESSION,
        "item_id": ITEM,
        "device_name": "Kitchen speaker",
        "client": "Finamp",
        "duration": 284.0,
    }
    bus.publish(
        Event("playback.started", {**base, "position": 30.0, "is_paused": False}, USER, at=t0)
    )
    # Jellyfin's session list dropped the session 90 s later: the stop repeats the last position.
    bus.publish(
        Event(
            "playback.stopped",
            {**base, "position": 30.0, "completed": False},
            USER,
            at=t0 + timedelta(seconds=90),
        )
    )
    (stopped,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_stopped")
    body = stopped.json()
    assert body["position"] == 120.0 and body["duration"] == 284.0
    assert body["counted"] is False and body["completed"] is False


async def test_last_favorite_follows_the_mirror_including_unfavorites(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    second = "7" * 32
    await _track(second, "Lucky")
    favorite = f"{user}/last_favorite"

    def states() -> list[str]:
        return [v["state"] for v in _values(probe, favorite)]

    await _post(
        bridge_client, _payload("UserDataSaved", SaveReason="UpdateUserRating", Favorite=True)
    )
    await probe.wait_for(lambda m: m.topic == favorite and '"Airbag"' in m.payload)
    (added,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_added")
    assert added.json()["ref"] == f"jellyfin:{ITEM}"
    later = _now().replace(".0000000Z", ".5000000Z")
    await _post(
        bridge_client,
        _payload(
            "UserDataSaved",
            SaveReason="UpdateUserRating",
            Favorite=True,
            ItemId=second,
            Name="Lucky",
            UtcTimestamp=later,
        ),
    )
    await probe.wait_for(lambda m: m.topic == favorite and '"Lucky"' in m.payload)
    # Unfavoriting the newest one brings back the one before it.
    await _post(
        bridge_client,
        _payload(
            "UserDataSaved",
            SaveReason="UpdateUserRating",
            Favorite=False,
            ItemId=second,
            Name="Lucky",
            UtcTimestamp=later.replace(".5000000Z", ".7000000Z"),
        ),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_removed")
    await probe.wait_for(lambda m: m.topic == favorite and '"Airbag"' in m.payload, count=2)
    await _post(
        bridge_client,
        _payload(
            "UserDataSaved",
            SaveReason="UpdateUserRating",
            Favorite=False,
            UtcTimestamp=later.replace(".5000000Z", ".9000000Z"),
        ),
    )
    await probe.wait_for(lambda m: m.topic == favorite and m.json()["state"] == "none", count=2)
    assert states() == ["none", "Airbag", "Lucky", "Airbag", "none"]


async def test_events_of_unknown_users_are_not_published(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    stranger = "f" * 32
    await _post(bridge_client, _payload("PlaybackStart", UserId=stranger, PlaybackPositionTicks=0))
    # A later event of a known user was processed after the stranger's.
    await _post(bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0))
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_started")
    assert not [m for m in probe.messages if stranger in m.topic]


async def test_album_added_fires_install_trigger(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    album = "ab" * 16
    tracks = ["c1" * 16, "c2" * 16]
    for i, tid in enumerate(tracks):
        await _track(
            tid,
            f"Song {i}",
            artists="Portishead",
            album="Dummy",
            album_id=album,
            album_artist="Portishead",
        )
    bridge_client.app[keys.BUS].publish(
        Event("library.changed", {"added": tracks, "updated": [], "removed": []})
    )
    found = await probe.wait_for(lambda m: m.topic == f"{mqtt_names.base}/trigger/album_added")
    body = found[0].json()
    assert body["album"] == "Dummy" and body["ref"] == f"jellyfin:{album}"
    assert body["track_count"] == 2
    await probe.wait_for(
        lambda m: m.topic == f"{mqtt_names.base}/event" and '"album_added"' in m.payload
    )
    # The library size diagnostic follows the index.
    await probe.wait_for(
        lambda m: m.topic == f"{mqtt_names.base}/install/library_size" and m.json()["state"] == 2
    )


async def test_connectivity_follows_integration_state(
    bridge_client: TestClient[Any, Any],
    probe: MqttProbe,
    mqtt_names: MqttNames,
    admin_headers: dict[str, str],
    fake_ollama: Any,
) -> None:
    resp = await bridge_client.post(
        "/api/integrations",
        json={"domain": "ollama", "data": {"url": fake_ollama.url}},
        headers=admin_headers,
    )
    assert resp.status == 201, await resp.text()
    entry_id = (await resp.json())["entry"]["entry_id"]
    state = f"{mqtt_names.base}/integration/{entry_id}/state"
    (config,) = await probe.wait_for(
        lambda m: m.topic.endswith(f"/{entry_id}_connectivity/config") and bool(m.payload)
    )
    assert config.json()["device_class"] == "connectivity"
    assert config.json()["default_entity_id"] == "binary_sensor.jellyfin_companion_ollama_connected"
    await probe.wait_for(lambda m: m.topic == state and m.payload == "ON")
    await fake_ollama.stop()
    await bridge_client.app[keys.ENTRIES].reload(entry_id)
    await probe.wait_for(lambda m: m.topic == state and m.payload == "OFF")
    # The bridge reports nothing about the link it travels over.
    (bridge,) = bridge_client.app[keys.ENTRIES].entries("homeassistant")
    assert not [m for m in probe.messages if bridge.entry_id in m.topic]


async def test_now_playing_falls_back_to_another_session_still_playing(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    other_item, other_session = "7" * 32, "8" * 32
    await _track(other_item, "Lucky")
    now_playing = f"{user}/now_playing"
    await _post(bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0))
    await probe.wait_for(lambda m: m.topic == now_playing and '"Airbag"' in m.payload)
    other = {"ItemId": other_item, "Name": "Lucky", "Id": other_session, "DeviceName": "Office"}
    await _post(
        bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0, DeviceId="e7a9", **other)
    )
    await probe.wait_for(lambda m: m.topic == now_playing and '"Lucky"' in m.payload)
    await _post(
        bridge_client,
        _payload("PlaybackStop", PlaybackPositionTicks=10_000_000, DeviceId="e7a9", **other),
    )
    (stopped,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_stopped")
    assert stopped.json()["title"] == "Lucky" and stopped.json()["device"] == "Office"
    # The kitchen still plays Airbag: the sensor goes back to it, not to idle.
    await probe.wait_for(lambda m: m.topic == now_playing and '"Airbag"' in m.payload, count=2)
    states = [v["state"] for v in _values(probe, now_playing)]
    assert states == ["idle", "Airbag", "Lucky", "Airbag"]


async def test_playlist_sync_failure_fires_trigger(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    user = await _setup(bridge_client, probe, mqtt_names)
    bus = bridge_client.app[keys.BUS]
    synced = {"playlist_id": 4, "name": "Kitchen", "last_error": None}
    bus.publish(Event("playlist.synced", {**synced, "state": "synced"}, user_id=USER))
    bus.publish(
        Event(
            "playlist.synced",
            {**synced, "state": "failing", "last_error": "Jellyfin is unreachable"},
            user_id=USER,
        )
    )
    (failed,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playlist_sync_failed")
    assert failed.json()["name"] == "Kitchen"
    assert failed.json()["error"] == "Jellyfin is unreachable"


async def test_downloads_and_weekly_flows_fire_user_triggers(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    """download.finished / download.failed / flow.ready become the user's device triggers and
    events, each carrying a ready sentence for a notification."""
    user = await _setup(bridge_client, probe, mqtt_names)
    bus = bridge_client.app[keys.BUS]
    song = {"kind": "track", "title": "Airbag", "artists": ["Radiohead"], "album": "OK Computer"}
    bus.publish(
        Event(
            "download.finished",
            {**song, "provider": "slskd", "refs": [f"jellyfin:{ITEM}"], "message": "Downloaded"},
            user_id=USER,
            source="downloads",
        )
    )
    bus.publish(
        Event(
            "download.failed",
            {**song, "provider": "lidarr", "reason": "no release", "message": "Download failed"},
            user_id=USER,
            source="downloads",
        )
    )
    bus.publish(
        Event(
            "flow.ready",
            {"flow_id": 1, "flow": "Discover", "week": "2026-W49", "tracks": 25, "playlist_id": 7},
            user_id=USER,
        )
    )
    (done,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/download_finished")
    assert done.json()["artist"] == "Radiohead" and done.json()["refs"] == [f"jellyfin:{ITEM}"]
    (failed,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/download_failed")
    assert failed.json()["reason"] == "no release" and failed.json()["provider"] == "lidarr"
    (ready,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/flow_ready")
    assert ready.json()["message"] == 'Your weekly flow "Discover" is ready: 25 tracks.'
    await probe.wait_for(
        lambda m: m.topic == f"{user}/event" and m.json().get("event_type") == "flow_ready"
    )
    kinds = [m.json()["event_type"] for m in probe.on(f"{user}/event") if m.payload]
    assert kinds[-3:] == ["download_finished", "download_failed", "flow_ready"]
