"""jellyfin-apiclient-python (Jellyfin's own Python client) runs its normal calls per version."""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

import pytest
import requests

from companion.testing.jellyfin import SUPPORTED_VERSIONS, FakeJellyfin

from .conftest import VersionedFake
from .spec import response_problems


def run_client(fake: FakeJellyfin, messages: queue.Queue[tuple[str, Any]]) -> dict[str, Any]:
    """A user session as Jellyfin's Kodi add-on and scripts use it: blocking calls, a socket."""
    from jellyfin_apiclient_python import JellyfinClient

    lib = fake.library
    t, album = lib.tracks[0], next(a for a in lib.albums if a.image_tag)
    client = JellyfinClient(allow_multiple_clients=True)
    client.config.app("contract-tests", "0.1.0", "contract-host", "contract-device")
    client.config.data["auth.ssl"] = False
    client.callback = lambda kind, data: messages.put((kind, data))
    client.callback_ws = client.callback
    client.auth.connect_to_address(fake.url)
    login = client.auth.login(fake.url, "demo", "demo")
    # As Home Assistant's wrapper does: sign the stored credentials in, then start.
    client.authenticate(client.auth.credentials.get_credentials(), discover=False)
    client.start(websocket=True)
    api = client.jellyfin
    out: dict[str, Any] = {"login": login}
    try:
        out["views"] = api.get_views()
        out["folders"] = api.get_media_folders()
        out["library_folders"] = api.media_folders()
        out["config"] = api.get_system_configuration()
        out["search"] = api.search_media_items(term="bjork", media="MusicArtist,Audio")
        out["item"] = api.get_item(t.id)
        out["items"] = api.get_items([t.id, album.id])
        out["artists"] = api.get_artists(params={"Limit": 5})
        out["album_tracks"] = api.get_album_tracks(album.id)
        out["similar"] = api.get_similar(t.id, limit=5)
        out["mix"] = api.get_instant_mix(t.id, limit=5)
        api.favorite(t.id, True)
        out["favorites"] = api.user_items(
            params={"Recursive": True, "IncludeItemTypes": "Audio", "Filters": "IsFavorite"}
        )
        api.item_played(t.id, True)
        out["userdata"] = api.get_userdata_for_item(t.id)
        ids = [x.id for x in lib.tracks[:3]]
        pid = api.new_playlist("Contract", ids[:2], media_type="Audio", is_public=False)["Id"]
        api.add_playlist_items(pid, ids[2:])
        entries = api.get_playlist_items(pid)["Items"]
        api.move_playlist_item(pid, entries[2]["PlaylistItemId"], 1)
        api.remove_playlist_items(pid, [entries[0]["PlaylistItemId"]])
        api.update_playlist(pid, name="Renamed")
        out["playlist"] = api.get_playlist_items(pid)
        out["playlists"] = api.get_playlists()
        out["stream"] = requests.get(api.audio_url(t.id), timeout=30).status_code
        out["image"] = requests.get(api.artwork(album.id, "Primary", 300), timeout=30).status_code
        out["sessions"] = api.get_sessions()
        # The favorite and played toggles reach this user's socket as UserDataChanged.
        out["socket"] = []
        while "UserDataChanged" not in out["socket"]:
            out["socket"].append(messages.get(timeout=30)[0])
    finally:
        client.stop()
    return out


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_jellyfin_apiclient_python(versioned_fake: VersionedFake, version: str) -> None:
    fake = await versioned_fake(version)
    messages: queue.Queue[tuple[str, Any]] = queue.Queue()
    out = await asyncio.to_thread(run_client, fake, messages)
    lib = fake.library
    t = lib.tracks[0]
    assert out["login"]["User"]["Name"] == "demo"
    assert {v["CollectionType"] for v in out["views"]["Items"]} >= {"music"}
    assert out["config"]["MinResumeDurationSeconds"] == 300
    names = [i["Name"] for i in out["search"]["Items"]]
    assert "Björk" in names and all("Björk" in n for n in names)  # diacritics ignored
    assert out["item"]["Id"] == t.id and "ProviderIds" in out["item"]
    assert out["items"]["TotalRecordCount"] == 2
    assert [i["Id"] for i in out["favorites"]["Items"]] == [t.id]
    assert out["userdata"]["Played"] is True and out["userdata"]["IsFavorite"] is True
    b, c = (x.id for x in lib.tracks[1:3])
    # Moving the last entry to index 1 is a backward move: right on every version.
    assert [i["Id"] for i in out["playlist"]["Items"]] == [c, b]
    assert out["playlists"]["Items"][0]["Name"] == "Renamed"
    assert out["stream"] == 200 and out["image"] == 200
    assert "UserDataChanged" in out["socket"]
    assert response_problems(version, fake.state.responses) == []
    assert threading.active_count() < 50
