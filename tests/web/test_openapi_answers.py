"""The OpenAPI document describes every /api answer, and constrains ids and refs."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion.app import api_routers
from companion.db.ids import MAX_ID
from web.routing import NOT_DECLARED

METHODS = ("get", "put", "post", "patch", "delete", "head")


async def _document(client: TestClient[Any, Any]) -> dict[str, Any]:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    doc: dict[str, Any] = await resp.json()
    return doc


def test_every_api_route_declares_what_it_returns() -> None:
    missing = [
        f"{meta.method} {meta.path} ({handler.__name__})"
        for router in api_routers()
        for meta, handler in router.routes
        if meta.path.startswith(("/api", "/webhooks")) and meta.returns is NOT_DECLARED
    ]
    assert not missing, missing


async def test_every_operation_has_a_success_answer_with_its_content(
    client: TestClient[Any, Any],
) -> None:
    doc = await _document(client)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method not in METHODS:
                continue
            success = {c: r for c, r in op["responses"].items() if c[0] in "123"}
            assert success, (method, path)
            for code, answer in success.items():
                if code in ("101", "204", "304") or code.startswith("3") or method == "head":
                    assert "content" not in answer, (method, path, code)
                    continue
                content = answer.get("content")
                assert content, (method, path, code)
                if "application/json" in content:
                    schema = content["application/json"]["schema"]
                    assert schema.get("type") == "object", (method, path, code)


async def test_ids_and_refs_carry_their_bounds(client: TestClient[Any, Any]) -> None:
    doc = await _document(client)
    params = {
        (path, p["name"]): p["schema"]
        for path, ops in doc["paths"].items()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    assert params[("/api/playlists/{id}", "id")] == {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_ID,
    }
    assert params[("/api/tokens/{token_id}", "token_id")]["maximum"] == MAX_ID
    assert params[("/api/favorites/{ref}", "ref")]["pattern"] == "^jellyfin:[0-9a-f]{32}$"
    assert params[("/api/integrations/{entry_id}", "entry_id")]["pattern"] == ("^(?:[0-9a-f]{32})$")
    for (path, name), schema in params.items():
        assert schema.get("pattern") or "maximum" in schema or "minLength" in schema, (
            path,
            name,
        )
    query = {
        p["name"]: p["schema"]
        for p in doc["paths"]["/api/player/check"]["get"]["parameters"]
        if p["in"] == "query"
    }
    assert query["ref"]["pattern"] == "^jellyfin:[0-9a-f]{32}$"
