"""The fake's real music folder: /Library/Media/Updated scans the files put there (tags read with
mutagen), with LibraryChanged and ItemAdded as usual; VirtualFolders lists it; ValidatePath."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from companion.testing.jellyfin import FakeJellyfin
from companion.testing.jellyfin.routes_media_folder import add_mount, add_music_folder, monitor_of
from companion.testing.serving import serve
from tests.downloads.audio import mp3

from .conftest import FakeFactory, api_headers, login, mb_header
from .test_fake_jellyfin_webhook import Receiver, configure

FOLDER = "/media/music/new"


@pytest.fixture
async def hooks() -> AsyncIterator[Receiver]:
    """A Webhook plugin destination recording what it receives."""
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner, port = await serve(app)
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


MBID = "0f0e0d0c-0000-4000-8000-0000000000aa"


async def _updated(http: aiohttp.ClientSession, fake: FakeJellyfin, body: object) -> int:
    async with http.post(
        f"{fake.url}/Library/Media/Updated", json=body, headers=api_headers()
    ) as r:
        return r.status


async def test_reported_folder_is_scanned_and_announced(
    make_fake: FakeFactory, http: aiohttp.ClientSession, hooks: Receiver, tmp_path: Path
) -> None:
    fake = await make_fake(version="10.11.11")
    add_music_folder(fake, tmp_path / "real", FOLDER)
    await configure(http, fake, hooks)
    auth = await login(http, fake.url)
    token = auth["AccessToken"]
    album = tmp_path / "real" / "Sky Writers" / "Flight"
    album.mkdir(parents=True)
    (album / "01 - Paper Planes.mp3").write_bytes(
        mp3("Paper Planes", "Sky Writers", "Flight", track=1, mbid=MBID)
    )
    (album / "cover.txt").write_text("not audio")
    async with http.ws_connect(f"{fake.url}/socket?api_key={token}&deviceId=dev-1") as ws:
        assert (
            await _updated(
                http,
                fake,
                {"Updates": [{"Path": f"{FOLDER}/Sky Writers/Flight", "UpdateType": "Created"}]},
            )
            == 204
        )
        async with asyncio.timeout(30):
            while True:
                message = await ws.receive_json()
                if message["MessageType"] == "LibraryChanged":
                    break
    changed = message["Data"]
    added = await hooks.wait_for("ItemAdded")
    track = next(t for t in fake.library.tracks if t.name == "Paper Planes")
    assert track.id in changed["ItemsAdded"] and added[0]["json"]["ItemId"] in changed["ItemsAdded"]
    async with http.get(
        f"{fake.url}/Items",
        params={"ids": track.id, "fields": "Path,ProviderIds", "recursive": "true"},
        headers=api_headers(),
    ) as r:
        (item,) = (await r.json())["Items"]
    assert item["Path"] == f"{FOLDER}/Sky Writers/Flight/01 - Paper Planes.mp3"
    assert item["ProviderIds"]["MusicBrainzRecording"] == MBID
    assert item["IndexNumber"] == 1 and item["Album"] == "Flight"
    # Reporting the same folder again adds nothing twice; the text file never became an item.
    before = len(fake.library.tracks)
    monitor = monitor_of(fake.app)
    scans = monitor.scans
    assert await _updated(http, fake, {"Updates": [{"Path": FOLDER}]}) == 204
    async with asyncio.timeout(30):
        while monitor.scans == scans:  # the second scan ran
            await asyncio.sleep(0.01)
    assert len(fake.library.tracks) == before


async def test_virtual_folders_validate_path_and_bad_bodies(
    make_fake: FakeFactory, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    fake = await make_fake(version="10.10.7")
    add_music_folder(fake, tmp_path / "real", FOLDER)
    (tmp_path / "real" / "probe").write_text("x")
    async with http.get(f"{fake.url}/Library/VirtualFolders", headers=api_headers()) as r:
        music = next(f for f in await r.json() if f["CollectionType"] == "music")
    assert FOLDER in music["Locations"]
    validate = f"{fake.url}/Environment/ValidatePath"
    for body, status in (
        ({"Path": f"{FOLDER}/probe", "IsFile": True}, 204),
        ({"Path": f"{FOLDER}/missing", "IsFile": True}, 404),
        ({"Path": FOLDER, "IsFile": False}, 204),
        ({"Path": f"{FOLDER}/../etc/passwd", "IsFile": True}, 404),
        ({"Path": "/elsewhere/probe", "IsFile": True}, 404),
    ):
        async with http.post(validate, json=body, headers=api_headers()) as r:
            assert r.status == status, body
    auth = await login(http, fake.url, "guest", "guest")
    guest = {"Authorization": mb_header(auth["AccessToken"])}
    async with http.post(validate, json={"Path": FOLDER}, headers=guest) as r:
        assert r.status == 403
    async with http.post(f"{fake.url}/Library/Media/Updated", json={"Updates": []}) as r:
        assert r.status == 401
    for body in ({}, {"Updates": [{"UpdateType": "Created"}]}, []):
        assert await _updated(http, fake, body) == 400
    # Any signed-in user may report paths ([Authorize] only).
    async with http.post(
        f"{fake.url}/Library/Media/Updated", json={"Updates": []}, headers=guest
    ) as r:
        assert r.status == 204


async def test_hidden_paths_dangling_links_removals_and_mounts(
    make_fake: FakeFactory, http: aiohttp.ClientSession, hooks: Receiver, tmp_path: Path
) -> None:
    fake = await make_fake(version="10.10.7")
    real = tmp_path / "real"
    add_music_folder(fake, real, FOLDER)
    mount = add_mount(fake, tmp_path / "flows", "/media/flows")
    await configure(http, fake, hooks)
    monitor = monitor_of(fake.app)
    song = mp3("Kept", "Band", "Album", track=1)
    (real / "Band" / "Album").mkdir(parents=True)
    (real / "Band" / "Album" / "01 - Kept.mp3").write_bytes(song)
    (real / ".hidden").mkdir()
    (real / ".hidden" / "01 - Hidden.mp3").write_bytes(mp3("Hidden", "Band", "Album"))
    (real / "Band" / "Album" / ".02 - Dotted.mp3").write_bytes(mp3("Dotted", "Band", "Album"))
    (real / "Band" / "Album" / "03 - Dangling.mp3").symlink_to(tmp_path / "nowhere.mp3")
    (mount.real / "04 - Linked.mp3").write_bytes(mp3("Linked", "Band", "Album"))
    (real / "Band" / "Album" / "04 - Linked.mp3").symlink_to(mount.real / "04 - Linked.mp3")

    async def report(path: str) -> None:
        scans = monitor.scans
        assert await _updated(http, fake, {"Updates": [{"Path": path}]}) == 204
        async with asyncio.timeout(30):
            while monitor.scans == scans:
                await asyncio.sleep(0.01)

    await report(FOLDER)
    names = {t.name for t in fake.library.tracks if t.id in fake.library.scanned_files}
    assert names == {"Kept", "Linked"}
    # The flows mount is seen by ValidatePath but is no library location and is never scanned.
    async with http.get(f"{fake.url}/Library/VirtualFolders", headers=api_headers()) as r:
        locations = [loc for f in await r.json() for loc in f["Locations"]]
    assert "/media/flows" not in locations
    async with http.post(
        f"{fake.url}/Environment/ValidatePath",
        json={"Path": "/media/flows/04 - Linked.mp3", "IsFile": True},
        headers=api_headers(),
    ) as r:
        assert r.status == 204
    await report("/media/flows")
    assert {t.name for t in fake.library.tracks if t.id in fake.library.scanned_files} == names
    # The link's target goes (a flow reset): the next scan removes the item, with its events.
    linked = next(t for t in fake.library.tracks if t.name == "Linked")
    (mount.real / "04 - Linked.mp3").unlink()
    await report(f"{FOLDER}/Band/Album")
    assert fake.library.get(linked.id) is None
    deleted = await hooks.wait_for("ItemDeleted")
    assert deleted[0]["json"]["ItemId"] == linked.id
