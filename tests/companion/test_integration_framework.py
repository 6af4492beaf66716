"""The integration framework, proven with the Ollama integration against a fake Ollama."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event
from companion.integration.entries import retry_delay
from companion.integration.models import ConfigEntry as Row
from companion.integration.registry import Manifest, ManifestError, discover
from companion.integration.types import EntryState
from companion.testing.ollama import FakeOllama

SECRET = "sk-very-secret-proxy-key-1234"


async def _states(client: TestClient[Any, Any]) -> list[Event]:
    events: list[Event] = []
    client.app[keys.BUS].subscribe(events.append, ["integration.state"])
    await asyncio.sleep(0)
    return events


def test_discovery_finds_manifests() -> None:
    found = discover()
    assert "ollama" in found
    assert found["ollama"].manifest.env["api_key"] == "OLLAMA_API_KEY"


def test_bad_manifest_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "manifest.json").write_text(
        '{"domain": "other", "name": "x", "version": "1", "iot_class": "x"}'
    )
    with pytest.raises(ManifestError):
        Manifest.load(folder / "manifest.json")
    (folder / "manifest.json").write_text("{nope")
    with pytest.raises(ManifestError):
        Manifest.load(folder / "manifest.json")


def test_retry_delay_grows_and_caps() -> None:
    delays = [retry_delay(n, 5.0) for n in range(10)]
    assert 4.0 <= delays[0] <= 6.0
    assert delays[3] > delays[1]
    assert max(delays) <= 300 * 1.2


async def test_available_lists_schema(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    body = await (await client.get("/api/integrations/available", headers=admin_headers)).json()
    ollama = next(i for i in body["integrations"] if i["domain"] == "ollama")
    fields = {f["name"]: f for f in ollama["schema"]}
    assert fields["api_key"]["secret"] is True
    assert fields["url"]["type"] == "url"


async def test_config_flow_errors_then_success(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_ollama: FakeOllama,
    unused_tcp_port: int,
) -> None:
    # cannot_connect: nothing listens there.
    resp = await client.post(
        "/api/integrations",
        json={"domain": "ollama", "data": {"url": f"http://127.0.0.1:{unused_tcp_port}"}},
        headers=admin_headers,
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == {
        "code": "cannot_connect",
        "message": "Could not reach Ollama. Check the URL and that Ollama is running.",
    }
    # invalid_auth: the proxy wants a key.
    fake_ollama.api_key = SECRET
    resp = await client.post(
        "/api/integrations",
        json={"domain": "ollama", "data": {"url": fake_ollama.url, "api_key": "wrong"}},
        headers=admin_headers,
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == {
        "code": "invalid_auth",
        "message": "Ollama returned 401. Check your API key.",
    }
    # invalid input: wrong type, unknown field, not a URL.
    for data in ({"url": 5}, {"url": fake_ollama.url, "bogus": 1}, {"url": "ftp://x"}):
        resp = await client.post(
            "/api/integrations", json={"domain": "ollama", "data": data}, headers=admin_headers
        )
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_input"
    resp = await client.post(
        "/api/integrations", json={"domain": "nope", "data": {}}, headers=admin_headers
    )
    assert resp.status == 404
    assert await Row.all().count() == 0
    # Success, with a warning about a model that is not pulled.
    events = await _states(client)
    resp = await client.post(
        "/api/integrations",
        json={
            "domain": "ollama",
            "data": {"url": fake_ollama.url + "/", "api_key": SECRET, "model": "mistral"},
        },
        headers=admin_headers,
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["test"]["ok"] is True
    assert "mistral" in body["test"]["warnings"][0]
    entry = body["entry"]
    assert entry["data"]["url"] == fake_ollama.url
    assert entry["data"]["api_key"] == "**REDACTED**"
    assert SECRET not in json.dumps(body)
    loaded = await client.app[keys.ENTRIES].wait_setup(entry["entry_id"])
    assert loaded.state == EntryState.LOADED
    async with asyncio.timeout(30):  # the bus delivers from a task of its own
        while not events or events[-1].data["state"] != "loaded":
            await asyncio.sleep(0.01)
    listing = await (await client.get("/api/integrations", headers=admin_headers)).json()
    assert listing["entries"][0]["state"] == "loaded"
    assert SECRET not in json.dumps(listing)


async def test_a_failed_internal_error_maps_to_unknown(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    fake_ollama: FakeOllama,
) -> None:
    from integrations.ollama.client import OllamaClient

    async def boom(self: OllamaClient) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(OllamaClient, "version", boom)
    resp = await client.post(
        "/api/integrations",
        json={"domain": "ollama", "data": {"url": fake_ollama.url}},
        headers=admin_headers,
    )
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "unknown"
    assert "bug" not in error["message"]


async def test_secrets_are_encrypted_at_rest(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_ollama: FakeOllama,
    settings: Any,
) -> None:
    fake_ollama.api_key = SECRET
    resp = await client.post(
        "/api/integrations",
        json={"domain": "ollama", "data": {"url": fake_ollama.url, "api_key": SECRET}},
        headers=admin_headers,
    )
    assert resp.status == 201
    row = await Row.get()
    assert "api_key" not in row.data and SECRET not in (row.secrets or "")
    if settings.resolved_database_url.startswith("sqlite://"):
        path = Path(settings.resolved_database_url.removeprefix("sqlite://"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert SECRET.encode() not in raw


async def test_diagnostics_redact_every_secret(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake_ollama: FakeOllama
) -> None:
    fake_ollama.api_key = SECRET
    body = await (
        await client.post(
            "/api/integrations",
            json={"domain": "ollama", "data": {"url": fake_ollama.url, "api_key": SECRET}},
            headers=admin_headers,
        )
    ).json()
    entry_id = body["entry"]["entry_id"]
    await client.app[keys.ENTRIES].wait_setup(entry_id)
    resp = await client.get(f"/api/integrations/{entry_id}/diagnostics", headers=admin_headers)
    assert resp.status == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    text = await resp.text()
    assert SECRET not in text
    diag = json.loads(text)
    assert diag["data"]["api_key"] == "**REDACTED**"
    assert diag["integration"]["version"] == fake_ollama.version
    assert diag["integration"]["models"] == ["llama3.2:latest"]


async def test_setup_retry_until_the_service_is_back(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake_ollama: FakeOllama
) -> None:
    entries = client.app[keys.ENTRIES]
    entries.retry_base = 0.05
    body = await (
        await client.post(
            "/api/integrations",
            json={"domain": "ollama", "data": {"url": fake_ollama.url}},
            headers=admin_headers,
        )
    ).json()
    entry_id = body["entry"]["entry_id"]
    await entries.wait_setup(entry_id)
    port = fake_ollama.port
    await fake_ollama.stop()
    events = await _states(client)
    await (await client.post(f"/api/integrations/{entry_id}/reload", headers=admin_headers)).json()
    await entries.wait_setup(entry_id)
    entry = entries.get(entry_id)
    assert entry.state == EntryState.SETUP_RETRY
    assert entry.next_retry_at is not None
    test = await (
        await client.post(f"/api/integrations/{entry_id}/test", headers=admin_headers)
    ).json()
    assert test["test"]["error"]["code"] == "cannot_connect"
    await fake_ollama.start(port=port)
    for _ in range(1500):
        if entry.state == EntryState.LOADED:
            break
        await asyncio.sleep(0.02)
    assert entry.state == EntryState.LOADED
    assert entry.retry_count == 0
    async with asyncio.timeout(30):  # the bus delivers from a task of its own
        while not events or events[-1].data["state"] != "loaded":
            await asyncio.sleep(0.01)
    assert "setup_retry" in [e.data["state"] for e in events]


async def test_remove_entry(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake_ollama: FakeOllama
) -> None:
    body = await (
        await client.post(
            "/api/integrations",
            json={"domain": "ollama", "data": {"url": fake_ollama.url}},
            headers=admin_headers,
        )
    ).json()
    entry_id = body["entry"]["entry_id"]
    assert (
        await client.delete(f"/api/integrations/{entry_id}", headers=admin_headers)
    ).status == 204
    assert await Row.all().count() == 0
    assert (
        await client.delete(f"/api/integrations/{entry_id}", headers=admin_headers)
    ).status == 404
    assert (
        await client.post(f"/api/integrations/{entry_id}/test", headers=admin_headers)
    ).status == 404
