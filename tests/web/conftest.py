"""Fixtures of the music API tests: a signed-in client and the fake's request log."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import settle_live


class FakeLog:
    """The fake Jellyfin's request log, read through its control plane."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def clear(self) -> None:
        """Forget every request so far."""
        async with aiohttp.ClientSession() as http, http.delete(f"{self.url}/__fake__/requests"):
            pass

    async def entries(self, path_prefix: str = "") -> list[dict[str, Any]]:
        """Requests received since the last clear (optionally only under a path)."""
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.url}/__fake__/requests") as resp,
        ):
            log: list[dict[str, Any]] = await resp.json()
        return [e for e in log if e["path"].startswith(path_prefix)]

    async def faults(self, **body: Any) -> None:
        """Set (or with no arguments, clear) fault injection."""
        async with aiohttp.ClientSession() as http:
            if body:
                async with http.put(f"{self.url}/__fake__/faults", json=body) as resp:
                    assert resp.status == 204
            else:
                async with http.delete(f"{self.url}/__fake__/faults") as resp:
                    assert resp.status == 204


@pytest.fixture
def fake_log(fake_jellyfin: Any) -> FakeLog:
    """The fake Jellyfin's request log and fault switch."""
    return FakeLog(fake_jellyfin.url)


async def sign_in(client: TestClient[Any, Any], username: str = "demo") -> dict[str, Any]:
    """Sign in through the API (stores the user's Jellyfin token); returns the user."""
    resp = await client.post("/api/auth/login", json={"username": username, "password": username})
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


@pytest.fixture
async def music_client(jellyfin_app_client: TestClient[Any, Any]) -> TestClient[Any, Any]:
    """The app with Jellyfin configured and demo signed in (Jellyfin's normal timeout)."""
    await sign_in(jellyfin_app_client)
    # The sign-in opens the user's live socket, whose reconcile reads favorites: let it settle
    # so upstream call counts in tests see only what the test itself causes.
    await settle_live(jellyfin_app_client.app)
    return jellyfin_app_client
