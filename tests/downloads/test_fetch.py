"""The public hooks flows use: fetch one track into a folder of theirs (no scan, no arrival),
its state by job id, cancel; and the folder check with a probe file."""

from __future__ import annotations

import asyncio

from companion.accounts.models import User
from companion.downloads.probe import check_folder
from companion.downloads.wanted import Want
from companion.testing.slskd import SharedFile

from .audio import mp3
from .conftest import JELLYFIN_FOLDER, Stack


async def test_fetch_into_a_folder_ends_placed_without_a_scan(stack: Stack) -> None:
    owner = await User.get(jellyfin_id=stack.jellyfin.user_id("demo"))
    song = mp3("Weekly Pick", "Flow Band", "Discover", track=2)
    stack.slskd.add_peer(
        "peer", [SharedFile("p\\Flow Band\\Discover\\02 - Weekly Pick.mp3", song, bitrate=320)]
    )
    folder = stack.library.parent / "flows" / "demo" / "weekly"
    want = Want("track", "Weekly Pick", ("Flow Band",), "Discover")
    item = await stack.downloads.fetch(owner.id, want, folder)
    assert item["source"] == "flow"
    async with asyncio.timeout(30):
        while (state := await stack.downloads.state(item["job_id"])) and state["state"] not in (
            "placed",
            "failed",
        ):
            await asyncio.sleep(0.02)
    assert state is not None and state["state"] == "placed", state
    placed = folder / "Flow Band" / "Discover" / "02 - Weekly Pick.mp3"
    assert state["placed"] == str(placed) and placed.read_bytes() == song
    assert not any(r["path"] == "/Library/Media/Updated" for r in stack.jellyfin.state.requests)
    # The same track wanted for the library is another download; a second fetch is the same.
    again = await stack.downloads.fetch(owner.id, want, folder)
    assert again["job_id"] == item["job_id"]
    body = await stack.call(
        "POST", "/api/downloads", 201, json={"title": "Weekly Pick", "artists": ["Flow Band"]}
    )
    assert body["items"][0]["job_id"] != item["job_id"]
    assert await stack.downloads.state(999_999) is None


async def test_cancel_a_fetch_and_check_a_folder(stack: Stack) -> None:
    owner = await User.get(jellyfin_id=stack.jellyfin.user_id("demo"))
    stack.slskd.add_peer(
        "slow", [SharedFile("s\\B\\A\\01 - Never.mp3", b"x", bitrate=320)], behaviour="stall"
    )
    item = await stack.downloads.fetch(
        owner.id, Want("track", "Never", ("B",)), stack.library / "f"
    )
    async with asyncio.timeout(30):
        while (await stack.downloads.state(item["job_id"]) or {}).get("state") != "queued":
            await asyncio.sleep(0.02)
    await stack.downloads.cancel_job(item["job_id"])
    assert (await stack.downloads.state(item["job_id"]) or {})["state"] == "cancelled"
    assert not stack.slskd.world.transfers
    providers = stack.downloads.rt.providers
    assert await check_folder(str(stack.library), JELLYFIN_FOLDER, providers) is None
    problem = await check_folder(str(stack.library), "/somewhere/else", providers)
    assert problem is not None and "are not the same folder" in problem
    problem = await check_folder(str(stack.library / "absent"), JELLYFIN_FOLDER, providers)
    assert problem is not None and "has no folder" in problem
