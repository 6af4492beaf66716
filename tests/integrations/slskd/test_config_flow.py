"""The slskd config flow through the API: every error key, then success, warnings, env."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.app import create_app
from companion.settings import Settings
from companion.testing.lidarr import FakeLidarr
from companion.testing.slskd import FAKE_SLSKD_API_KEY, FakeSlskd


@pytest.fixture
async def fake_slskd(tmp_path: Path) -> AsyncIterator[FakeSlskd]:
    """A fake slskd logged in to the network."""
    fake = FakeSlskd(tmp_path / "downloads")
    await fake.start()
    yield fake
    await fake.close()


async def _add(client: TestClient[Any, Any], headers: dict[str, str], data: dict[str, Any]) -> Any:
    resp = await client.post(
        "/api/integrations", json={"domain": "slskd", "data": data}, headers=headers
    )
    return resp.status, await resp.json()


async def test_flow_errors_then_success(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_slskd: FakeSlskd,
    tmp_path: Path,
    unused_tcp_port: int,
) -> None:
    status, body = await _add(
        client, admin_headers, {"url": f"http://127.0.0.1:{unused_tcp_port}", "api_key": "k" * 16}
    )
    assert status == 400 and body["error"] == {
        "code": "cannot_connect",
        "message": "Could not reach slskd. Check the URL and that slskd is running.",
    }
    status, body = await _add(client, admin_headers, {"url": fake_slskd.url, "api_key": "w" * 16})
    assert status == 400 and body["error"]["code"] == "invalid_auth"
    assert body["error"]["message"].startswith("slskd returned 401. Check your API key")
    lidarr = FakeLidarr({}, api_key=FAKE_SLSKD_API_KEY)
    await lidarr.start()
    try:
        status, body = await _add(
            client, admin_headers, {"url": lidarr.url, "api_key": FAKE_SLSKD_API_KEY}
        )
    finally:
        await lidarr.close()
    assert status == 400 and "did not answer like slskd" in body["error"]["message"]

    # Logged out of Soulseek and a download folder that is not slskd's: saved, with warnings.
    fake_slskd.world.logged_in = False
    status, body = await _add(
        client,
        admin_headers,
        {"url": fake_slskd.url, "api_key": FAKE_SLSKD_API_KEY, "downloads_dir": "/data/slskd"},
    )
    assert status == 201, body
    warnings = body["test"]["warnings"]
    assert any("not logged in to the Soulseek network" in w for w in warnings)
    assert any("its download folder is /app/downloads, not /data/slskd" in w for w in warnings)
    entry_id = body["entry"]["entry_id"]
    entry = await client.app[keys.ENTRIES].wait_setup(entry_id)
    assert entry.state.value == "loaded"
    files = client.app[keys.PROVIDERS].files
    assert files is not None and files.downloads_dir == "/data/slskd"
    resp = await client.get(f"/api/integrations/{entry_id}/diagnostics", headers=admin_headers)
    text = await resp.text()
    assert FAKE_SLSKD_API_KEY not in text
    diag = (await resp.json())["integration"]
    assert diag["server"] == {"state": "Disconnected", "logged_in": False}
    resp = await client.delete(f"/api/integrations/{entry_id}", headers=admin_headers)
    assert resp.status in (200, 204) and client.app[keys.PROVIDERS].files is None


async def test_environment_configures_slskd(
    aiohttp_client: Any, settings: Settings, fake_slskd: FakeSlskd
) -> None:
    env = {
        "SLSKD_URL": fake_slskd.url,
        "SLSKD_API_KEY": FAKE_SLSKD_API_KEY,
        "SLSKD_DOWNLOADS_DIR": "/srv/slskd",
    }
    client = await aiohttp_client(create_app(replace(settings, environ=env)))
    (entry,) = client.app[keys.ENTRIES].entries("slskd")
    await client.app[keys.ENTRIES].wait_setup(entry.entry_id)
    described = client.app[keys.ENTRIES].describe(entry)
    assert described["state"] == "loaded" and described["data"]["downloads_dir"] == "/srv/slskd"
    assert set(described["env_overrides"]) == {"url", "api_key", "downloads_dir"}
