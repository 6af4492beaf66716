"""The bridge's config flow through the API: every error key, then success; secrets hidden."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from tests.homeassistant.conftest import BROKER_HOST, AuthBroker, clear_retained


@pytest.fixture
def environ() -> dict[str, str]:
    """No bridge from the environment here: the flow creates it."""
    return {}


def _data(port: int, node: str, **extra: Any) -> dict[str, Any]:
    return {
        "host": BROKER_HOST,
        "port": port,
        "discovery_prefix": f"hatest_{node}",
        "node_id": node,
        **extra,
    }


async def test_schema_hides_the_password(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    resp = await client.get("/api/integrations/available", headers=admin_headers)
    (ha,) = [i for i in (await resp.json())["integrations"] if i["domain"] == "homeassistant"]
    fields = {f["name"]: f for f in ha["schema"]}
    assert fields["password"]["type"] == "password" and fields["password"]["secret"] is True
    assert fields["discovery_prefix"]["default"] == "homeassistant"
    assert fields["port"]["default"] == 1883
    assert set(fields) >= {"host", "port", "username", "password", "tls", "discovery_prefix"}


async def test_cannot_connect_invalid_auth_then_success(
    client: TestClient[Any, Any], admin_headers: dict[str, str], auth_broker: AuthBroker
) -> None:
    node = f"flow_{uuid.uuid4().hex[:8]}"
    try:
        # Nothing listens on this port.
        closed = auth_broker.port + 1 if auth_broker.port < 65000 else auth_broker.port - 1
        resp = await client.post(
            "/api/integrations",
            json={"domain": "homeassistant", "data": _data(closed, node)},
            headers=admin_headers,
        )
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "cannot_connect"

        resp = await client.post(
            "/api/integrations",
            json={
                "domain": "homeassistant",
                "data": _data(auth_broker.port, node, username="ha", password="wrong-password"),
            },
            headers=admin_headers,
        )
        assert resp.status == 400
        body = await resp.json()
        assert body["error"]["code"] == "invalid_auth", body
        assert "wrong-password" not in str(body)

        resp = await client.post(
            "/api/integrations",
            json={
                "domain": "homeassistant",
                "data": _data(
                    auth_broker.port,
                    node,
                    username=auth_broker.username,
                    password=auth_broker.password,
                ),
            },
            headers=admin_headers,
        )
        assert resp.status == 201, await resp.text()
        body = await resp.json()
        assert auth_broker.password not in str(body)
        entry_id = body["entry"]["entry_id"]
        entries = client.app[keys.ENTRIES]
        entry = await entries.wait_setup(entry_id)
        assert entry.state.value == "loaded"

        resp = await client.get(f"/api/integrations/{entry_id}/diagnostics", headers=admin_headers)
        diagnostics = await resp.json()
        assert auth_broker.password not in str(diagnostics)
        assert diagnostics  # the bridge's counters and topics are included

        # Only one bridge per install.
        resp = await client.post(
            "/api/integrations",
            json={"domain": "homeassistant", "data": _data(auth_broker.port, node)},
            headers=admin_headers,
        )
        assert resp.status == 409
        await entries.remove(entry_id)
    finally:
        await clear_retained([f"hatest_{node}/#", f"jellyfin_companion/{node}/#"], node_id=node)


async def test_bad_node_id_is_refused(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    resp = await client.post(
        "/api/integrations",
        json={
            "domain": "homeassistant",
            "data": _data(1883, "bad/node+", discovery_prefix="homeassistant"),
        },
        headers=admin_headers,
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "cannot_connect" and "node id" in body["error"]["message"]
