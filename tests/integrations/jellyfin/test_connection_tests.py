"""Testing a connection never invalidates the running credentials (Jellyfin revokes per device)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.integration.models import ConfigEntry as Row
from companion.integration.types import ConfigEntry, EntryState
from companion.testing.jellyfin import FakeJellyfin
from integrations.jellyfin.config_flow import BAD_LOGIN
from integrations.jellyfin.runtime import JellyfinRuntime

Client = TestClient[Any, Any]


@pytest.fixture
def environ(fake: FakeJellyfin) -> dict[str, str]:
    """Jellyfin configured by the environment with an administrator's login."""
    return {"JELLYFIN_URL": fake.url, "JELLYFIN_USERNAME": "demo", "JELLYFIN_PASSWORD": "demo"}


def demo_tokens(fake: FakeJellyfin) -> set[str]:
    uid = fake.user_id("demo")
    return {t.token for t in fake.state.tokens.values() if t.user_id == uid}


async def loaded_entry(client: Client) -> ConfigEntry:
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    loaded = await entries.wait_setup(entry.entry_id, timeout=30)
    assert loaded.state == EntryState.LOADED, loaded.reason
    return loaded


async def test_tests_leave_the_running_token_alone(
    client: Client, admin_headers: dict[str, str], fake: FakeJellyfin
) -> None:
    entry = await loaded_entry(client)
    runtime = entry.runtime_data
    assert isinstance(runtime, JellyfinRuntime)
    running = runtime.client
    before = demo_tokens(fake)
    assert running.socket_token() in before

    # Testing the entry signs in with the environment's password on a device of its own,
    # then signs that token out again.
    resp = await client.post(f"/api/integrations/{entry.entry_id}/test", headers=admin_headers)
    assert resp.status == 200
    assert (await resp.json())["test"]["ok"] is True
    assert (await running.me()).name == "demo"
    assert demo_tokens(fake) == before

    # The setup form's test uses what was typed, not the environment's password.
    resp = await client.post(
        "/api/integrations/test",
        json={"domain": "jellyfin", "data": {"url": fake.url, "username": "demo", "password": "x"}},
        headers=admin_headers,
    )
    assert resp.status == 200
    assert (await resp.json())["test"]["error"] == {"code": "invalid_auth", "message": BAD_LOGIN}
    # A right typed password works too, and leaves nothing behind either.
    resp = await client.post(
        "/api/integrations/test",
        json={"domain": "jellyfin", "data": {"username": "demo", "password": "demo"}},
        headers=admin_headers,
    )
    assert (await resp.json())["test"]["ok"] is True
    assert (await running.me()).name == "demo"
    assert demo_tokens(fake) == before
    assert entry.state == EntryState.LOADED
    # No test stored a credential: the environment's entry still has nothing in the database.
    row = await Row.get(entry_id=entry.entry_id)
    assert row.secrets is None and row.data == {}


async def test_rejected_stored_token_falls_back_to_the_environment(
    client: Client, fake: FakeJellyfin
) -> None:
    entry = await loaded_entry(client)
    # A token stored earlier that Jellyfin has since revoked.
    box = client.app[keys.SECRET_BOX]
    await Row.filter(entry_id=entry.entry_id).update(
        data={"user_id": fake.user_id("demo")},
        secrets=box.encrypt_json({"access_token": "f" * 32}),
    )
    entries = client.app[keys.ENTRIES]
    await entries.reload(entry.entry_id)
    again = await entries.wait_setup(entry.entry_id, timeout=30)
    assert again.state == EntryState.LOADED, again.reason
    runtime = again.runtime_data
    assert isinstance(runtime, JellyfinRuntime)
    assert runtime.client.socket_token() in demo_tokens(fake)
    # Users can sign in (no 409 "Jellyfin is not configured yet").
    resp = await client.post("/api/auth/login", json={"username": "guest", "password": "guest"})
    assert resp.status == 200, await resp.text()
