"""Security headers on every answer (redirects and 404s too) and the optional metrics token."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.app import create_app
from companion.settings import Settings, SettingsError, load_settings

METRICS_TOKEN = "m" * 24


def _assert_secure(resp: Any) -> None:
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"], resp.url
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in resp.headers["Permissions-Policy"]


async def test_redirects_and_not_found_pages_carry_the_security_headers(
    client: TestClient[Any, Any],
) -> None:
    for path in ("/", "/login", "/no-such-page", "/static/no-such-file.js", "/api/nothing"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status in (200, 302, 303, 307, 401, 404), (path, resp.status)
        _assert_secure(resp)
    resp = await client.get("/", allow_redirects=False)
    assert 300 <= resp.status < 400  # no admin yet: the setup page
    _assert_secure(resp)
    resp = await client.get("/no-such-page")
    assert resp.status == 404
    _assert_secure(resp)
    resp = await client.put("/healthz")
    assert resp.status == 405
    _assert_secure(resp)


async def test_metrics_stay_open_without_a_token(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/metrics")).status == 200


async def test_metrics_token_is_required_when_set(aiohttp_client: Any, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(metrics_token=METRICS_TOKEN)))
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-of-some-length"},
        {"Authorization": f"Basic {METRICS_TOKEN}"},
        {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        {"Authorization": "Bearer caf\u00e9"},
    ):
        resp = await client.get("/metrics", headers=headers)
        assert resp.status in (400, 401), headers
        body = await resp.json()
        assert "companion_http" not in await resp.text()
        assert set(body["error"]) >= {"code", "message"}
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert resp.status == 200
    assert "companion_http_requests_total" in await resp.text()


def test_metrics_token_setting_is_validated() -> None:
    assert load_settings({"COMPANION_METRICS_TOKEN": METRICS_TOKEN}).metrics_token == METRICS_TOKEN
    assert load_settings({}).metrics_token is None
    for bad in ("short", "has a space in it 123", "caf\u00e9" * 8):
        with pytest.raises(SettingsError, match="COMPANION_METRICS_TOKEN"):
            load_settings({"COMPANION_METRICS_TOKEN": bad})
    assert METRICS_TOKEN not in repr(load_settings({"COMPANION_METRICS_TOKEN": METRICS_TOKEN}))
