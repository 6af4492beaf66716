"""Fixtures for the fake Jellyfin server tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin

FakeFactory = Callable[..., Awaitable[FakeJellyfin]]


def mb_header(token: str | None = None, device_id: str = "dev-1", client: str = "pytest") -> str:
    parts = [f'Client="{client}"', 'Device="box"', f'DeviceId="{device_id}"', 'Version="1.0"']
    if token:
        parts.append(f'Token="{token}"')
    return "MediaBrowser " + ", ".join(parts)


def api_headers(token: str = FAKE_API_KEY) -> dict[str, str]:
    return {"Authorization": mb_header(token)}


@pytest.fixture
async def make_fake() -> AsyncIterator[FakeFactory]:
    fakes: list[FakeJellyfin] = []

    async def factory(**kw: Any) -> FakeJellyfin:
        kw.setdefault("tracks", 300)
        fake = FakeJellyfin(**kw)
        await fake.start()
        fakes.append(fake)
        return fake

    yield factory
    for f in fakes:
        await f.stop()


@pytest.fixture
async def fake(make_fake: FakeFactory) -> FakeJellyfin:
    return await make_fake()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def login(
    http: aiohttp.ClientSession,
    url: str,
    user: str = "demo",
    pw: str = "demo",
    device_id: str = "dev-1",
) -> dict[str, Any]:
    async with http.post(
        f"{url}/Users/AuthenticateByName",
        json={"Username": user, "Pw": pw},
        headers={"Authorization": mb_header(device_id=device_id)},
    ) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def get_json(
    http: aiohttp.ClientSession, url: str, token: str = FAKE_API_KEY, **params: Any
) -> Any:
    async with http.get(url, headers=api_headers(token), params=params) as r:
        assert r.status == 200, f"{r.status} {await r.text()}"
        return await r.json()
