"""Fixtures of the automation tests: Jellyfin fake wired to the app, demo signed in by token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from companion.history.models import PlaybackState
from companion.testing.jellyfin import FakeJellyfin
from tests.conftest import bearer_headers, point_webhook_plugin


@dataclass
class AutoEnv:
    """The app with Jellyfin, demo's API token and helpers to simulate listening."""

    client: TestClient[Any, Any]
    headers: dict[str, str]
    jellyfin: FakeJellyfin
    user_id: str

    async def play(self, item_id: str, event: str = "start", **extra: Any) -> str:
        """Report playback of an item on demo's simulated kitchen speaker; returns the session."""
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

    def requests(self, prefix: str = "/") -> list[dict[str, Any]]:
        """The fake Jellyfin's request log under a path."""
        return [r for r in self.jellyfin.state.requests if r["path"].startswith(prefix)]

    async def playing(self, session_id: str) -> None:
        """Wait until the overlay shows the session playing."""
        await until(lambda: PlaybackState.filter(session_id=session_id, state="playing").exists())


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    """Wait until check() is true; the bound only stops a hang (a loaded machine is slow)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def wire_demo(client: TestClient[Any, Any], fake: FakeJellyfin) -> AutoEnv:
    """Sign demo in, take an API token, point the fake's Webhook plugin at the app."""
    headers = await bearer_headers(client)
    await point_webhook_plugin(client, fake)
    return AutoEnv(client, headers, fake, fake.user_id("demo"))


@pytest.fixture
async def auto_env(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: FakeJellyfin
) -> AutoEnv:
    """Demo signed in with a token; playback reaches the app through the webhook."""
    return await wire_demo(jellyfin_app_client, fake_jellyfin)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1, like Home Assistant's `/api/webhook/<id>` trigger."""

    server: TestServer | None = None
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    # Statuses to answer in turn before answering 200 (Home Assistant always answers 200).
    failures: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The trigger URL."""
        assert self.server is not None
        return str(self.server.make_url("/api/webhook/companion-events"))

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, answer like the trigger does."""
        body = await request.read()
        self.received.append((dict(request.headers), body))
        if self.failures:
            return web.Response(status=self.failures.pop(0))
        return web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A started receiver."""
    rec = Receiver()
    app = web.Application()
    app.router.add_route("POST", "/api/webhook/{webhook_id}", rec.handle)
    rec.server = TestServer(app, host="127.0.0.1")
    await rec.server.start_server()
    yield rec
    await rec.server.close()
