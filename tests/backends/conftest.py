"""One music API, two media servers: every test here runs against Jellyfin and Navidrome."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from companion.testing.jellyfin import FAKE_API_KEY
from integrations.navidrome.ids import to_hex, to_navidrome
from tests.conftest import settle_live

Client = TestClient[Any, Any]


@dataclass
class Backend:
    """The app on one fake server, demo signed in, and what that server itself says."""

    name: str
    client: Client
    fake: Any

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """An API call that must answer `status`; the JSON body (None when empty)."""
        resp = await self.client.request(method, path, **kw)
        text = await resp.text()
        assert resp.status == status, f"{method} {path}: {resp.status} {text}"
        return await resp.json() if text else None

    def ref(self, library_id: str) -> str:
        """The companion ref of a generated library item on this server."""
        if self.name == "jellyfin":
            return f"jellyfin:{library_id}"
        return f"navidrome:{to_hex(self.fake.nd_id(library_id))}"

    def track_refs(self, start: int, count: int) -> list[str]:
        """Refs of consecutive generated tracks."""
        tracks = (
            self.fake.state.library.tracks if self.name == "navidrome" else self.fake.library.tracks
        )
        return [self.ref(t.id) for t in tracks[start : start + count]]

    def remote_playlist(self, remote_id: str) -> tuple[str, list[str]]:
        """A server playlist's name and refs, straight from the fake's state."""
        if self.name == "jellyfin":
            pls = self.fake.state.playlists[remote_id]
            return pls.name, [f"jellyfin:{i}" for _, i in pls.entries]
        pls = self.fake.state.playlists[to_navidrome(remote_id)]
        return pls.name, [f"navidrome:{to_hex(i)}" for i in pls.songs]

    def remote_playlist_count(self) -> int:
        """How many playlists the server holds."""
        return len(self.fake.state.playlists)

    async def server_favorites(self) -> list[str]:
        """demo's favorite tracks as the server reports them."""
        async with aiohttp.ClientSession() as http:
            if self.name == "jellyfin":
                headers = {
                    "Authorization": 'MediaBrowser Client="t", Device="t", DeviceId="t", '
                    f'Version="1", Token="{FAKE_API_KEY}"'
                }
                params = {
                    "userId": self.fake.user_id("demo"),
                    "isFavorite": "true",
                    "recursive": "true",
                    "includeItemTypes": "Audio",
                }
                async with http.get(f"{self.fake.url}/Items", params=params, headers=headers) as r:
                    return [f"jellyfin:{i['Id']}" for i in (await r.json())["Items"]]
            salt = "abcdef"
            token = hashlib.md5(b"demo" + salt.encode(), usedforsecurity=False).hexdigest()
            params = {"u": "demo", "t": token, "s": salt, "v": "1.16.1", "c": "t", "f": "json"}
            async with http.get(f"{self.fake.url}/rest/getStarred2", params=params) as r:
                body = (await r.json())["subsonic-response"]["starred2"]
            return [f"navidrome:{to_hex(s['id'])}" for s in body.get("song", [])]


@pytest.fixture(params=["jellyfin", "navidrome"])
def server(request: pytest.FixtureRequest) -> Backend:
    """The app on each fake media server in turn (started by the usual fixtures)."""
    name = request.param
    client: Client = request.getfixturevalue(f"{name}_app_client")
    return Backend(name, client, request.getfixturevalue(f"fake_{name}"))


@pytest.fixture
async def backend(server: Backend) -> Backend:
    """The app on each fake media server in turn, demo signed in."""
    client = server.client
    resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    assert resp.status == 200, await resp.text()
    await settle_live(client.app)
    return server
