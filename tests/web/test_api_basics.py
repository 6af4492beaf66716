"""The HTTP surface: health, metrics, OpenAPI, error shape, body limits, auth."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion import __version__, const
from companion.app import api_routers


async def test_healthz_needs_no_auth(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "version": __version__}


async def test_metrics_is_prometheus_text(client: TestClient[Any, Any]) -> None:
    await client.get("/healthz")
    await client.get("/api/integrations")
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    text = await resp.text()
    assert 'companion_http_requests_total{method="GET",route="/healthz",status="200"} 1' in text
    assert (
        'companion_http_requests_total{method="GET",route="/api/integrations",status="401"} 1'
        in text
    )
    assert "# TYPE companion_event_bus_depth gauge" in text
    assert "companion_event_bus_depth 0" in text
    assert "# TYPE companion_integration_state gauge" in text
    for line in text.splitlines():
        assert line.startswith("#") or " " in line


async def test_openapi_covers_every_api_route(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    registered = {
        (route.resource.canonical, route.method)
        for route in client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api")
        and route.method != "HEAD"
    }
    assert registered, "no /api routes registered"
    assert registered <= documented
    for _meta, handler in (r for router in api_routers() for r in router.routes):
        assert handler.__doc__, f"{handler.__name__} lacks a docstring"
    assert doc["paths"]["/api/integrations"]["post"]["requestBody"]["required"] is True


async def test_api_requires_authentication(client: TestClient[Any, Any]) -> None:
    for method, path in [
        ("GET", "/api/integrations"),
        ("GET", "/api/tokens"),
        ("GET", "/api/auth/me"),
    ]:
        resp = await client.request(method, path)
        assert resp.status == 401
        body = await resp.json()
        assert body == {
            "error": {"code": "unauthorized", "message": "Sign in or send a valid API token."}
        }


async def test_bad_bearer_token_is_401_with_message(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/auth/me", headers={"Authorization": "Bearer jfc_nope"})
    assert resp.status == 401
    assert (await resp.json())["error"]["message"] == "That API token is not valid or was revoked."


async def test_unknown_route_and_wrong_method_use_json_errors(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    resp = await client.get("/api/nope", headers=admin_headers)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"
    resp = await client.put("/api/integrations", headers=admin_headers)
    assert resp.status == 405
    assert (await resp.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


async def test_malformed_and_wrongly_typed_bodies(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    for body in (b"{not json", b"[1,2]", b"", b'"text"'):
        resp = await client.post("/api/integrations", data=body, headers=admin_headers)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["code"] == "invalid_json"
    resp = await client.post(
        "/api/integrations", json={"domain": 5, "data": {}}, headers=admin_headers
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == {
        "code": "invalid_input",
        "message": "'domain' must be a string.",
        "details": {"field": "domain"},
    }
    resp = await client.post(
        "/api/integrations", json={"domain": "ollama", "data": []}, headers=admin_headers
    )
    assert resp.status == 400


async def test_oversized_body_is_413(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    big = b'{"domain":"' + b"x" * (const.MAX_BODY_BYTES + 10) + b'"}'
    resp = await client.post("/api/integrations", data=big, headers=admin_headers)
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "body_too_large"


async def test_security_headers(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"]


async def test_non_admin_cannot_use_admin_routes(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, headers = await make_user("bob")
    resp = await client.get("/api/integrations", headers=headers)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "forbidden"
