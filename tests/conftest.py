"""Shared fixtures: settings, a database per test (SQLite, or PostgreSQL when asked), app, client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse, web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet

from companion import keys
from companion.accounts.models import User
from companion.app import create_app
from companion.settings import Settings
from tests.brokers import pytest_sessionfinish, pytest_sessionstart  # noqa: F401  (hooks)
from tests.hangs import pytest_runtest_protocol  # noqa: F401  (hook)

PG_URL = os.environ.get("COMPANION_TEST_DATABASE_URL", "")


async def echo_csrf(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
    """Client middleware: send the session's CSRF cookie back as X-CSRF-Token, like the dashboard."""
    from http.cookies import SimpleCookie

    jar: SimpleCookie = SimpleCookie(request.headers.get("Cookie", ""))
    if "companion_csrf" in jar and "X-CSRF-Token" not in request.headers:
        request.headers["X-CSRF-Token"] = jar["companion_csrf"].value
    return await handler(request)


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        # A clean schema per test is much cheaper than a database per test.
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """A fresh, empty database for this test."""
    if PG_URL:
        await _reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite://{tmp_path / 'companion.sqlite3'}"


async def settle_live(app: web.Application) -> None:
    """Open the sockets the configuration and sign-ins call for now; wait until they reconciled.

    The bus tells the live service about sign-ins and integration changes from a task of its
    own; refreshing here does now what that delivery will do (a second refresh changes nothing),
    so no test depends on how soon the bus runs.
    """
    sockets = app[keys.LIVE].sockets
    await sockets.refresh()
    await sockets.wait_idle(timeout=60)


@pytest.fixture
def environ() -> dict[str, str]:
    """The environment the app sees (tests add integration overrides here)."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, environ: dict[str, str]) -> Settings:
    """Settings for a test app: temporary data dir, its own database, a fixed key."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=Fernet.generate_key().decode(),
        environ=environ,
    )


@pytest.fixture
def app(settings: Settings) -> web.Application:
    """An unstarted companion app."""
    return create_app(settings)


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    app: web.Application,
) -> TestClient[Any, Any]:
    """A started app with a test client."""
    return await aiohttp_client(app, middlewares=(echo_csrf,))  # type: ignore[call-arg]


UserFactory = Callable[..., Awaitable[tuple[User, dict[str, str]]]]


@pytest.fixture
def make_user(client: TestClient[Any, Any]) -> UserFactory:
    """Create a user and return it with headers carrying an API token of theirs."""

    async def factory(
        name: str | None = None, *, admin: bool = False
    ) -> tuple[User, dict[str, str]]:
        user = await User.create(
            name=name or f"user-{uuid.uuid4().hex[:6]}",
            jellyfin_id=uuid.uuid4().hex,
            is_admin=admin,
        )
        if admin:
            client.app[keys.AUTH].admin_created()
        _, token = await client.app[keys.AUTH].issue_token(user.id, "tests")
        return user, {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
async def admin_headers(make_user: UserFactory) -> dict[str, str]:
    """Headers of a signed-in administrator."""
    _, headers = await make_user("admin", admin=True)
    return headers


@pytest.fixture
async def fake_ollama() -> AsyncIterator[Any]:
    """A fake Ollama on 127.0.0.1."""
    from companion.testing.ollama import FakeOllama

    fake = FakeOllama()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_audiomuse(fake_jellyfin: Any) -> AsyncIterator[Any]:
    """A fake AudioMuse-AI that has analysed the fake Jellyfin's library (ids match)."""
    from companion.testing.audiomuse import FakeAudioMuse

    fake = FakeAudioMuse(fake_jellyfin.library)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_jellyfin() -> AsyncIterator[Any]:
    """A fake Jellyfin (users demo/demo admin, guest/guest) with a small library."""
    from companion.testing.jellyfin import FakeJellyfin

    fake = FakeJellyfin(tracks=200)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def jellyfin_app_client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    fake_jellyfin: Any,
) -> TestClient[Any, Any]:
    """A started app whose Jellyfin integration points at the fake (API key from the env)."""
    from dataclasses import replace

    from companion.testing.jellyfin import FAKE_API_KEY

    env = {**settings.environ, "JELLYFIN_URL": fake_jellyfin.url, "JELLYFIN_API_KEY": FAKE_API_KEY}
    client = await aiohttp_client(  # type: ignore[call-arg]
        create_app(replace(settings, environ=env)), middlewares=(echo_csrf,)
    )
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    await entries.wait_setup(entry.entry_id)
    # Let the first library index sync finish, so tests start from a settled state.
    await settle_live(client.app)
    return client


async def bearer_headers(client: TestClient[Any, Any], username: str = "demo") -> dict[str, str]:
    """Sign a Jellyfin user in, take an API token, drop the cookie; return bearer headers."""
    resp = await client.post("/api/auth/login", json={"username": username, "password": username})
    assert resp.status == 200, await resp.text()
    resp = await client.post("/api/tokens", json={"name": f"{username} tests"})
    assert resp.status == 201, await resp.text()
    token = (await resp.json())["token"]
    client.session.cookie_jar.clear()
    return {"Authorization": f"Bearer {token}"}


async def point_webhook_plugin(client: TestClient[Any, Any], fake: Any) -> None:
    """Point the fake's Webhook plugin at the app with its secret, then let the sockets settle.

    Playback reaches the companion through the plugin: an API key's socket gets none.
    """
    import aiohttp

    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    body = {
        "url": str(client.make_url("/webhooks/jellyfin")),
        "headers": {secret.header: secret.secret},
    }
    async with (
        aiohttp.ClientSession() as http,
        http.put(f"{fake.url}/__fake__/webhook", json=body) as put,
    ):
        assert put.status < 300
    await settle_live(client.app)
