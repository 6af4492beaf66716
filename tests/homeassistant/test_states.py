"""Sensor states, event entities and device triggers follow live events (Jellyfin webhook in)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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


async def _setup(client: TestClient[Any, Any], probe: MqttProbe, names: MqttNames) -> None:
    await LibraryTrack.create(
        item_id=ITEM,
        title="Airbag",
        artists="Radiohead",
        artist_ids="",
        album="OK Computer",
        search_key="airbag radiohead ok computer",
    )
    await User.create(name="Alice", jellyfin_id=USER)
    client.app[keys.BUS].publish(Event("user.signed_in", {"name": "Alice"}, user_id=USER))
    await probe.wait_for(lambda m: m.topic == f"{names.base}/user/{USER}/plays_today/state")


async def test_playback_updates_now_playing_triggers_and_plays_today(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _setup(bridge_client, probe, mqtt_names)
    user = f"{mqtt_names.base}/user/{USER}"

    await _post(bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0, IsPaused=False))
    await probe.wait_for(lambda m: m.topic == f"{user}/now_playing/state" and m.payload == "Airbag")
    attrs = await probe.wait_for(
        lambda m: m.topic == f"{user}/now_playing/attributes" and "Kitchen" in m.payload
    )
    attributes = attrs[-1].json()
    assert attributes["artist"] == "Radiohead" and attributes["album"] == "OK Computer"
    assert attributes["device"] == "Kitchen speaker" and attributes["ref"] == f"jellyfin:{ITEM}"
    assert attributes["image_url"].endswith(f"/api/items/jellyfin:{ITEM}/image")
    started = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_started")
    assert started[0].json()["title"] == "Airbag" and not started[0].retain
    event = await probe.wait_for(
        lambda m: m.topic == f"{user}/event" and '"playback_started"' in m.payload
    )
    assert event[0].json()["event_type"] == "playback_started"

    await _post(
        bridge_client,
        _payload("PlaybackProgress", PlaybackPositionTicks=300_000_000, IsPaused=True),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_paused")

    await _post(
        bridge_client,
        _payload("PlaybackStop", PlaybackPositionTicks=2_840_000_000, PlayedToCompletion=True),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_stopped")
    await probe.wait_for(lambda m: m.topic == f"{user}/now_playing/state" and m.payload == "idle")
    await probe.wait_for(lambda m: m.topic == f"{user}/plays_today/state" and m.payload == "1")


async def test_favorite_updates_last_favorite_and_fires_triggers(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _setup(bridge_client, probe, mqtt_names)
    user = f"{mqtt_names.base}/user/{USER}"
    await _post(
        bridge_client, _payload("UserDataSaved", SaveReason="UpdateUserRating", Favorite=True)
    )
    await probe.wait_for(
        lambda m: m.topic == f"{user}/last_favorite/state" and m.payload == "Airbag"
    )
    added = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_added")
    assert added[0].json()["ref"] == f"jellyfin:{ITEM}"
    await _post(
        bridge_client,
        _payload(
            "UserDataSaved",
            SaveReason="UpdateUserRating",
            Favorite=False,
            UtcTimestamp=_now().replace(".0000000Z", ".5000000Z"),
        ),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/trigger/favorite_removed")
    await probe.wait_for(lambda m: m.topic == f"{user}/event" and '"favorite_removed"' in m.payload)


async def test_events_of_unknown_users_are_not_published(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _setup(bridge_client, probe, mqtt_names)
    stranger = "f" * 32
    await _post(bridge_client, _payload("PlaybackStart", UserId=stranger, PlaybackPositionTicks=0))
    await probe.wait_for(lambda m: m.topic == f"{mqtt_names.base}/user/{USER}/plays_today/state")
    assert not [m for m in probe.messages if stranger in m.topic]


async def test_album_added_fires_install_trigger(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    album = "ab" * 16
    tracks = ["c1" * 16, "c2" * 16]
    for i, tid in enumerate(tracks):
        await LibraryTrack.create(
            item_id=tid,
            title=f"Song {i}",
            artists="Portishead",
            artist_ids="",
            album="Dummy",
            album_id=album,
            album_artist="Portishead",
            search_key="dummy",
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
    config = await probe.wait_for(
        lambda m: m.topic.endswith(f"/{entry_id}_connectivity/config") and bool(m.payload)
    )
    assert config[0].json()["device_class"] == "connectivity"
    await probe.wait_for(lambda m: m.topic == state and m.payload == "ON")
    await fake_ollama.stop()
    await bridge_client.app[keys.ENTRIES].reload(entry_id)
    await probe.wait_for(lambda m: m.topic == state and m.payload == "OFF")


async def test_now_playing_falls_back_to_another_session_still_playing(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _setup(bridge_client, probe, mqtt_names)
    other_item, other_session = "7" * 32, "8" * 32
    await LibraryTrack.create(
        item_id=other_item, title="Lucky", artists="Radiohead", artist_ids="", search_key="lucky"
    )
    user = f"{mqtt_names.base}/user/{USER}"
    await _post(bridge_client, _payload("PlaybackStart", PlaybackPositionTicks=0))
    await probe.wait_for(lambda m: m.topic == f"{user}/now_playing/state" and m.payload == "Airbag")
    await _post(
        bridge_client,
        _payload(
            "PlaybackStart",
            ItemId=other_item,
            Name="Lucky",
            Id=other_session,
            DeviceName="Office",
            DeviceId="e7a9",
            PlaybackPositionTicks=0,
        ),
    )
    await probe.wait_for(lambda m: m.topic == f"{user}/now_playing/state" and m.payload == "Lucky")
    await _post(
        bridge_client,
        _payload(
            "PlaybackStop",
            ItemId=other_item,
            Name="Lucky",
            Id=other_session,
            DeviceName="Office",
            DeviceId="e7a9",
            PlaybackPositionTicks=10_000_000,
        ),
    )
    (stopped,) = await probe.wait_for(lambda m: m.topic == f"{user}/trigger/playback_stopped")
    assert stopped.json()["title"] == "Lucky" and stopped.json()["device"] == "Office"
    # The kitchen still plays Airbag: the sensor goes back to it, not to idle.
    await probe.wait_for(
        lambda m: m.topic == f"{user}/now_playing/state" and m.payload == "Airbag", count=2
    )
    states = [m.payload for m in probe.messages if m.topic == f"{user}/now_playing/state"]
    assert states[states.index("Lucky") :] == ["Lucky", "Airbag"]


async def test_playlist_sync_failure_fires_trigger(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    await _setup(bridge_client, probe, mqtt_names)
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
    (failed,) = await probe.wait_for(
        lambda m: m.topic == f"{mqtt_names.base}/user/{USER}/trigger/playlist_sync_failed"
    )
    assert (
        failed.json()["name"] == "Kitchen" and failed.json()["error"] == "Jellyfin is unreachable"
    )
