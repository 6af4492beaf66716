"""Fixtures of the download tests: the companion on fake Jellyfin, slskd and Lidarr, sharing
real folders under names that differ per service (as containers mount them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.app import create_app
from companion.downloads.config import Timings
from companion.downloads.service import DownloadService
from companion.settings import Settings
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.jellyfin.media_folder import MediaFolder
from companion.testing.jellyfin.routes_media_folder import add_music_folder
from companion.testing.lidarr import FAKE_LIDARR_API_KEY, FakeLidarr
from companion.testing.slskd import FAKE_SLSKD_API_KEY, FakeSlskd
from tests.conftest import bearer_headers, echo_csrf, settle_live

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
JELLYFIN_FOLDER = "/media/music/downloads"
LIDARR_FOLDER = "/music"
FAST = Timings(
    tick=0.05,
    search_poll=0.05,
    search_timeout=0.2,
    transfer_poll=0.05,
    lidarr_poll=0.1,
    retry_base=0.1,
    retry_max=0.5,
    rescan_after=timedelta(seconds=30),
    album_listed_within=timedelta(seconds=5),
)


@dataclass
class Stack:
    """The companion and its fakes, with demo (an administrator) signed in."""

    client: TestClient[Any, Any]
    headers: dict[str, str]
    jellyfin: FakeJellyfin
    slskd: FakeSlskd
    lidarr: FakeLidarr
    folder: MediaFolder
    library: Path
    slskd_dir: Path

    @property
    def downloads(self) -> DownloadService:
        """The app's download service."""
        service: DownloadService = self.client.app[keys.DOWNLOADS]
        return service

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """An API call that must answer `status`; the JSON body (None for 204)."""
        resp = await self.client.request(method, path, headers=self.headers, **kw)
        text = await resp.text()
        assert resp.status == status, f"{method} {path}: {resp.status} {text}"
        return await resp.json() if text else None

    async def wait_item(
        self, wanted_id: int, states: tuple[str, ...], timeout: float = 30
    ) -> dict[str, Any]:
        """Poll one wanted item until it is in one of the states; return it."""
        async with asyncio.timeout(timeout):
            while True:
                item: dict[str, Any] = await self.call("GET", f"/api/downloads/{wanted_id}")
                if item["state"] in states:
                    return item
                await asyncio.sleep(0.02)

    def folder_settings(self, **overrides: Any) -> dict[str, Any]:
        """A settings body mapping every service's name of the folders."""
        body = {
            "jellyfin_folder": JELLYFIN_FOLDER,
            "companion_folder": str(self.library),
            "lidarr_folder": LIDARR_FOLDER,
            "quality_profile": "2",
            "metadata_profile": "1",
            "slskd_folder": str(self.slskd_dir),
        }
        body.update(overrides)
        return body


async def start_companion(
    aiohttp_client: ClientFactory,
    settings: Settings,
    fake: FakeJellyfin,
    slskd: FakeSlskd,
    lidarr: FakeLidarr,
) -> tuple[TestClient[Any, Any], dict[str, str]]:
    """Start the companion on running fakes (a second call with the same settings restarts it
    on the same database); demo signed in."""
    env = {
        **settings.environ,
        "JELLYFIN_URL": fake.url,
        "JELLYFIN_API_KEY": FAKE_API_KEY,
        "JELLYFIN_USERNAME": "demo",
        "JELLYFIN_PASSWORD": "demo",
        "SLSKD_URL": slskd.url,
        "SLSKD_API_KEY": FAKE_SLSKD_API_KEY,
        "LIDARR_URL": lidarr.url,
        "LIDARR_API_KEY": FAKE_LIDARR_API_KEY,
    }
    client = await aiohttp_client(  # type: ignore[call-arg]
        create_app(replace(settings, environ=env)), middlewares=(echo_csrf,)
    )
    entries = client.app[keys.ENTRIES]
    for entry in entries.entries():
        await entries.wait_setup(entry.entry_id)
    client.app[keys.DOWNLOADS].rt.timings = FAST
    headers = await bearer_headers(client, "demo")
    await settle_live(client.app)
    secret = await client.app[keys.LIVE].secrets.get("lidarr")
    lidarr.set_webhook(str(client.make_url("/webhooks/lidarr")), {secret.header: secret.secret})
    return client, headers


async def start_stack(
    aiohttp_client: ClientFactory, settings: Settings, tmp_path: Path, *, configure: bool = True
) -> Stack:
    """Start the fakes and the companion on them; save the folder settings unless told not to."""
    library = tmp_path / "library"
    slskd_dir = tmp_path / "slskd-downloads"
    fake = FakeJellyfin(tracks=60)
    folder = add_music_folder(fake, library, JELLYFIN_FOLDER)
    await fake.start()
    slskd = FakeSlskd(slskd_dir, step=0.02, search_seconds=0.05)
    await slskd.start()
    lidarr = FakeLidarr({LIDARR_FOLDER: library}, step=0.03)
    await lidarr.start()
    client, headers = await start_companion(aiohttp_client, settings, fake, slskd, lidarr)
    stack = Stack(client, headers, fake, slskd, lidarr, folder, library, slskd_dir)
    if configure:
        await stack.call("PUT", "/api/downloads/settings", json=stack.folder_settings())
    return stack


@pytest.fixture
async def stack(
    aiohttp_client: ClientFactory, settings: Settings, tmp_path: Path
) -> AsyncIterator[Stack]:
    """The companion with every fake, folders set and checked."""
    built = await start_stack(aiohttp_client, settings, tmp_path)
    yield built
    await built.slskd.close()
    await built.lidarr.close()
    await built.jellyfin.stop()
