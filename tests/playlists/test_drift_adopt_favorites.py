"""Drift from edits made inside Jellyfin, adopting Jellyfin playlists, the live Favorites twin."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from companion import keys
from companion.events import Event
from companion.library.models import Favorite
from companion.testing.jellyfin import FakeJellyfin
from tests.web.conftest import FakeLog

from .conftest import ClientFactory, Companion, refs, start_companion, twin_items, wait_synced

OTHER_APP = 'MediaBrowser Client="other", Device="phone", DeviceId="other-app", Version="1"'


async def jellyfin(fake: Any, method: str, path: str, **kw: Any) -> Any:
    """Call the fake Jellyfin as demo's other app would (its own sign-in).

    Playlist edits need the owner's token: Jellyfin refuses them to an API key.
    """
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{fake.url}/Users/AuthenticateByName",
            json={"Username": "demo", "Pw": "demo"},
            headers={"Authorization": OTHER_APP},
        ) as auth:
            assert auth.status == 200, await auth.text()
            token = (await auth.json())["AccessToken"]
        headers = {"Authorization": f'{OTHER_APP}, Token="{token}"'}
        async with http.request(method, fake.url + path, headers=headers, **kw) as r:
            assert r.status < 300, await r.text()
            return await r.json() if r.status == 200 else None


async def test_drift_is_detected_shown_and_overwritten(
    companion: Companion, fake_jellyfin: Any
) -> None:
    items = refs(fake_jellyfin, 0, 5)
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "Drifty", "refs": items}
    )
    pid, jid = body["id"], body["sync"]["jellyfin_id"]
    assert await companion.service.outbox.scan_drift() == 0
    # Someone reorders and trims the playlist in a Jellyfin app (on 10.10 the move to 0
    # lands at 1: that is drift all the same).
    last = items[-1].split(":")[1]
    await jellyfin(fake_jellyfin, "POST", f"/Playlists/{jid}/Items/{last}/Move/0")
    first = items[0].split(":")[1]
    await jellyfin(fake_jellyfin, "DELETE", f"/Playlists/{jid}/Items", params={"entryIds": first})
    assert await companion.service.outbox.scan_drift() == 1
    body = await companion.call("GET", f"/api/playlists/{pid}")
    assert body["sync"]["drift"] is True and body["sync"]["state"] == "synced"
    assert [i["ref"] for i in body["items"]] == items  # the companion's version is kept
    # The next push (here the Retry button) restores the companion's version, in place.
    body = await companion.call("POST", f"/api/playlists/{pid}/sync")
    assert body["sync"]["drift"] is False and body["sync"]["jellyfin_id"] == jid
    assert twin_items(fake_jellyfin, jid) == items


async def test_rename_in_jellyfin_is_drift_and_undone(
    companion: Companion, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    seen: list[Event] = []
    companion.client.app[keys.BUS].subscribe(seen.append, ("playlist.synced",))
    items = refs(fake_jellyfin, 0, 4)
    body = await companion.call("POST", "/api/playlists", 201, json={"name": "Ours", "refs": items})
    pid, jid = body["id"], body["sync"]["jellyfin_id"]
    outbox = companion.service.outbox
    await fake_log.clear()
    assert await outbox.scan_drift() == 0
    # The scan costs one listing of the owner's playlists and one read of the twin's items.
    calls = [(c["method"], c["path"]) for c in await fake_log.entries()]
    assert sorted(calls) == [("GET", "/Items"), ("GET", f"/Playlists/{jid}/Items")], calls
    # Someone renames the playlist in another Jellyfin app.
    await jellyfin(fake_jellyfin, "POST", f"/Playlists/{jid}", json={"Name": "Theirs"})
    seen.clear()
    assert await outbox.scan_drift() == 1
    body = await companion.call("GET", f"/api/playlists/{pid}")
    assert body["sync"]["drift"] is True and body["sync"]["state"] == "synced"
    assert body["name"] == "Ours" and [i["ref"] for i in body["items"]] == items
    assert [(e.data["playlist_id"], e.data["drift"]) for e in seen] == [(pid, True)]
    assert seen[0].user_id == fake_jellyfin.user_id("demo")
    assert await outbox.scan_drift() == 1 and len(seen) == 1  # still drifted, told once
    # The next push restores the companion's name, in place, with one rename call.
    await fake_log.clear()
    body = await companion.call("POST", f"/api/playlists/{pid}/sync")
    assert body["sync"]["drift"] is False and body["sync"]["jellyfin_id"] == jid
    assert (
        fake_jellyfin.state.playlists[jid].name == "Ours"
        and len(fake_jellyfin.state.playlists) == 1
    )
    assert twin_items(fake_jellyfin, jid) == items
    edits = [c["path"] for c in await fake_log.entries("/Playlists") if c["method"] == "POST"]
    assert edits == [f"/Playlists/{jid}"]
    assert seen[-1].data["drift"] is False and seen[-1].data["state"] == "synced"
    assert await outbox.scan_drift() == 0


async def test_rename_in_jellyfin_undone_by_an_edit_or_undone_there(
    companion: Companion, fake_jellyfin: Any
) -> None:
    a, b, c = refs(fake_jellyfin, 0, 3)
    body = await companion.call("POST", "/api/playlists", 201, json={"name": "Ours", "refs": [a]})
    pid, jid = body["id"], body["sync"]["jellyfin_id"]
    outbox = companion.service.outbox
    # Renamed in Jellyfin and back again before the companion pushes: no drift is left.
    await jellyfin(fake_jellyfin, "POST", f"/Playlists/{jid}", json={"Name": "Theirs"})
    assert await outbox.scan_drift() == 1
    await jellyfin(fake_jellyfin, "POST", f"/Playlists/{jid}", json={"Name": "Ours"})
    assert await outbox.scan_drift() == 0
    assert (await companion.call("GET", f"/api/playlists/{pid}"))["sync"]["drift"] is False
    # Renamed again; the next ordinary edit pushes the companion's name along with its items.
    await jellyfin(fake_jellyfin, "POST", f"/Playlists/{jid}", json={"Name": "Theirs"})
    assert await outbox.scan_drift() == 1
    body = await companion.call("POST", f"/api/playlists/{pid}/items", json={"refs": [b, c]})
    assert body["sync"]["drift"] is False and body["sync"]["jellyfin_id"] == jid
    assert fake_jellyfin.state.playlists[jid].name == "Ours"
    assert twin_items(fake_jellyfin, jid) == [a, b, c]
    assert await outbox.scan_drift() == 0


async def test_twin_deleted_in_jellyfin_comes_back(
    companion: Companion, fake_jellyfin: Any
) -> None:
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "Back", "refs": refs(fake_jellyfin, 0, 3)}
    )
    await jellyfin(fake_jellyfin, "DELETE", f"/Items/{body['sync']['jellyfin_id']}")
    body = await companion.call(
        "POST", f"/api/playlists/{body['id']}/items", json={"refs": refs(fake_jellyfin, 9, 1)}
    )
    (jid,) = fake_jellyfin.state.playlists
    assert body["sync"]["jellyfin_id"] == jid and len(twin_items(fake_jellyfin, jid)) == 4


async def test_adopt_a_jellyfin_playlist(companion: Companion, fake_jellyfin: Any) -> None:
    items = [r.split(":")[1] for r in refs(fake_jellyfin, 20, 4)]
    created = await jellyfin(
        fake_jellyfin,
        "POST",
        "/Playlists",
        json={"Name": "Made in Jellyfin", "Ids": items, "UserId": fake_jellyfin.user_id("demo")},
    )
    jid = created["Id"]
    mine = await companion.call("POST", "/api/playlists", 201, json={"name": "Companion's"})
    listed = (await companion.call("GET", "/api/playlists/jellyfin"))["items"]
    assert listed == [{"jellyfin_id": jid, "name": "Made in Jellyfin", "item_count": 4}]
    assert mine["sync"]["jellyfin_id"] not in [p["jellyfin_id"] for p in listed]
    body = await companion.call("POST", "/api/playlists/adopt", 201, json={"jellyfin_id": jid})
    assert body["name"] == "Made in Jellyfin" and body["sync"]["jellyfin_id"] == jid
    assert [i["ref"] for i in body["items"]] == [f"jellyfin:{i}" for i in items]
    assert body["sync"]["state"] == "synced"
    await companion.call("POST", "/api/playlists/adopt", 409, json={"jellyfin_id": jid})
    await companion.call("POST", "/api/playlists/adopt", 404, json={"jellyfin_id": "0" * 32})
    assert (await companion.call("GET", "/api/playlists/jellyfin"))["items"] == []
    body = await companion.call(
        "POST", f"/api/playlists/{body['id']}/move", json={"from": 3, "to": 0}
    )
    assert twin_items(fake_jellyfin, jid) == [f"jellyfin:{i}" for i in [items[3], *items[:3]]]
    assert len(fake_jellyfin.state.playlists) == 2


async def _twin_of_favorites(fake: Any) -> list[str] | None:
    for pl in fake.state.playlists.values():
        if pl.name == "Favorites":
            return [f"jellyfin:{i}" for _, i in pl.entries]
    return None


async def test_favorites_live_playlist(companion: Companion, fake_jellyfin: Any) -> None:
    a, b, c = refs(fake_jellyfin, 0, 3)
    await companion.call("PUT", f"/api/favorites/{b}")
    await companion.call("PUT", f"/api/favorites/{a}")
    body = await companion.call("GET", "/api/playlists/favorites")
    assert [i["ref"] for i in body["items"]] == [b, a] and body["push"] is False
    assert body["items"][0]["track"]["ref"] == b and body["items"][0]["favorited_at"]
    assert await _twin_of_favorites(fake_jellyfin) is None
    body = await companion.call("PUT", "/api/playlists/favorites", json={"push": True})
    assert body["push"] is True and body["warning"] is None
    assert await _twin_of_favorites(fake_jellyfin) == [b, a]
    # A favorite set in another Jellyfin app reaches the twin live (socket → mirror → push).
    async with aiohttp.ClientSession() as http:
        item = c.split(":")[1]
        async with http.post(f"{fake_jellyfin.url}/__fake__/users/demo/favorites/{item}") as r:
            assert r.status == 200
    async with asyncio.timeout(30):
        while await _twin_of_favorites(fake_jellyfin) != [b, a, c]:
            await asyncio.sleep(0.02)
    await companion.call("DELETE", f"/api/favorites/{b}")
    async with asyncio.timeout(30):
        while await _twin_of_favorites(fake_jellyfin) != [a, c]:
            await asyncio.sleep(0.02)
    assert [f.item_id for f in await Favorite.all().order_by("favorited_at")] == [
        a.split(":")[1],
        c.split(":")[1],
    ]
    # The Favorites twin is not one of the user's editable playlists.
    assert (await companion.call("GET", "/api/playlists"))["items"] == []
    body = await companion.call("PUT", "/api/playlists/favorites", json={"push": False})
    assert body["push"] is False and await _twin_of_favorites(fake_jellyfin) is None
    await companion.call("PUT", "/api/playlists/favorites", 400, json={"push": "yes"})


@pytest.mark.parametrize("version", ["10.11.6", "12.0.0"])
async def test_edits_per_server_version(
    aiohttp_client: ClientFactory, settings: Any, version: str
) -> None:
    async with FakeJellyfin(tracks=300, version=version) as fake:
        c = await start_companion(aiohttp_client, settings, fake)
        log = FakeLog(fake.url)
        a, b, d, e = refs(fake, 0, 4)
        body = await c.call("POST", "/api/playlists", 201, json={"name": "V", "refs": [a, b, a]})
        pid, jid = body["id"], body["sync"]["jellyfin_id"]
        dup = version.startswith("12")
        assert twin_items(fake, jid) == ([a, b, a] if dup else [a, b])
        await log.clear()
        await c.call("POST", f"/api/playlists/{pid}/items", json={"refs": [d, e], "position": 1})
        expected = [a, d, e, b, a] if dup else [a, d, e, b]
        assert twin_items(fake, jid) == expected
        calls = [(r["method"], r["path"].split("/")[-1]) for r in await log.entries("/Playlists")]
        # 12.0 inserts at the position; older versions replace (duplicates) or append and move.
        assert ("POST", "Items") in calls or ("POST", jid) in calls
        body = await c.call("DELETE", f"/api/playlists/{pid}/items/0")
        # The companion now holds [d, e, b, a]; a deduplicating server keeps first copies.
        assert [i["ref"] for i in body["items"]] == [d, e, b, a]
        assert twin_items(fake, jid) == [d, e, b, a]
        await wait_synced(c, pid)
        await c.client.close()
