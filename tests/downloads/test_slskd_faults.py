"""Soulseek faults: rejected, errored and stalled transfers, a file that is not audio, names
that try to climb out of the library, a full disk, slskd down, a restart, duplicate requests."""

from __future__ import annotations

import asyncio
import errno
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from companion.downloads import placing
from companion.downloads.models import DownloadJob, WantedItem
from companion.settings import Settings
from companion.testing.slskd import SharedFile

from .audio import mp3
from .conftest import FAST, Stack, start_companion

TITLE, ARTIST, ALBUM = "Paper Planes", "Sky Writers", "Flight"


def _remote(user: str, name: str = f"01 - {TITLE}.mp3", album: str = ALBUM) -> str:
    return f"{user}\\Music\\{ARTIST}\\{album}\\{name}"


async def _want(stack: Stack, **extra: Any) -> dict[str, Any]:
    body = {"kind": "track", "title": TITLE, "artists": [ARTIST], "album": ALBUM, **extra}
    result = await stack.call("POST", "/api/downloads", 201, json=body)
    item: dict[str, Any] = result["items"][0]
    return item


def _users(stack: Stack) -> list[str]:
    return [r.username for r in stack.slskd.world.transfers.values()]


async def test_failing_peers_are_skipped_until_one_delivers(stack: Stack) -> None:
    song = mp3(TITLE, ARTIST, ALBUM, track=1)
    # Best first by the ranking: free slots and speed; the good peer is ranked last.
    stack.slskd.add_peer(
        "rejecter",
        [SharedFile(_remote("r"), song, bitrate=320)],
        upload_speed=9_000_000,
        behaviour="reject",
    )
    stack.slskd.add_peer(
        "errorer",
        [SharedFile(_remote("e"), song, bitrate=320)],
        upload_speed=8_000_000,
        behaviour="error",
    )
    stack.slskd.add_peer(
        "liar",
        [SharedFile(_remote("l"), b"<html>not audio</html>", bitrate=320)],
        upload_speed=7_000_000,
    )
    stack.slskd.add_peer(
        "good",
        [SharedFile(_remote("g"), song, bitrate=320)],
        upload_speed=100,
        free_slot=False,
        queue_length=2,
    )
    item = await _want(stack)
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    assert (stack.library / ARTIST / ALBUM / f"01 - {TITLE}.mp3").read_bytes() == song
    job = await DownloadJob.get(id=done["job_id"])
    outcomes = {t.get("username"): t.get("outcome") for t in job.details["tried"]}
    assert outcomes["rejecter"].startswith("Rejected")
    assert outcomes["errorer"].startswith("Errored: Remote connection closed")
    assert "not an audio file" in outcomes["liar"]
    # The file that was not audio was deleted, not left in slskd's folder or the library.
    assert not [p for p in stack.slskd_dir.rglob("*") if p.is_file()]
    assert len(list(stack.library.rglob("*.mp3"))) == 1


async def test_a_stalled_transfer_is_cancelled_after_the_limit(stack: Stack) -> None:
    stack.downloads.rt.timings = FAST
    await stack.call("PUT", "/api/downloads/settings", json={"stall_minutes": 1})
    # One minute is too long for a test: shorten the limit behind the setting.
    stack.downloads.rt.settings = replace(stack.downloads.rt.settings, stall_minutes=0.005)
    song = mp3(TITLE, ARTIST, ALBUM, track=1)
    stack.slskd.add_peer(
        "staller",
        [SharedFile(_remote("s"), song, bitrate=320)],
        upload_speed=9_000_000,
        behaviour="stall_progress",
    )
    stack.slskd.add_peer("good", [SharedFile(_remote("g"), song, bitrate=192)], upload_speed=10)
    item = await _want(stack)
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    job = await DownloadJob.get(id=done["job_id"])
    (stalled,) = [t for t in job.details["tried"] if t.get("username") == "staller"]
    assert stalled["outcome"].startswith("stalled (InProgress)")
    # slskd was told to cancel and forget the stalled transfer.
    assert any(r["method"] == "DELETE" and "/staller/" in r["path"] for r in stack.slskd.requests)
    assert "staller" not in _users(stack)


async def test_nothing_usable_fails_with_the_reasons(stack: Stack) -> None:
    live = mp3(TITLE + " (Live)", ARTIST, "Live", track=1)
    stack.slskd.add_peer(
        "p1", [SharedFile(_remote("p", f"01 - {TITLE} (Live).mp3", "Live"), live, bitrate=320)]
    )
    stack.slskd.add_peer(
        "p2", [SharedFile(_remote("q", f"01 - {TITLE}.wma"), b"x" * 10, bitrate=320)]
    )
    item = await _want(stack)
    failed = await stack.wait_item(item["id"], ("failed", "in_library"))
    assert failed["state"] == "failed"
    assert (
        "No Soulseek peer delivered" in failed["reason"]
        and "a different version (live)" in failed["reason"]
    )
    assert _users(stack) == []  # nothing was downloaded
    # Retry starts over (the peers are still the same, so it fails the same way).
    retried = await stack.call("POST", f"/api/downloads/{item['id']}/retry")
    assert retried["state"] == "waiting"
    again = await stack.wait_item(item["id"], ("failed",))
    assert "No Soulseek peer delivered" in again["reason"]


