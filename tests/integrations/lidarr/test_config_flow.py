"""The Lidarr config flow through the API: every error key, then success, diagnostics, env."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.app import create_app
from companion.settings import Settings
from companion.testing.lidarr import FAKE_LIDARR_API_KEY, FakeLidarr
from companion.testing.slskd import FakeSlskd


@pytest.fixture
async def fake_lidarr(tmp_path: Path) -> AsyncIterator[FakeLidarr]:
    """A fake Lidarr with one root folder."""
    fake = FakeLidarr({"/music": tmp_path / "music"})
    await fake.start()
    yield fake
    await fake.close()


async def _add(client: TestClient[Any, Any], headers: dict[str, str], data: dict[str, Any]) -> Any:
    resp = await client.post(
        "/api/integrations", json={"domain": "lidarr", "data": data}, headers=headers
    )
    return resp.status, await resp.json()


async def test_flow_errors_then_success(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_lidarr: FakeLidarr,
    tmp_path: Path,
    unused_tcp_port: int,
) -> None:
    status, body = await _add(
        client, admin_headers, {"url": f"http://127.0.0.1:{unused_tcp_port}", "api_key": "k"}
    )
    assert status == 400 and body["error"] == {
        "code": "cannot_connect",
        "message": "Could not reach Lidarr. Check the URL and that Lidarr is running.",
    }
    status, body = await _add(client, admin_headers, {"url": fake_lidarr.url, "api_key": "wrong"})
    assert status == 400 and body["error"] == {
        "code": "invalid_auth",
        "message": "Lidarr returned 401. Check your API key.",
    }
    # slskd answers, but it is not Lidarr (no /api/v1/system/status).
    other = FakeSlskd(tmp_path / "slskd", api_key=FAKE_LIDARR_API_KEY)
    await other.start()
    try:
        status, body = await _add(
            client, admin_headers, {"url": other.url, "api_key": FAKE_LIDARR_API_KEY}
        )
    finally:
        await other.close()
    assert status == 400 and body["error"]["code"] == "cannot_connect"
    assert "did not answer like Lidarr" in body["error"]["message"]

    status, body = await _add(
        client, admin_headers, {"url": fake_lidarr.url, "api_key": FAKE_LIDARR_API_KEY}
    )
    assert status == 201, body
    assert body["entry"]["title"] == f"Lidarr {fake_lidarr.version}"
    assert body["test"]["warnings"] == []
    entry_id = body["entry"]["entry_id"]
    entry = await client.app[keys.ENTRIES].wait_setup(entry_id)
    assert entry.state.value == "loaded" and client.app[keys.PROVIDERS].albums is not None

    resp = await client.get(f"/api/integrations/{entry_id}/diagnostics", headers=admin_headers)
    text = await resp.text()
    assert resp.status == 200 and FAKE_LIDARR_API_KEY not in text
    diag = (await resp.json())["integration"]
    assert diag["root_folders"][0]["path"] == "/music"
    assert diag["quality_profiles"] == ["Any", "Lossless"] and diag["queue"]["records"] == 0
    status, body = await _add(
        client, admin_headers, {"url": fake_lidarr.url, "api_key": FAKE_LIDARR_API_KEY}
    )
    assert status == 409


async def test_no_root_folder_saves_with_a_warning(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    fake = FakeLidarr({})
    await fake.start()
    try:
        status, body = await _add(
            client, admin_headers, {"url": fake.url, "api_key": FAKE_LIDARR_API_KEY}
        )
    finally:
        await fake.close()
    assert status == 201
    assert "no root folder" in body["test"]["warnings"][0]


async def test_environment_configures_lidarr_and_overrides(
    aiohttp_client: Any, settings: Settings, fake_lidarr: FakeLidarr
) -> None:
    env = {"LIDARR_URL": fake_lidarr.url, "LIDARR_API_KEY": FAKE_LIDARR_API_KEY}
    app: web.Application = create_app(replace(settings, environ=env))
    client = await aiohttp_client(app)
    (entry,) = client.app[keys.ENTRIES].entries("lidarr")
    await client.app[keys.ENTRIES].wait_setup(entry.entry_id)
    described = client.app[keys.ENTRIES].describe(entry)
    assert described["source"] == "environment" and described["state"] == "loaded"
    assert described["env_overrides"]["api_key"] == "Using API key from environment"
    assert described["data"]["api_key"] == "**REDACTED**"
