"""Playlist API end to end against the fake Jellyfin: every edit lands in place in Jellyfin."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from companion import keys
from companion.accounts.models import User
from companion.events import Event
from tests.web.conftest import FakeLog

from .conftest import Companion, refs, twin_items


async def test_create_edit_delete_in_place(companion: Companion, fake_jellyfin: Any) -> None:
    seen: list[Event] = []
    companion.client.app[keys.BUS].subscribe(seen.append, ("playlist.changed", "playlist.synced"))
    first = refs(fake_jellyfin, 0, 5)
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "Road trip", "description": "d", "refs": first}
    )
    pid, jid = body["id"], body["sync"]["jellyfin_id"]
    assert body["warning"] is None and body["sync"]["state"] == "synced" and jid
    assert [i["ref"] for i in body["items"]] == first
    assert all(i["available"] and i["track"]["ref"] == i["ref"] for i in body["items"])
    twin = fake_jellyfin.state.playlists[jid]
    assert twin.name == "Road trip" and twin.owner_id == fake_jellyfin.user_id("demo")
    assert twin_items(fake_jellyfin, jid) == first

    extra = refs(fake_jellyfin, 10, 2)
    body = await companion.call(
        "POST", f"/api/playlists/{pid}/items", json={"refs": extra, "position": 1}
    )
    expected = [first[0], *extra, *first[1:]]
    assert [i["ref"] for i in body["items"]] == expected
    assert twin_items(fake_jellyfin, jid) == expected

    body = await companion.call("POST", f"/api/playlists/{pid}/move", json={"from": 0, "to": 4})
    expected.insert(4, expected.pop(0))
    assert twin_items(fake_jellyfin, jid) == expected == [i["ref"] for i in body["items"]]

    body = await companion.call("DELETE", f"/api/playlists/{pid}/items/2")
    del expected[2]
    assert twin_items(fake_jellyfin, jid) == expected == [i["ref"] for i in body["items"]]

    replacement = refs(fake_jellyfin, 30, 3)
    body = await companion.call("PUT", f"/api/playlists/{pid}/items", json={"refs": replacement})
    assert twin_items(fake_jellyfin, jid) == replacement

    body = await companion.call("PATCH", f"/api/playlists/{pid}", json={"name": "Renamed"})
    assert body["name"] == "Renamed" and fake_jellyfin.state.playlists[jid].name == "Renamed"
    # In place: every edit kept the same Jellyfin playlist.
    assert body["sync"]["jellyfin_id"] == jid and len(fake_jellyfin.state.playlists) == 1

    listed = await companion.call("GET", "/api/playlists")
    assert [(p["id"], p["item_count"]) for p in listed["items"]] == [(pid, 3)]

    await companion.call("DELETE", f"/api/playlists/{pid}", 204)
    assert jid not in fake_jellyfin.state.playlists
    await companion.call("GET", f"/api/playlists/{pid}", 404)
    types = [e.type for e in seen]
    assert types.count("playlist.changed") == 7 and "playlist.synced" in types
    changed = next(e for e in seen if e.type == "playlist.changed")
    assert changed.user_id == fake_jellyfin.user_id("demo")
    assert set(changed.data) >= {"playlist_id", "name", "item_count"}


async def test_duplicates_on_a_deduplicating_server(
    companion: Companion, fake_jellyfin: Any
) -> None:
    a, b = refs(fake_jellyfin, 0, 2)
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "D", "refs": [a, b, a]}
    )
    # The companion keeps duplicates; 10.10.7 holds first occurrences only.
    assert [i["ref"] for i in body["items"]] == [a, b, a]
    assert twin_items(fake_jellyfin, body["sync"]["jellyfin_id"]) == [a, b]
    assert body["sync"]["state"] == "synced"


async def test_bad_input_is_refused_and_nothing_is_written(
    companion: Companion, fake_jellyfin: Any
) -> None:
    call = companion.call
    resp = await companion.client.post(
        "/api/playlists",
        data=b"{nope",
        headers={**companion.headers, "Content-Type": "application/json"},
    )
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
    await call("POST", "/api/playlists", 400, json={"name": ""})
    await call("POST", "/api/playlists", 400, json={"name": 3})
    await call("POST", "/api/playlists", 400, json={"name": "x", "refs": "jellyfin:abc"})
    err = await call("POST", "/api/playlists", 400, json={"name": "x", "refs": ["spotify:1"]})
    assert "refs[0]" in err["error"]["message"]
    err = await call(
        "POST", "/api/playlists", 400, json={"name": "x", "refs": ["jellyfin:" + "0" * 32]}
    )
    assert err["error"]["code"] == "unknown_ref"
    assert (await call("GET", "/api/playlists"))["items"] == []
    pid = (
        await call(
            "POST", "/api/playlists", 201, json={"name": "ok", "refs": refs(fake_jellyfin, 0, 2)}
        )
    )["id"]
    await call("POST", f"/api/playlists/{pid}/move", 400, json={"from": 0, "to": 2})
    await call("POST", f"/api/playlists/{pid}/move", 400, json={"from": "0", "to": 1})
    await call("POST", f"/api/playlists/{pid}/items", 400, json={"refs": [], "position": 0})
    await call(
        "POST",
        f"/api/playlists/{pid}/items",
        400,
        json={"refs": refs(fake_jellyfin, 5, 1), "position": 9},
    )
    await call("DELETE", f"/api/playlists/{pid}/items/5", 400)
    await call("PATCH", f"/api/playlists/{pid}", 400, json={"nmae": "typo"})
    await call("GET", "/api/playlists/99999", 404)
    await call("POST", "/api/playlists/adopt", 400, json={"jellyfin_id": "nope"})
    body = await call("GET", f"/api/playlists/{pid}")
    assert body["item_count"] == 2 and len(fake_jellyfin.state.playlists) == 1


async def test_other_users_cannot_see_or_edit(companion: Companion, fake_jellyfin: Any) -> None:
    pid = (await companion.call("POST", "/api/playlists", 201, json={"name": "mine"}))["id"]
    user = await User.create(name="someone", jellyfin_id=uuid.uuid4().hex)
    _, token = await companion.client.app[keys.AUTH].issue_token(user.id, "t")
    other = {"Authorization": f"Bearer {token}"}
    resp = await companion.client.get(f"/api/playlists/{pid}", headers=other)
    assert resp.status == 404
    resp = await companion.client.delete(f"/api/playlists/{pid}", headers=other)
    assert resp.status == 404
    resp = await companion.client.get("/api/playlists", headers=other)
    assert (await resp.json())["items"] == []


async def test_items_gone_from_jellyfin_show_unavailable(
    companion: Companion, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    tracks = refs(fake_jellyfin, 0, 450)
    pid = (
        await companion.call("POST", "/api/playlists", 201, json={"name": "big", "refs": tracks})
    )["id"]
    companion.client.app[keys.MUSIC].resolver.clear()
    await fake_log.clear()
    body = await companion.call("GET", f"/api/playlists/{pid}")
    assert len(body["items"]) == 450 and all(i["available"] for i in body["items"])
    # Batch resolution: at most one call per 200 items, none when cached.
    assert len(await fake_log.entries("/Items")) == 3
    await fake_log.clear()
    await companion.call("GET", f"/api/playlists/{pid}")
    assert await fake_log.entries("/Items") == []
    gone = tracks[7].split(":")[1]
    async with (
        aiohttp.ClientSession() as http,
        http.delete(f"{fake_jellyfin.url}/__fake__/library/tracks/{gone}") as resp,
    ):
        assert resp.status == 204
    companion.client.app[keys.MUSIC].resolver.invalidate([gone])
    body = await companion.call("GET", f"/api/playlists/{pid}")
    assert len(body["items"]) == 450
    assert body["items"][7] == {"position": 7, "ref": tracks[7], "available": False, "track": None}


async def test_moving_one_of_a_thousand_costs_at_most_three_calls(
    companion: Companion, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    tracks = refs(fake_jellyfin, 0, 1000)
    body = await companion.call("POST", "/api/playlists", 201, json={"name": "k", "refs": tracks})
    assert body["sync"]["state"] == "synced"
    await fake_log.clear()
    body = await companion.call(
        "POST", f"/api/playlists/{body['id']}/move", json={"from": 900, "to": 10}
    )
    calls = await fake_log.entries()
    assert len(calls) <= 3, calls
    assert [c["method"] for c in calls if "/Move/" in c["path"]] == ["POST"]
    tracks.insert(10, tracks.pop(900))
    assert twin_items(fake_jellyfin, body["sync"]["jellyfin_id"]) == tracks
