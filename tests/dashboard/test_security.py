"""CSRF on cookie-authenticated writes, cookie flags, and the Content Security Policy."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
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


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%00/evil.example",
        "%20//evil.example",
        "/%E2%80%8B/evil.example",
    ],
)
async def test_sign_in_redirects_stay_on_the_companion(
    jellyfin_app_client: Client, target: str
) -> None:
    # Signed out: the form's "go next" value falls back to the library.
    page = await jellyfin_app_client.get(f"/login?next={target}", allow_redirects=False)
    assert page.status == 200
    assert 'data-next="/library"' in await page.text()
    # Signed in: the redirect goes to the library, never to another host.
    login = await jellyfin_app_client.post(
        "/api/auth/login", json={"username": "demo", "password": "demo"}
    )
    assert login.status == 200
    resp = await jellyfin_app_client.get(f"/login?next={target}", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/library"


async def test_sign_in_redirect_keeps_a_local_path(jellyfin_app_client: Client) -> None:
    await jellyfin_app_client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    resp = await jellyfin_app_client.get(
        "/login?next=%2Falbums%3Fq%3Da%2520b", allow_redirects=False
    )
    assert resp.status == 302 and resp.headers["Location"] == "/albums?q=a%20b"


async def _raw_put(client: Client, path: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """Send a PUT byte for byte: HTTP clients refuse a header value ending in a space."""
    url = client.make_url("/")
    reader, writer = await asyncio.open_connection(url.host, url.port)
    lines = [f"PUT {path} HTTP/1.1".encode(), b"Host: " + url.raw_authority.encode()]
    lines += [name + b": " + value for name, value in headers]
    writer.write(b"\r\n".join([*lines, b"Content-Length: 0", b"Connection: close", b"", b""]))
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("header", [b"Bearer ", b"Bearer  ", b"bearer \t"])
async def test_blank_bearer_does_not_skip_csrf(jellyfin_app_client: Client, header: bytes) -> None:
    base = str(jellyfin_app_client.make_url("/"))
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        assert (
            await http.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        ).status_code == 200
        ref = await _first_track(http)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items()).encode()
        status = await _raw_put(
            jellyfin_app_client,
            f"/api/favorites/{ref}",
            [(b"Authorization", header), (b"Cookie", cookie)],
        )
        assert status == b"HTTP/1.1 403 Forbidden"
        favs = (await http.get("/api/favorites")).json()
        assert ref not in [i["ref"] for i in favs["items"]]
