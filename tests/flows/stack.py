"""The companion on every fake a flow needs: Jellyfin (scanning a real music folder), slskd
(writing real MP3 files), ListenBrainz (created-for playlists, CF recommendations), Ollama
(a recommending stand-in model) and AudioMuse-AI; demo signed in, folders checked and saved."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.app import create_app
from companion.events import Event
from companion.flows.service import FlowService
from companion.settings import Settings
from companion.testing.audiomuse import FakeAudioMuse
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.jellyfin.routes_media_folder import add_mount, add_music_folder
from companion.testing.listenbrainz import FakeListenBrainz
from companion.testing.listenbrainz.discovery import ListenBrainzDiscovery
from companion.testing.ollama_chat import FakeOllamaChat
from companion.testing.slskd import FAKE_SLSKD_API_KEY, FakeSlskd
from tests.conftest import bearer_headers, echo_csrf, settle_live
from tests.downloads.conftest import FAST

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
JELLYFIN_FOLDER = "/media/music/downloads"
LB_TOKEN = "8b6a3b9e-5d7e-4a1b-9a2f-0c1d2e3f4a5b"


@dataclass
class FlowStack:
    """The companion, its fakes and the folders they share."""

    client: TestClient[Any, Any]
    headers: dict[str, str]
    jellyfin: FakeJellyfin
    slskd: FakeSlskd
    listenbrainz: FakeListenBrainz
    lb: ListenBrainzDiscovery
    ollama: FakeOllamaChat
    audiomuse: FakeAudioMuse
    library: Path
    flows_dir: Path
    slskd_dir: Path
    events: list[Event]

    @property
    def flows(self) -> FlowService:
        """The app's flows service."""
        service: FlowService = self.client.app[keys.FLOWS]
        return service

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """An API call that must answer `status`; the JSON body (None for 204)."""
        resp = await self.client.request(method, path, headers=self.headers, **kw)
        text = await resp.text()
        assert resp.status == status, f"{method} {path}: {resp.status} {text}"
        return await resp.json() if text else None

    async def wait_flow(
        self, flow_id: int, done: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """Poll a flow until `done(flow)`; return it."""
        async with asyncio.timeout(timeout):
            while True:
                flow: dict[str, Any] = await self.call("GET", f"/api/flows/{flow_id}")
                if done(flow):
                    return flow
                await asyncio.sleep(0.05)

    async def close(self) -> None:
        """Stop every fake."""
        await self.slskd.close()
        await self.listenbrainz.stop()
        await self.ollama.stop()
        await self.audiomuse.stop()
        await self.jellyfin.stop()


async def start_flow_stack(
    aiohttp_client: ClientFactory, settings: Settings, tmp_path: Path
) -> FlowStack:
    """Start the fakes and the companion; link demo's ListenBrainz; choose the folders."""
    library, flows_dir, slskd_dir = (tmp_path / n for n in ("library", "flows", "slskd"))
    jellyfin = FakeJellyfin(tracks=60)
    add_music_folder(jellyfin, library, JELLYFIN_FOLDER)
    # Jellyfin's container mounts the flows folder at the companion's path (same-mount rule).
    add_mount(jellyfin, flows_dir, str(flows_dir))
    await jellyfin.start()
    slskd = FakeSlskd(slskd_dir, step=0.01, search_seconds=0.05)
    await slskd.start()
    listenbrainz = FakeListenBrainz()
    lb = ListenBrainzDiscovery(listenbrainz).install()
    listenbrainz.add_user("demo_lb", LB_TOKEN)
    await listenbrainz.start()
    ollama = FakeOllamaChat()
    await ollama.start()
    audiomuse = FakeAudioMuse(jellyfin.library)
    await audiomuse.start()
    env = {
        **settings.environ,
        "JELLYFIN_URL": jellyfin.url,
        "JELLYFIN_API_KEY": FAKE_API_KEY,
        "JELLYFIN_USERNAME": "demo",
        "JELLYFIN_PASSWORD": "demo",
        "SLSKD_URL": slskd.url,
        "SLSKD_API_KEY": FAKE_SLSKD_API_KEY,
        "LISTENBRAINZ_URL": listenbrainz.url,
        "OLLAMA_URL": ollama.url,
        "OLLAMA_MODEL": "llama3.2",
        "AUDIOMUSE_URL": audiomuse.url,
        "AUDIOMUSE_API_TOKEN": audiomuse.api_token,
    }
    client = await aiohttp_client(  # type: ignore[call-arg]
        create_app(replace(settings, environ=env)), middlewares=(echo_csrf,)
    )
    entries = client.app[keys.ENTRIES]
    for entry in entries.entries():
        await entries.wait_setup(entry.entry_id)
    headers = await bearer_headers(client, "demo")
    await settle_live(client.app)
    # The index the matcher reads: complete before the first week is built.
    await client.app[keys.LIVE].sockets.library_index.full_sync()
    events: list[Event] = []
    client.app[keys.BUS].subscribe(
        events.append, ("flow.ready", "flow.reset", "flow.progress", "playlist.changed")
    )
    stack = FlowStack(
        client,
        headers,
        jellyfin,
        slskd,
        listenbrainz,
        lb,
        ollama,
        audiomuse,
        library,
        flows_dir,
        slskd_dir,
        events,
    )
    stack.flows.tracker.interval = 0.05
    client.app[keys.DOWNLOADS].rt.timings = FAST
    await stack.call("PUT", "/api/scrobble/listenbrainz", json={"token": LB_TOKEN})
    await stack.call(
        "PUT",
        "/api/downloads/settings",
        json={
            "jellyfin_folder": JELLYFIN_FOLDER,
            "companion_folder": str(library),
            "slskd_folder": str(slskd_dir),
        },
    )
    return stack
