"""The AudioMuse-AI config flow through the API: every error key, then success and diagnostics."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse


async def _add(client: TestClient[Any, Any], headers: dict[str, str], data: dict[str, Any]) -> Any:
    resp = await client.post(
        "/api/integrations", json={"domain": "audiomuse", "data": data}, headers=headers
    )
    return resp.status, await resp.json()


async def test_flow_errors_then_success(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_audiomuse: FakeAudioMuse,
    unused_tcp_port: int,
) -> None:
    status, body = await _add(
        client, admin_headers, {"url": f"http://127.0.0.1:{unused_tcp_port}", "api_token": "x"}
    )
    assert status == 400
    assert body["error"]["code"] == "cannot_connect"
    assert "Could not reach AudioMuse-AI" in body["error"]["message"]

    status, body = await _add(
        client, admin_headers, {"url": fake_audiomuse.url, "api_token": "bad"}
    )
    assert status == 400
    assert body["error"] == {
        "code": "invalid_auth",
        "message": "AudioMuse-AI returned 401. Check your API token.",
    }

    fake_audiomuse.state.setup_required = True
    status, body = await _add(
        client, admin_headers, {"url": fake_audiomuse.url, "api_token": FAKE_AUDIOMUSE_TOKEN}
    )
    assert status == 400
    assert body["error"]["code"] == "cannot_connect"
    assert "Setup required" in body["error"]["message"]
    fake_audiomuse.state.setup_required = False

    status, body = await _add(
        client, admin_headers, {"url": fake_audiomuse.url, "api_token": FAKE_AUDIOMUSE_TOKEN}
    )
    assert status == 201, body
    assert body["test"]["ok"] is True
    assert body["entry"]["title"] == "AudioMuse-AI v3.4.0"
    entry_id = body["entry"]["entry_id"]
    entry = await client.app[keys.ENTRIES].wait_setup(entry_id)
    assert entry.state.value == "loaded"
    assert client.app[keys.PROVIDERS].similarity is not None

    resp = await client.get(f"/api/integrations/{entry_id}/diagnostics", headers=admin_headers)
    assert resp.status == 200
    text = await resp.text()
    assert FAKE_AUDIOMUSE_TOKEN not in text
    diag = (await resp.json())["integration"]
    assert diag["version"] == "v3.4.0"
    assert diag["engine"]["available"] is True
    assert diag["tasks"] == {"active": None, "last": None}

    # Only one AudioMuse per install.
    status, body = await _add(
        client, admin_headers, {"url": fake_audiomuse.url, "api_token": FAKE_AUDIOMUSE_TOKEN}
    )
    assert status == 409


async def test_unanalysed_install_saves_with_a_warning(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake_jellyfin: Any
) -> None:
    async with FakeAudioMuse(fake_jellyfin.library, analysed=False) as fake:
        status, body = await _add(
            client, admin_headers, {"url": fake.url, "api_token": FAKE_AUDIOMUSE_TOKEN}
        )
    assert status == 201
    assert any("has not analysed" in w for w in body["test"]["warnings"])
