"""Settings with probe checks of the path mapping, the API's bad input, the page, searches."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient

from companion.accounts.models import Setting
from companion.downloads.config import SETTING_KEY
from companion.downloads.models import DownloadJob, WantedItem
from companion.testing.slskd import SharedFile
from tests.conftest import bearer_headers

from .audio import mp3
from .conftest import JELLYFIN_FOLDER, Stack


async def test_settings_show_what_jellyfin_and_lidarr_offer(stack: Stack) -> None:
    view = await stack.call("GET", "/api/downloads/settings")
    assert view["services"] == {"jellyfin": True, "lidarr": True, "slskd": True}
    (music,) = view["libraries"]
    assert music["name"] == "Music" and JELLYFIN_FOLDER in music["locations"]
    assert [f["id"] for f in view["lidarr"]["root_folders"]] == ["/music"]
    assert view["lidarr"]["root_folders"][0]["default_quality"] == "2"
    assert [p["name"] for p in view["lidarr"]["quality_profiles"]] == ["Any", "Lossless"]
    assert view["slskd"] == {"downloads_dir": "/app/downloads"}
    assert view["settings"]["checked_at"] is not None


async def test_a_mapping_that_does_not_line_up_is_refused_with_the_reason(stack: Stack) -> None:
    before = (await Setting.get(key=SETTING_KEY)).value
    cases = [
        ({"jellyfin_folder": "/media/music/elsewhere"}, "jellyfin", "are not the same folder"),
        ({"lidarr_folder": "/data/lidarr"}, "lidarr", "is not the library folder"),
        ({"companion_folder": str(stack.library / "missing")}, "companion", "has no folder"),
        ({"slskd_folder": str(stack.library)}, "slskd", "is not slskd's download folder"),
    ]
    for change, name, phrase in cases:
        resp = await stack.client.put(
            "/api/downloads/settings", json=stack.folder_settings(**change), headers=stack.headers
        )
        body = await resp.json()
        assert resp.status == 400, body
        assert body["error"]["code"] == "downloads_mapping_failed"
        assert phrase in body["error"]["message"], body["error"]["message"]
        failed = [c for c in body["error"]["details"]["checks"] if not c["ok"]]
        assert failed[0]["name"] == name
    # Nothing was saved, and no probe file was left behind anywhere.
    assert (await Setting.get(key=SETTING_KEY)).value == before
    assert not list(stack.library.rglob(".companion-probe-*"))
    assert not list(stack.slskd_dir.rglob(".companion-probe-*"))


async def test_bad_settings_values_are_400(stack: Stack) -> None:
    for body in (
        {"jellyfin_folder": "relative/path"},
        {"companion_folder": "/a/../b"},
        {"formats": ["exe"]},
        {"formats": []},
        {"min_bitrate": 5},
        {"stall_minutes": "soon"},
        {"unknown": 1},
    ):
        resp = await stack.client.put("/api/downloads/settings", json=body, headers=stack.headers)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["code"] == "invalid_input"


async def test_users_cannot_change_settings(stack: Stack) -> None:
    guest = await bearer_headers(stack.client, "guest")
    resp = await stack.client.put("/api/downloads/settings", json={}, headers=guest)
    assert resp.status == 403
    resp = await stack.client.get("/api/settings/webhooks/lidarr", headers=guest)
    assert resp.status == 403


async def test_bad_requests_save_nothing(stack: Stack) -> None:
    for body in (
        {},
        {"title": ""},
        {"title": "x", "kind": "single"},
        {"title": "x", "artists": "Someone"},
        {"title": "x", "artists": [""]},
        {"title": "x", "duration_s": -1},
        {"title": "x", "mbid": "not-an-mbid"},
        {"title": "x", "candidate": {"username": "u"}},
        {"title": "x", "color": "red"},
        {"import_id": "1"},
        {"import_id": 1, "rows": ["a"]},
        {"title": "x", "source": "radio"},
    ):
        resp = await stack.client.post("/api/downloads", json=body, headers=stack.headers)
        assert resp.status == 400, (body, await resp.text())
        assert "error" in await resp.json()
    resp = await stack.client.post("/api/downloads", data=b"{not json", headers=stack.headers)
    assert resp.status == 400
    resp = await stack.client.post("/api/downloads", json={"import_id": 999}, headers=stack.headers)
    assert resp.status == 404
    assert await DownloadJob.all().count() == 0 and await WantedItem.all().count() == 0
    for path in ("/api/downloads/999", "/api/downloads/999/retry"):
        method = "GET" if path.endswith("999") else "POST"
        resp = await stack.client.request(method, path, headers=stack.headers)
        assert resp.status == 404
    resp = await stack.client.get("/api/downloads/search?q=", headers=stack.headers)
    assert resp.status == 400
    resp = await stack.client.get("/api/downloads/search?q=a&source=napster", headers=stack.headers)
    assert resp.status == 400


async def test_each_user_sees_only_their_items(stack: Stack) -> None:
    mine = await stack.call(
        "POST", "/api/downloads", 201, json={"title": "Mine", "artists": ["Me"]}
    )
    guest = await bearer_headers(stack.client, "guest")
    resp = await stack.client.get("/api/downloads", headers=guest)
    assert (await resp.json())["items"] == []
    item_id = mine["items"][0]["id"]
    resp = await stack.client.get(f"/api/downloads/{item_id}", headers=guest)
    assert resp.status == 404
    resp = await stack.client.post(f"/api/downloads/{item_id}/cancel", headers=guest)
    assert resp.status == 404
    # The same song wanted by the guest shares the download, as a wanted item of its own.
    resp = await stack.client.post(
        "/api/downloads", json={"title": "Mine", "artists": ["Me"]}, headers=guest
    )
    theirs = (await resp.json())["items"][0]
    assert theirs["id"] != item_id and theirs["job_id"] == mine["items"][0]["job_id"]
    everyone = await stack.call("GET", "/api/downloads?all=true")
    assert {i["id"] for i in everyone["items"]} == {item_id, theirs["id"]}


async def test_soulseek_search_and_a_chosen_file_is_tried_first(stack: Stack) -> None:
    song = mp3("Night Drive", "Neon Coast", "Retro")
    stack.slskd.add_peer(
        "fast",
        [SharedFile("f\\Neon Coast\\Retro\\01 - Night Drive.flac", b"x", bitrate=900)],
        upload_speed=9_000_000,
    )
    stack.slskd.add_peer(
        "chosen", [SharedFile("c\\Neon Coast\\Retro\\02 - Night Drive.mp3", song, bitrate=320)]
    )
    found = await stack.call(
        "GET", "/api/downloads/search?source=soulseek&q=neon+coast+night+drive"
    )
    chosen = next(r for r in found["items"] if r["candidate"]["username"] == "chosen")
    assert chosen["title"] == "Night Drive" and chosen["artists"] == ["Neon Coast"]
    assert chosen["album"] == "Retro"
    body = await stack.call(
        "POST",
        "/api/downloads",
        201,
        json={
            "title": chosen["title"],
            "artists": chosen["artists"],
            "album": chosen["album"],
            "candidate": chosen["candidate"],
        },
    )
    done = await stack.wait_item(body["items"][0]["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    assert [r.username for r in stack.slskd.world.transfers.values()] in ([], ["chosen"])
    assert not any("/transfers/downloads/fast" in r["path"] for r in stack.slskd.requests)


async def test_page_renders_with_settings_for_admins_only(stack: Stack) -> None:
    client: TestClient[Any, Any] = stack.client
    resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    assert resp.status == 200
    resp = await client.get("/downloads")
    text = await resp.text()
    assert resp.status == 200 and 'id="dl-settings-form"' in text
    # Page scripts load once from the layout (htmx swaps pages), by fingerprinted name.
    assert re.search(r'src="/static/downloads\.[0-9a-f]+\.js"', text)
    assert 'href="/downloads"' in text
    client.session.cookie_jar.clear()
    resp = await client.post("/api/auth/login", json={"username": "guest", "password": "guest"})
    assert resp.status == 200
    resp = await client.get("/downloads")
    text = await resp.text()
    assert resp.status == 200 and "dl-settings-form" not in text and 'id="dl-items"' in text
    resp = await client.get("/static/downloads.js")
    assert resp.status == 200


async def test_events_reach_only_the_owner_over_the_websocket(stack: Stack) -> None:
    guest = await bearer_headers(stack.client, "guest")

    async def socket(headers: dict[str, str]) -> Any:
        ws = await stack.client.ws_connect("/api/ws")
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": headers["Authorization"][7:]})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "download.progress"})
        assert (await ws.receive_json())["success"]
        return ws

    demo_ws, guest_ws = await socket(stack.headers), await socket(guest)
    await stack.call("POST", "/api/downloads", 201, json={"title": "Only Mine", "artists": ["Me"]})
    async with asyncio.timeout(30):
        message = await demo_ws.receive_json()
    assert message["type"] == "event" and message["event"]["data"]["title"] == "Only Mine"
    # The guest's socket stays quiet: a ping is answered before any event of demo's.
    await guest_ws.send_json({"id": 2, "type": "ping"})
    async with asyncio.timeout(30):
        reply = await guest_ws.receive_json()
    assert reply["type"] == "pong"
    await demo_ws.close()
    await guest_ws.close()
