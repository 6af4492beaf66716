"""First-start setup token, sessions, API tokens, trusted proxies."""

from __future__ import annotations

import ipaddress
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import const, keys
from companion.accounts.models import ApiToken, Setting
from companion.app import create_app
from companion.settings import Settings


async def _setup_token(client: TestClient[Any, Any]) -> str:
    token = await client.app[keys.AUTH].ensure_setup_token()
    assert token
    return token


async def test_setup_token_is_stored_encrypted_and_stable(client: TestClient[Any, Any]) -> None:
    token = await _setup_token(client)
    assert await client.app[keys.AUTH].ensure_setup_token() == token
    row = await Setting.get(key="setup_token")
    assert token not in str(row.value)


async def test_wrong_setup_token_is_refused(client: TestClient[Any, Any]) -> None:
    await _setup_token(client)
    resp = await client.post("/api/setup/login", json={"token": "guess"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "setup_token_invalid"
    assert "Set-Cookie" not in resp.headers


async def test_setup_session_allows_admin_routes_only(client: TestClient[Any, Any]) -> None:
    token = await _setup_token(client)
    status = await (await client.get("/api/setup/status")).json()
    assert status["setup_required"] is True
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 200
    cookie = resp.cookies[const.SESSION_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # The session cookie now rides along: admin routes work, user routes do not.
    assert (await client.get("/api/integrations")).status == 200
    resp = await client.post("/api/tokens", json={"name": "x"})
    assert resp.status == 403
    # The raw setup token also works as a bearer token while setup is open.
    client.session.cookie_jar.clear()
    assert (
        await client.get("/api/integrations", headers={"Authorization": f"Bearer {token}"})
    ).status == 200


async def test_setup_token_stops_working_once_an_admin_exists(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    token = await _setup_token(client)
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 200
    await make_user("root", admin=True)
    assert (await client.get("/api/integrations")).status == 401
    assert (
        await client.get("/api/integrations", headers={"Authorization": f"Bearer {token}"})
    ).status == 401
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 409
    assert (await client.get("/api/setup/status")).status == 200
    assert (await (await client.get("/api/setup/status")).json())["setup_required"] is False
    assert await client.app[keys.AUTH].ensure_setup_token() is None


async def test_api_tokens_shown_once_hashed_and_revocable(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, headers = await make_user("alice")
    resp = await client.post("/api/tokens", json={"name": "home assistant"}, headers=headers)
    assert resp.status == 201
    created = await resp.json()
    secret = created["token"]
    assert secret.startswith(const.API_TOKEN_PREFIX)
    assert not await ApiToken.filter(token_hash=secret).exists()
    me = await (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"})
    ).json()
    assert me["name"] == "alice" and me["is_admin"] is False
    listing = await (await client.get("/api/tokens", headers=headers)).json()
    assert {t["name"] for t in listing["tokens"]} == {"tests", "home assistant"}
    assert all("token" not in t for t in listing["tokens"])
    resp = await client.delete(f"/api/tokens/{created['id']}", headers=headers)
    assert resp.status == 204
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"})
    ).status == 401
    assert (await client.delete(f"/api/tokens/{created['id']}", headers=headers)).status == 404
    assert (await client.delete("/api/tokens/abc", headers=headers)).status == 404


async def test_token_name_validated(client: TestClient[Any, Any], make_user: Any) -> None:
    _, headers = await make_user()
    for body in ({"name": ""}, {"name": 3}, {}, {"name": "x" * 101}):
        resp = await client.post("/api/tokens", json=body, headers=headers)
        assert resp.status == 400, body


async def test_users_cannot_revoke_each_others_tokens(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    created = await (await client.post("/api/tokens", json={"name": "a"}, headers=alice)).json()
    assert (await client.delete(f"/api/tokens/{created['id']}", headers=bob)).status == 404


async def test_sessions_via_cookie_and_logout(client: TestClient[Any, Any], make_user: Any) -> None:
    user, _ = await make_user("carol")
    cookie = await client.app[keys.AUTH].create_session(user)
    client.session.cookie_jar.update_cookies({const.SESSION_COOKIE: cookie})
    assert (await client.get("/api/auth/me")).status == 200
    tampered = cookie[:-2] + ("00" if not cookie.endswith("00") else "11")
    client.session.cookie_jar.update_cookies({const.SESSION_COOKIE: tampered})
    assert (await client.get("/api/auth/me")).status == 401
    client.session.cookie_jar.update_cookies({const.SESSION_COOKIE: cookie})
    assert (await client.post("/api/auth/logout")).status == 200
    client.session.cookie_jar.update_cookies({const.SESSION_COOKIE: cookie})
    assert (await client.get("/api/auth/me")).status == 401


async def test_trusted_proxy_headers_only_from_trusted_peers(
    aiohttp_client: Any, settings: Settings
) -> None:
    seen: list[tuple[str | None, str]] = []

    async def probe(request: web.Request) -> web.Response:
        seen.append((request.remote, request.scheme))
        return web.Response(text="ok")

    for trusted in ((ipaddress.ip_network("127.0.0.0/8"),), ()):
        app = create_app(Settings(**{**settings.__dict__, "trusted_proxies": trusted}))
        app.router.add_get("/probe", probe)
        client = await aiohttp_client(app)
        await client.get(
            "/probe",
            headers={"X-Forwarded-For": "203.0.113.9, 127.0.0.1", "X-Forwarded-Proto": "https"},
        )
        await client.close()
    assert seen[0] == ("203.0.113.9", "https")
    assert seen[1] == ("127.0.0.1", "http")
