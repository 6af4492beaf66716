"""CSRF on cookie-authenticated writes, cookie flags, and the Content Security Policy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from aiohttp import web
from aiohttp.test_utils import TestClient

from companion.app import create_app
from companion.settings import Settings

Client = TestClient[Any, Any]


async def _first_track(http: httpx.AsyncClient) -> str:
    page = (await http.get("/api/library/tracks", params={"limit": 1})).json()
    return str(page["items"][0]["ref"])


async def test_cookie_writes_need_the_session_csrf_token(jellyfin_app_client: Client) -> None:
    base = str(jellyfin_app_client.make_url("/"))
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        login = await http.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        assert login.status_code == 200
        token = login.cookies["companion_csrf"]
        ref = await _first_track(http)
        # No token, a wrong token, another session's token: all refused, nothing written.
        missing = await http.put(f"/api/favorites/{ref}")
        assert missing.status_code == 403
        assert missing.json()["error"]["code"] == "csrf_failed"
        wrong = await http.put(f"/api/favorites/{ref}", headers={"X-CSRF-Token": "x" * 64})
        assert wrong.status_code == 403
        async with httpx.AsyncClient(base_url=base, timeout=30) as other:
            await other.post("/api/auth/login", json={"username": "demo", "password": "demo"})
            foreign = other.cookies["companion_csrf"]
        assert foreign != token
        assert (
            await http.put(f"/api/favorites/{ref}", headers={"X-CSRF-Token": foreign})
        ).status_code == 403
        favs = (await http.get("/api/favorites")).json()
        assert ref not in [i["ref"] for i in favs["items"]]
        # The page's <meta> carries the same token the cookie does.
        page = (await http.get("/library")).text
        assert f'<meta name="csrf-token" content="{token}">' in page
        ok = await http.put(f"/api/favorites/{ref}", headers={"X-CSRF-Token": token})
        assert ok.status_code == 200 and ok.json()["favorite"] is True
        # Reads never need it.
        assert (await http.get("/api/auth/me")).status_code == 200


async def test_bearer_clients_are_exempt(jellyfin_app_client: Client) -> None:
    base = str(jellyfin_app_client.make_url("/"))
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await http.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        made = await http.post(
            "/api/tokens",
            json={"name": "script"},
            headers={"X-CSRF-Token": http.cookies["companion_csrf"]},
        )
        assert made.status_code == 201
        secret = made.json()["token"]
    async with httpx.AsyncClient(
        base_url=base, timeout=10, headers={"Authorization": f"Bearer {secret}"}
    ) as bearer:
        ref = await _first_track(bearer)
        assert (await bearer.put(f"/api/favorites/{ref}")).status_code == 200


async def test_logout_form_needs_the_token(jellyfin_app_client: Client) -> None:
    base = str(jellyfin_app_client.make_url("/"))
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await http.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        token = http.cookies["companion_csrf"]
        refused = await http.post("/logout", data={"csrf_token": "nope"})
        assert refused.status_code == 403
        assert (await http.get("/api/auth/me")).status_code == 200
        done = await http.post("/logout", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["Location"] == "/login"
        assert (await http.get("/api/auth/me")).status_code == 401


async def test_cookie_flags(jellyfin_app_client: Client) -> None:
    resp = await jellyfin_app_client.post(
        "/api/auth/login", json={"username": "demo", "password": "demo"}
    )
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.getall("Set-Cookie")}
    session = cookies["companion_session"]
    assert "HttpOnly" in session and "SameSite=Lax" in session
    csrf_cookie = cookies["companion_csrf"]
    assert "SameSite=Strict" in csrf_cookie and "HttpOnly" not in csrf_cookie


async def test_secure_cookies_when_forced(
    aiohttp_client: Any, settings: Settings, fake_jellyfin: Any
) -> None:
    from companion.testing.jellyfin import FAKE_API_KEY

    env = {**settings.environ, "JELLYFIN_URL": fake_jellyfin.url, "JELLYFIN_API_KEY": FAKE_API_KEY}
    app = create_app(replace(settings, environ=env, cookie_secure="true"))
    client = await aiohttp_client(app)
    resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    assert resp.status == 200
    for cookie in resp.headers.getall("Set-Cookie"):
        assert "Secure" in cookie


async def test_content_security_policy_and_frame_ancestors(
    aiohttp_client: Any, settings: Settings
) -> None:
    app: web.Application = create_app(
        replace(settings, frame_ancestors=("'self'", "https://jellyfin.example.org"))
    )
    client = await aiohttp_client(app)
    for path in ("/setup", "/static/app.js"):
        resp = await client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'self' https://jellyfin.example.org" in csp
        # No inline script is allowed, so an injected <script> cannot run.
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
