"""Fixtures of the playlist tests: the app on the fake Jellyfin, demo signed in with a token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.app import create_app
from companion.playlists.service import PlaylistService
from companion.settings import Settings
from companion.testing.jellyfin import FAKE_API_KEY
from tests.conftest import settle_live
from tests.web.conftest import FakeLog

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@dataclass
class Companion:
    """A started companion, demo signed in, with bearer headers for API calls."""

    client: TestClient[Any, Any]
    headers: dict[str, str]

    @property
    def service(self) -> PlaylistService:
        """The app's playlist service."""
        svc: PlaylistService = self.client.app[keys.PLAYLISTS]
        return svc

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """An API call that must answer `status`; returns the JSON body (None for 204)."""
        resp = await self.client.request(method, path, headers=self.headers, **kw)
        text = await resp.text()
        assert resp.status == status, f"{method} {path}: {resp.status} {text}"
        return await resp.json() if text else None


async def start_companion(
    aiohttp_client: ClientFactory, settings: Settings, fake: Any, token: str | None = None
) -> Companion:
    """Start an app on the fake (sign demo in and issue a token unless one is given)."""
    env = {**settings.environ, "JELLYFIN_URL": fake.url, "JELLYFIN_API_KEY": FAKE_API_KEY}
    client = await aiohttp_client(create_app(replace(settings, environ=env)))
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    await entries.wait_setup(entry.entry_id)
    # Fast retries and quick Jellyfin timeouts keep the tests short.
    outbox = client.app[keys.PLAYLISTS].outbox
    outbox.backoff_base, outbox.backoff_max = 0.02, 0.2
    if token is None:
        resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        assert resp.status == 200, await resp.text()
        user = await User.get(jellyfin_id=fake.user_id("demo"))
        _, token = await client.app[keys.AUTH].issue_token(user.id, "tests")
        # From here on every call carries the bearer token only.
        client.session.cookie_jar.clear()
    await settle_live(client.app)
    return Companion(client, {"Authorization": f"Bearer {token}"})


@pytest.fixture(autouse=True)
def fast_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast retries from the very start: an app's outbox runs pending pushes as it starts, before
    a test could shorten its backoff (a push failing then would wait minutes)."""
    from companion.playlists import outbox

    monkeypatch.setattr(outbox, "BACKOFF_BASE", 0.02)
    monkeypatch.setattr(outbox, "BACKOFF_MAX", 0.2)


@pytest.fixture(params=["10.10.7", "10.11.11"])
async def fake_jellyfin(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fake Jellyfin with enough tracks for playlists past one 200-id batch.

    Every playlist test runs on 10.10.7 (moves misplaced, checked by re-reading) and on
    10.11.11 (moves exact, an index past the end a 500).
    """
    from companion.testing.jellyfin import FakeJellyfin

    fake = FakeJellyfin(tracks=1200, version=request.param)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def companion(
    aiohttp_client: ClientFactory, settings: Settings, fake_jellyfin: Any
) -> Companion:
    """The app on the fake Jellyfin with demo signed in."""
    return await start_companion(aiohttp_client, settings, fake_jellyfin)


@pytest.fixture
def fake_log(fake_jellyfin: Any) -> FakeLog:
    """The fake Jellyfin's request log and fault switch."""
    return FakeLog(fake_jellyfin.url)


def refs(fake: Any, start: int, count: int) -> list[str]:
    """Refs of consecutive library tracks."""
    return [f"jellyfin:{t.id}" for t in fake.library.tracks[start : start + count]]


def twin_items(fake: Any, jellyfin_id: str) -> list[str]:
    """The refs a Jellyfin playlist holds, straight from the fake's state."""
    return [f"jellyfin:{i}" for _, i in fake.state.playlists[jellyfin_id].entries]


async def wait_synced(
    companion: Companion, playlist_id: int, timeout: float = 30
) -> dict[str, Any]:
    """Wait until the playlist reports synced; returns it."""
    async with asyncio.timeout(timeout):
        while True:
            body: dict[str, Any] = await companion.call("GET", f"/api/playlists/{playlist_id}")
            if body["sync"]["state"] == "synced":
                return body
            await asyncio.sleep(0.02)
