"""End to end: a waiting import row is downloaded from the fake slskd as a real MP3, moved into
the library folder, scanned by the fake Jellyfin, indexed, and filled into Jellyfin's playlist."""

from __future__ import annotations

import asyncio
from typing import Any

from companion import keys
from companion.events import Event
from companion.library.models import LibraryTrack
from companion.testing.slskd import SharedFile
from tests.imports.conftest import csv_of
from tests.imports.test_api import _track_rows
from tests.playlists.conftest import twin_items

from .audio import mp3
from .conftest import JELLYFIN_FOLDER, Stack

WANTED = ("Song From Tomorrow", "Future Band", "Tomorrow Sessions")
REMOTE = "@@music\\Future Band\\Tomorrow Sessions\\01 - Song From Tomorrow.mp3"


async def _wait_synced(stack: Stack, playlist_id: int, count: int) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            body: dict[str, Any] = await stack.call("GET", f"/api/playlists/{playlist_id}")
            if body["sync"]["state"] == "synced" and len(body["items"]) == count:
                return body
            await asyncio.sleep(0.02)


async def test_waiting_row_downloaded_placed_scanned_and_filled(stack: Stack) -> None:
    events: list[Event] = []
    stack.client.app[keys.BUS].subscribe(
        events.append, ("download.progress", "download.finished", "import.filled")
    )
    present = _track_rows(stack.jellyfin, 0, 2)
    rows = [present[0], WANTED, present[1]]
    imported = await stack.call(
        "POST", "/api/imports", 201, json={"source": "csv", "text": csv_of(rows), "name": "Mix"}
    )
    assert [r["state"] for r in imported["rows"]] == ["matched", "unmatched", "matched"]
    committed = await stack.call("POST", f"/api/imports/{imported['id']}/commit", 201, json={})
    playlist = committed["playlist"]
    before = [i["ref"] for i in playlist["items"]]

    # A peer shares the song as a real, tagged MP3 (and a worse peer a live version).
    song = mp3(WANTED[0], WANTED[1], WANTED[2], track=1, seconds=1.0)
    stack.slskd.add_peer("alice", [SharedFile(REMOTE, song, bitrate=320, length=1)])
    live = mp3(WANTED[0] + " (Live)", WANTED[1], "Live", track=1)
    stack.slskd.add_peer(
        "bob",
        [
            SharedFile(
                "bob\\Future Band\\Live\\01 - Song From Tomorrow (Live).mp3", live, bitrate=320
            )
        ],
    )

    body = await stack.call("POST", "/api/downloads", 201, json={"import_id": imported["id"]})
    (item,) = body["items"]
    assert item["title"] == WANTED[0] and item["source"] == "import"
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]

    # Moved out of slskd's folder into Artist/Album/NN - Title.ext inside the library folder.
    placed = stack.library / "Future Band" / "Tomorrow Sessions" / "01 - Song From Tomorrow.mp3"
    assert placed.read_bytes() == song
    assert not any(p.is_file() for p in stack.slskd_dir.rglob("*.mp3"))
    # Jellyfin was told about just that folder, scanned it, and the index has the track.
    seen_as = f"{JELLYFIN_FOLDER}/Future Band/Tomorrow Sessions/01 - Song From Tomorrow.mp3"
    (ref,) = done["refs"]
    track = await LibraryTrack.get(item_id=ref.removeprefix("jellyfin:"))
    assert track.path == seen_as and track.title == WANTED[0]
    scans = [r for r in stack.jellyfin.state.requests if r["path"] == "/Library/Media/Updated"]
    assert scans and scans[0]["body"] == {
        "Updates": [
            {"Path": f"{JELLYFIN_FOLDER}/Future Band/Tomorrow Sessions", "UpdateType": "Created"}
        ]
    }

    # The row filled in its place, in the companion's playlist and in Jellyfin's.
    expected = [before[0], ref, before[1]]
    synced = await _wait_synced(stack, playlist["id"], 3)
    assert [i["ref"] for i in synced["items"]] == expected
    assert twin_items(stack.jellyfin, synced["sync"]["jellyfin_id"]) == expected
    got = await stack.call("GET", f"/api/imports/{imported['id']}")
    assert got["rows"][1]["state"] == "matched" and got["rows"][1]["filled"]

    async with asyncio.timeout(30):
        while not any(e.type == "download.finished" for e in events):
            await asyncio.sleep(0.01)
    finished = [e for e in events if e.type == "download.finished"]
    assert len(finished) == 1 and finished[0].user_id == stack.jellyfin.user_id("demo")
    assert finished[0].data["refs"] == [ref] and "Song From Tomorrow" in finished[0].data["message"]
    states = [e.data["state"] for e in events if e.type == "download.progress"]
    assert "searching" in states and "importing" in states
    # The live version was never fetched: only alice was asked.
    assert {r.username for r in stack.slskd.world.transfers.values()} <= {"alice"}
