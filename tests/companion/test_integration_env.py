"""Environment variables configure an integration and override stored values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.integration.models import ConfigEntry as Row
from companion.integration.types import EntryState
from companion.testing.ollama import FakeOllama

SECRET = "sk-env-secret-5678"


@pytest.fixture
async def env_fake() -> AsyncIterator[FakeOllama]:
    fake = FakeOllama(api_key=SECRET)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def environ(env_fake: FakeOllama) -> dict[str, str]:
    return {"OLLAMA_URL": env_fake.url, "OLLAMA_API_KEY": SECRET}


async def test_environment_configures_and_overrides(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    listing = await (await client.get("/api/integrations", headers=admin_headers)).json()
    (entry,) = listing["entries"]
    assert entry["source"] == "environment"
    assert entry["env_overrides"] == {
        "api_key": "Using API key from environment",
        "url": "Using URL from environment",
    }
    assert SECRET not in str(listing)
    loaded = await client.app[keys.ENTRIES].wait_setup(entry["entry_id"])
    assert loaded.state == EntryState.LOADED
    # Nothing from the environment is written to the database.
    row = await Row.get()
    assert row.secrets is None and row.data == {}
    available = await (
        await client.get("/api/integrations/available", headers=admin_headers)
    ).json()
    ollama = next(i for i in available["integrations"] if i["domain"] == "ollama")
    assert ollama["env_values"] == ["api_key", "url"]


async def test_environment_wins_over_a_stored_value(
    client: TestClient[Any, Any], admin_headers: dict[str, str], env_fake: FakeOllama
) -> None:
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries()
    await Row.filter(entry_id=entry.entry_id).update(
        data={"url": "http://127.0.0.1:9", "model": "x"}
    )
    reloaded = await entries.reload(entry.entry_id)
    assert reloaded.data["url"] == env_fake.url
    assert reloaded.data["model"] == "x"
    assert (await entries.wait_setup(entry.entry_id)).state == EntryState.LOADED
