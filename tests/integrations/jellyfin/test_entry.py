"""A Jellyfin config entry end to end: stored data, setup, runtime, diagnostics."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.integration.models import ConfigEntry as Row
from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    EntryState,
    IntegrationContext,
)
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from integrations.jellyfin import async_setup_entry, async_unload_entry
from integrations.jellyfin.diagnostics import API_KEY_EVENTS, async_get_diagnostics
from integrations.jellyfin.runtime import JellyfinRuntime
from tests.e2e.procs import free_port


def entry(data: dict[str, Any]) -> ConfigEntry:
    return ConfigEntry(
        entry_id="e" * 32, domain="jellyfin", title="Jellyfin", data=data, options={}, source="user"
    )


async def test_login_entry_stores_no_password(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake: FakeJellyfin
) -> None:
    resp = await client.post(
        "/api/integrations",
        json={
            "domain": "jellyfin",
            "data": {
                "url": fake.url,
                "username": "demo",
                "password": "demo",
                "public_url": "https://music.example.com",
            },
        },
        headers=admin_headers,
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["entry"]["title"] == "Jellyfin fake-jellyfin"

    row = await Row.get()
    secrets = client.app[keys.SECRET_BOX].decrypt_json(row.secrets or "")
    assert secrets.get("password") is None
    token = secrets["access_token"]
    assert "password" not in row.data and "access_token" not in row.data
    assert row.data["user_id"] == fake.user_id("demo")
    assert token not in json.dumps(body)

    loaded = await client.app[keys.ENTRIES].wait_setup(body["entry"]["entry_id"])
    assert loaded.state == EntryState.LOADED, loaded.reason
    runtime = loaded.runtime_data
    assert isinstance(runtime, JellyfinRuntime)
    assert runtime.has_user_login and not runtime.uses_api_key
    assert runtime.user_client is runtime.client
    assert runtime.public_url == "https://music.example.com"
    assert runtime.server_info.version_string == "10.10.7"

    resp = await client.get(
        f"/api/integrations/{loaded.entry_id}/diagnostics", headers=admin_headers
    )
    text = await resp.text()
    assert token not in text
    diag = json.loads(text)["integration"]
    assert diag["credential"] == "user_login"
    assert diag["music_libraries"] == 1


async def test_api_key_setup_and_diagnostics(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    e = entry({"url": fake.url, "api_key": FAKE_API_KEY})
    runtime = await async_setup_entry(ctx, e)
    assert runtime.uses_api_key and not runtime.has_user_login
    assert runtime.public_url == fake.url
    e.runtime_data = runtime
    diag = await async_get_diagnostics(ctx, e)
    assert diag["credential"] == "api_key"
    assert diag["live_events"] == API_KEY_EVENTS
    assert diag["server"]["version"] == "10.10.7"
    assert {"name": "Music", "collection_type": "music"} in diag["libraries"]
    assert FAKE_API_KEY not in json.dumps(diag)
    assert ctx.providers.identity is not None
    identity = await ctx.providers.identity.authenticate("demo", "demo", "d" * 32)
    assert identity.is_admin and identity.user_id == fake.user_id("demo")
    await async_unload_entry(ctx, e)
    assert ctx.providers.identity is None


async def test_api_key_plus_login(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    # Environment-style entry: the password comes from the environment, no token stored.
    e = entry({"url": fake.url, "api_key": FAKE_API_KEY, "username": "demo", "password": "demo"})
    runtime = await async_setup_entry(ctx, e)
    assert runtime.uses_api_key and runtime.has_user_login
    assert runtime.user_client is not None and runtime.user_client is not runtime.client
    assert (await runtime.user_client.me()).name == "demo"


async def test_setup_not_ready_when_down(ctx: IntegrationContext) -> None:
    port = free_port()
    with pytest.raises(ConfigEntryNotReady, match=r"127\.0\.0\.1"):
        await async_setup_entry(ctx, entry({"url": f"http://127.0.0.1:{port}", "api_key": "k"}))


async def test_setup_auth_failed(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    with pytest.raises(
        ConfigEntryAuthFailed, match=r"^Jellyfin returned 401\. Check your API key\.$"
    ):
        await async_setup_entry(ctx, entry({"url": fake.url, "api_key": "0" * 32}))
    with pytest.raises(ConfigEntryAuthFailed, match="Sign in again"):
        await async_setup_entry(
            ctx, entry({"url": fake.url, "access_token": "0" * 32, "user_id": "1" * 32})
        )
    with pytest.raises(ConfigEntryAuthFailed, match="No Jellyfin credential"):
        await async_setup_entry(ctx, entry({"url": fake.url}))
