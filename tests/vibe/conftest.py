"""Fixtures of the vibe tests: the app with Jellyfin and AudioMuse fakes, demo signed in by token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
from companion.testing.jellyfin import FakeJellyfin
from tests.conftest import bearer_headers, point_webhook_plugin


@pytest.fixture
async def fake_jellyfin() -> AsyncIterator[FakeJellyfin]:
    """A larger library than the default fixture's: 1,000 tracks by 25 artists."""
    fake = FakeJellyfin(tracks=1000)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def environ(request: pytest.FixtureRequest) -> dict[str, str]:
    """AudioMuse configured from the environment, unless the test is marked no_audiomuse."""
    if request.node.get_closest_marker("no_audiomuse"):
        return {}
    if request.node.get_closest_marker("audiomuse_unreachable"):
        port = request.getfixturevalue("unused_tcp_port")
        return {"AUDIOMUSE_URL": f"http://127.0.0.1:{port}", "AUDIOMUSE_API_TOKEN": "t"}
    fake: FakeAudioMuse = request.getfixturevalue("fake_audiomuse")
    return {"AUDIOMUSE_URL": fake.url, "AUDIOMUSE_API_TOKEN": FAKE_AUDIOMUSE_TOKEN}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line("markers", "no_audiomuse: run without the AudioMuse integration")
    config.addinivalue_line(
        "markers", "audiomuse_unreachable: AudioMuse configured at an address nobody answers"
    )


@dataclass
class VibeEnv:
    """Everything a vibe test touches."""

    client: TestClient[Any, Any]
    headers: dict[str, str]
    jellyfin: FakeJellyfin
    user_id: str

    @property
    def app(self) -> Any:
        """The companion app."""
        return self.client.app

    async def vibe(self, expect: int = 201, **body: Any) -> dict[str, Any]:
        """POST /api/vibe and check the status."""
        resp = await self.client.post("/api/vibe", json=body, headers=self.headers)
        data: dict[str, Any] = await resp.json()
        assert resp.status == expect, data
        return data

    async def play(self, item_id: str, event: str = "start", **extra: Any) -> str:
        """Report playback of an item on a simulated device of demo; returns the session id."""
        body = {
            "item_id": item_id,
            "event": event,
            "device": "Kitchen",
            "client": "Finamp",
            **extra,
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.jellyfin.url}/__fake__/users/demo/playback", json=body) as resp,
        ):
            assert resp.status == 200, await resp.text()
            return str((await resp.json())["session_id"])

    async def jellyfin_requests(self, prefix: str = "/") -> list[dict[str, Any]]:
        """The fake Jellyfin's request log (paths under prefix)."""
        return [r for r in self.jellyfin.state.requests if r["path"].startswith(prefix)]


@pytest.fixture
async def vibe_env(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: FakeJellyfin
) -> VibeEnv:
    """Demo signed in, holding an API token (the tests call the API with it, not the cookie)."""
    client = jellyfin_app_client
    for entry in client.app[keys.ENTRIES].entries("audiomuse"):
        await client.app[keys.ENTRIES].wait_setup(entry.entry_id)
    headers = await bearer_headers(client)
    await point_webhook_plugin(client, fake_jellyfin)
    return VibeEnv(client, headers, fake_jellyfin, fake_jellyfin.user_id("demo"))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    """Wait until check() is true (bounded)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)