async def test_tags_that_climb_out_are_sanitised(stack: Stack) -> None:
    nasty = mp3("../../etc/passwd: <evil>?", "../..", "CON", track=7)
    stack.slskd.add_peer(
        "tricky",
        [SharedFile("x\\..\\..\\Sky Writers\\Flight\\07 - Paper Planes.mp3", nasty, bitrate=320)],
    )
    # slskd refuses remote names with traversal segments itself: a second peer shares it plainly.
    stack.slskd.add_peer(
        "plain", [SharedFile(_remote("t", "07 - Paper Planes.mp3"), nasty, bitrate=256)]
    )
    item = await _want(stack)
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    files = [p for p in stack.library.rglob("*") if p.is_file()]
    assert len(files) == 1
    placed = files[0].relative_to(stack.library)
    # Separators and characters illegal on Windows become "_", an artist of dots "Unknown",
    # the reserved device name CON is prefixed.
    assert placed.parts == ("Unknown", "_CON", "07 - _.._etc_passwd_ _evil__.mp3")
    assert files[0].resolve().is_relative_to(stack.library.resolve())


async def test_a_full_disk_is_a_clear_failure(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: str, dst: str) -> None:
        Path(dst).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(placing.shutil, "move", full)
    stack.slskd.add_peer("good", [SharedFile(_remote("g"), mp3(TITLE, ARTIST, ALBUM), bitrate=320)])
    item = await _want(stack)
    failed = await stack.wait_item(item["id"], ("failed", "in_library"))
    assert failed["state"] == "failed"
    assert (
        "The library disk is full" in failed["reason"]
        and "No space left on device" in failed["reason"]
    )
    # No half-written file stays in the library.
    assert not [p for p in stack.library.rglob("*") if p.is_file()]


async def test_duplicate_requests_make_one_download(stack: Stack) -> None:
    stack.slskd.add_peer("good", [SharedFile(_remote("g"), mp3(TITLE, ARTIST, ALBUM), bitrate=320)])
    bodies = [{"kind": "track", "title": TITLE, "artists": [ARTIST], "album": ALBUM}] * 5
    bodies.append({"kind": "track", "title": TITLE.upper(), "artists": [ARTIST.lower()]})
    results = await asyncio.gather(
        *(stack.call("POST", "/api/downloads", 201, json=b) for b in bodies)
    )
    ids = {r["items"][0]["id"] for r in results}
    assert len(ids) == 1 and await DownloadJob.all().count() == 1
    await stack.wait_item(ids.pop(), ("in_library",))
    assert _users(stack) == [] or len(stack.slskd.world.transfers) <= 1
    searches = [
        r for r in stack.slskd.requests if r["method"] == "POST" and r["path"].endswith("/searches")
    ]
    assert len(searches) == 1


async def test_slskd_down_waits_and_resumes(stack: Stack) -> None:
    stack.slskd.add_peer("good", [SharedFile(_remote("g"), mp3(TITLE, ARTIST, ALBUM), bitrate=320)])
    await stack.slskd.stop()
    item = await _want(stack)
    async with asyncio.timeout(30):
        while "unreachable" not in (
            (await stack.call("GET", f"/api/downloads/{item['id']}"))["reason"] or ""
        ):
            await asyncio.sleep(0.02)
    waiting = await stack.call("GET", f"/api/downloads/{item['id']}")
    assert waiting["state"] == "waiting" and "Retrying in" in waiting["reason"]
    await stack.slskd.start()
    done = await stack.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]


async def test_not_logged_in_to_soulseek_waits(stack: Stack) -> None:
    stack.slskd.world.logged_in = False
    stack.slskd.add_peer("good", [SharedFile(_remote("g"), mp3(TITLE, ARTIST, ALBUM), bitrate=320)])
    item = await _want(stack)
    async with asyncio.timeout(30):
        while "not connected to the Soulseek network" not in (
            (await stack.call("GET", f"/api/downloads/{item['id']}"))["reason"] or ""
        ):
            await asyncio.sleep(0.02)
    stack.slskd.world.logged_in = True
    done = await stack.wait_item(item["id"], ("in_library",))
    assert done["state"] == "in_library"


async def test_cancel_stops_the_transfer_and_nothing_arrives(stack: Stack) -> None:
    song = mp3(TITLE, ARTIST, ALBUM)
    stack.slskd.add_peer("slow", [SharedFile(_remote("s"), song, bitrate=320)], behaviour="stall")
    item = await _want(stack)
    await stack.wait_item(item["id"], ("queued",))
    cancelled = await stack.call("POST", f"/api/downloads/{item['id']}/cancel")
    assert cancelled["state"] == "cancelled"
    assert not stack.slskd.world.transfers  # cancelled and removed in slskd
    assert (await DownloadJob.get(id=item["job_id"])).state == "cancelled"
    await stack.call("POST", f"/api/downloads/{item['id']}/cancel", 200)
    assert await WantedItem.filter(cancelled=True).count() == 1


async def test_restart_loses_nothing(stack: Stack, aiohttp_client: Any, settings: Settings) -> None:
    song = mp3(TITLE, ARTIST, ALBUM)
    peer = stack.slskd.add_peer(
        "good", [SharedFile(_remote("g"), song, bitrate=320)], queue_length=5
    )
    item = await _want(stack)
    await stack.wait_item(item["id"], ("queued",))
    # The companion stops mid-download; the peer's queue moves on meanwhile.
    await stack.client.close()
    peer.queue_length = 0
    client, headers = await start_companion(
        aiohttp_client, settings, stack.jellyfin, stack.slskd, stack.lidarr
    )
    again = replace(stack, client=client, headers=headers)
    done = await again.wait_item(item["id"], ("in_library", "failed"))
    assert done["state"] == "in_library", done["reason"]
    # The same transfer finished: no second search, no second download.
    posts = [r for r in stack.slskd.requests if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[-1] for r in posts] == ["searches", "good"]
