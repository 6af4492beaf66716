"""Albums through the fake Lidarr: lookup, add the artist (or find it added), search, webhooks
(Grab, Download, failures by downloadId), the queue as a fallback, and the arrival in Jellyfin."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from companion import keys
from companion.downloads.models import DownloadJob
from companion.events import Event
from companion.library.models import LibraryTrack

from .conftest import JELLYFIN_FOLDER, Stack

ARTIST_MBID = "6a7c3f10-1111-4c0d-9a6b-000000000001"
ALBUM_MBID = "b1a2c3d4-2222-4e5f-8a9b-000000000002"
TRACKS = [("First Light", 200), ("Second Wind", 210), ("Third Eye", 190)]


def _release(stack: Stack, outcome: str = "ok", album_mbid: str = ALBUM_MBID) -> None:
    stack.lidarr.add_release(
        "Northern Lights",
        "Aurora Days",
        TRACKS,
        artist_mbid=ARTIST_MBID,
        album_mbid=album_mbid,
        year=2021,
        outcome=outcome,  # type: ignore[arg-type]
    )


async def _want_album(stack: Stack) -> dict[str, Any]:
    found = await stack.call("GET", "/api/downloads/search?source=lidarr&q=northern+aurora")
    (album,) = found["items"]
    assert album["album_mbid"] == ALBUM_MBID and album["artist_name"] == "Northern Lights"
    body = await stack.call(
        "POST",
        "/api/downloads",
        201,
        json={
            "kind": "album",
            "title": album["title"],
            "artists": [album["artist_name"]],
            "album_mbid": album["album_mbid"],
            "artist_mbid": album["artist_mbid"],
        },
    )
    item: dict[str, Any] = body["items"][0]
    return item


async def test_album_added_searched_imported_scanned_and_in_library(stack: Stack) -> None:
    events: list[Event] = []
    stack.client.app[keys.BUS].subscribe(events.append, ("download.progress", "download.finished"))
    _release(stack)
    item = await _want_album(stack)
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    assert done["provider"] == "lidarr" and len(done["refs"]) == 3

    # Lidarr got the documented calls: add the artist monitoring only this album, then search.
    posts = [r["path"] for r in stack.lidarr.requests if r["method"] in ("POST", "PUT")]
    assert posts == ["/api/v1/artist", "/api/v1/album/monitor", "/api/v1/command"]
    (artist,) = stack.lidarr.world.artists.values()
    assert artist["rootFolderPath"] == "/music" and artist["qualityProfileId"] == 2
    kinds = [w["eventType"] for w in stack.lidarr.world.webhooks_sent]
    assert kinds == ["Grab", "Download"]
    # Jellyfin was told the album folder (its own name for Lidarr's path), and indexed it.
    folder = f"{JELLYFIN_FOLDER}/Northern Lights/Aurora Days (2021)"
    scans = [
        r["body"] for r in stack.jellyfin.state.requests if r["path"] == "/Library/Media/Updated"
    ]
    assert scans == [{"Updates": [{"Path": folder, "UpdateType": "Created"}]}]
    paths = sorted(
        await LibraryTrack.filter(item_id__in=[r[9:] for r in done["refs"]]).values_list(
            "path", flat=True
        )
    )
    assert all(str(p).startswith(folder + "/") for p in paths) and len(paths) == 3
    async with asyncio.timeout(30):
        while not any(e.type == "download.finished" for e in events):
            await asyncio.sleep(0.01)
    states = [e.data["state"] for e in events if e.type == "download.progress"]
    assert states[0] == "searching" and "queued" in states and "importing" in states
    assert [e.type for e in events].count("download.finished") == 1


async def test_artist_already_in_lidarr_and_a_second_request_share_one_download(
    stack: Stack,
) -> None:
    _release(stack)
    # Someone added the artist in Lidarr before (its albums are listed, unmonitored).
    stack.lidarr.world.add_artist(
        {
            "artistName": "Northern Lights",
            "foreignArtistId": ARTIST_MBID,
            "rootFolderPath": "/music",
            "addOptions": {"monitor": "none"},
        }
    )
    async with asyncio.timeout(30):
        while not stack.lidarr.world.albums:  # its refresh listed the albums
            await asyncio.sleep(0.01)
    first = await _want_album(stack)
    second = await _want_album(stack)
    assert first["id"] == second["id"] and first["job_id"] == second["job_id"]
    done = await stack.wait_item(first["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    assert not any(r["path"] == "/api/v1/artist" for r in stack.lidarr.requests)
    assert [w["eventType"] for w in stack.lidarr.world.webhooks_sent].count("Grab") == 1
    assert await DownloadJob.all().count() == 1


async def test_failures_reported_by_webhook_carry_only_the_download_id(stack: Stack) -> None:
    _release(stack, outcome="download_failed")
    item = await _want_album(stack)
    failed = await stack.wait_item(item["id"], ("failed", "in_library"))
    assert failed["state"] == "failed"
    # The queue may show the failure first; the webhook (matched by downloadId) names it.
    async with asyncio.timeout(30):
        while "download of Aurora Days FLAC failed" not in failed["reason"]:
            await asyncio.sleep(0.02)
            failed = await stack.call("GET", f"/api/downloads/{item['id']}")
    assert failed["state"] == "failed"

    # An import failure (Lidarr keeps the download, waiting for a person).
    other = "c0c0c0c0-3333-4e5f-8a9b-000000000003"
    stack.lidarr.add_release(
        "Northern Lights",
        "Broken Dawn",
        TRACKS[:1],
        artist_mbid=ARTIST_MBID,
        album_mbid=other,
        outcome="import_failed",
    )
    body = await stack.call(
        "POST",
        "/api/downloads",
        201,
        json={
            "kind": "album",
            "title": "Broken Dawn",
            "artists": ["Northern Lights"],
            "album_mbid": other,
        },
    )
    failed = await stack.wait_item(body["items"][0]["id"], ("failed", "in_library"))
    assert failed["state"] == "failed" and "could not import" in failed["reason"]


async def test_no_release_found_fails_with_a_reason(stack: Stack) -> None:
    _release(stack, outcome="no_release")
    item = await _want_album(stack)
    failed = await stack.wait_item(item["id"], ("failed", "in_library"))
    assert "found no release" in failed["reason"]


async def test_queue_polling_finishes_without_webhooks(stack: Stack) -> None:
    stack.lidarr.world.webhook_url = None  # Connect → Webhook never set up
    _release(stack)
    item = await _want_album(stack)
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    assert any(r["path"] == "/api/v1/queue" for r in stack.lidarr.requests)
    assert any(r["path"] == "/api/v1/trackfile" for r in stack.lidarr.requests)


async def test_webhook_secret_payloads_and_event_types(stack: Stack) -> None:
    secret = await stack.client.app[keys.LIVE].secrets.get("lidarr")
    url = "/webhooks/lidarr"
    test_body = {
        "eventType": "Test",
        "instanceName": "Lidarr",
        "artist": {
            "id": 1,
            "name": "Test Name",
            "path": "C:\\testpath",
            "mbId": "aaaaa-aaa-aaaa-aaaaaa",
        },
        "albums": [{"id": 123, "title": "Test title"}],
    }
    resp = await stack.client.post(url, json=test_body)
    assert resp.status == 401
    resp = await stack.client.post(url, json=test_body, headers={secret.header: "wrong"})
    assert resp.status == 401
    resp = await stack.client.post(url, json=test_body, headers={secret.header: secret.secret})
    assert resp.status == 200 and (await resp.json())["ignored"] == "Test"
    # Lidarr versions without custom headers send the secret as the Basic password.
    basic = base64.b64encode(f"lidarr:{secret.secret}".encode()).decode()
    resp = await stack.client.post(url, json=test_body, headers={"Authorization": f"Basic {basic}"})
    assert resp.status == 200
    for kind in (
        "Rename",
        "Retag",
        "ArtistAdd",
        "ArtistDelete",
        "AlbumDelete",
        "Health",
        "HealthRestored",
        "ApplicationUpdate",
    ):
        resp = await stack.client.post(
            url, json={"eventType": kind}, headers={secret.header: secret.secret}
        )
        body = await resp.json()
        assert resp.status == 200 and body == {"ok": True, "ignored": kind, "known": True}
    for bad in (b"not json", b"[]", b'{"no": "type"}', b'{"eventType": "Grab", "downloadId": 5}'):
        resp = await stack.client.post(
            url,
            data=bad,
            headers={secret.header: secret.secret, "Content-Type": "application/json"},
        )
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_payload"
    # A failure for a download nobody here asked for changes nothing.
    resp = await stack.client.post(
        url,
        json={"eventType": "DownloadFailure", "downloadId": "UNKNOWN"},
        headers={secret.header: secret.secret},
    )
    assert (await resp.json()) == {"ok": True, "jobs": 0}
    # The admin route shows the URL and the secret, and rotating it retires the old one.
    shown = await stack.call("GET", "/api/settings/webhooks/lidarr")
    assert shown["secret"] == secret.secret and shown["url"].endswith("/webhooks/lidarr")
    rotated = await stack.call("POST", "/api/settings/webhooks/lidarr/rotate")
    resp = await stack.client.post(url, json=test_body, headers={secret.header: secret.secret})
    assert resp.status == 401 and rotated["secret"] != secret.secret


async def test_lidarr_down_waits_and_resumes(stack: Stack) -> None:
    _release(stack)
    await stack.lidarr.stop()
    body = await stack.call(
        "POST",
        "/api/downloads",
        201,
        json={
            "kind": "album",
            "title": "Aurora Days",
            "artists": ["Northern Lights"],
            "album_mbid": ALBUM_MBID,
        },
    )
    item = body["items"][0]
    async with asyncio.timeout(30):
        while "Lidarr is slow or unreachable" not in (
            (await stack.call("GET", f"/api/downloads/{item['id']}"))["reason"] or ""
        ):
            await asyncio.sleep(0.02)
    waiting = await stack.call("GET", f"/api/downloads/{item['id']}")
    assert waiting["state"] == "waiting" and "Retrying in" in waiting["reason"]
    await stack.lidarr.start()
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
