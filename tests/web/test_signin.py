"""Signing in with Jellyfin credentials against the fake Jellyfin."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from companion import const, keys
from companion.accounts import signin as signin
from companion.accounts.models import User


async def _login(client: TestClient[Any, Any], username: str, password: str) -> Any:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_admin_signs_in_and_setup_token_closes(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    token = await client.app[keys.AUTH].ensure_setup_token()
    assert token
    resp = await _login(client, "demo", "demo")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["is_admin"] is True and body["jellyfin_id"] == fake_jellyfin.user_id("demo")
    assert resp.cookies[const.SESSION_COOKIE]["httponly"]
    me = await (await client.get("/api/auth/me")).json()
    assert me == {
        "kind": "session",
        "id": body["id"],
        "name": "demo",
        "jellyfin_id": body["jellyfin_id"],
        "is_admin": True,
    }
    # The first administrator's sign-in retires the setup token.
    assert await client.app[keys.AUTH].ensure_setup_token() is None
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 409
    # The Jellyfin token is stored encrypted; no password anywhere.
    user = await User.get(name="demo")
    assert user.jellyfin_token and user.device_id
    assert "demo" not in user.jellyfin_token


async def test_non_admin_user(jellyfin_app_client: TestClient[Any, Any]) -> None:
    resp = await _login(jellyfin_app_client, "guest", "guest")
    assert resp.status == 200
    assert (await resp.json())["is_admin"] is False
    assert (await jellyfin_app_client.get("/api/integrations")).status == 403


async def test_wrong_password_then_rate_limited(jellyfin_app_client: TestClient[Any, Any]) -> None:
    resp = await _login(jellyfin_app_client, "demo", "nope")
    assert resp.status == 401
    assert (await resp.json())["error"] == {
        "code": "invalid_credentials",
        "message": "Wrong username or password.",
    }
    for _ in range(9):
        await _login(jellyfin_app_client, "demo", "nope")
    resp = await _login(jellyfin_app_client, "demo", "demo")
    assert resp.status == 429


async def test_bad_login_bodies(jellyfin_app_client: TestClient[Any, Any]) -> None:
    for body in (
        {},
        {"username": "demo"},
        {"username": 1, "password": "x"},
        {"username": " ", "password": "x"},
    ):
        resp = await jellyfin_app_client.post("/api/auth/login", json=body)
        assert resp.status == 400, body


def _user_tokens(fake: Any, name: str) -> dict[str, str]:
    """The fake's live tokens of one user: token -> DeviceId."""
    uid = fake.user_id(name)
    return {t.token: t.device_id for t in fake.state.tokens.values() if t.user_id == uid}


async def _me_status(fake: Any, token: str, device_id: str) -> int:
    header = (
        f'MediaBrowser Client="probe", Device="probe", DeviceId="{device_id}", '
        f'Version="1", Token="{token}"'
    )
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake.url}/Users/Me", headers={"Authorization": header}) as resp,
    ):
        return resp.status


async def test_sign_in_again_replaces_the_token_and_signs_out_the_old_one(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    box = jellyfin_app_client.app[keys.SECRET_BOX]
    assert (await _login(jellyfin_app_client, "guest", "guest")).status == 200
    first = await User.get(name="guest")
    assert (await _login(jellyfin_app_client, "guest", "guest")).status == 200
    second = await User.get(name="guest")
    assert first.id == second.id and await User.filter(name="guest").count() == 1
    # Each attempt has a DeviceId of its own; Jellyfin keeps only the stored token's device.
    assert first.device_id != second.device_id
    stored = box.decrypt(second.jellyfin_token or "")
    assert _user_tokens(fake_jellyfin, "guest") == {stored: second.device_id}
    # The user's live socket follows: it is reopened with the new token.
    async with asyncio.timeout(30):
        while not any(c.ctx.token.token == stored for c in fake_jellyfin.hub.conns):
            await asyncio.sleep(0.01)


async def test_sign_in_that_times_out_leaves_the_stored_token_working(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any, fake_log: Any
) -> None:
    client = jellyfin_app_client
    box = client.app[keys.SECRET_BOX]
    assert (await _login(client, "guest", "guest")).status == 200
    user = await User.get(name="guest")
    token = box.decrypt(user.jellyfin_token or "")
    identity = client.app[keys.PROVIDERS].identity
    assert identity is not None
    # Jellyfin answers only after the companion gave up waiting, and completes the sign-in.
    identity.sign_in_timeout = 0.05  # type: ignore[attr-defined]
    await fake_log.faults(latency_ms=1000, paths=["/Users/AuthenticateByName"])
    before = set(_user_tokens(fake_jellyfin, "guest"))
    resp = await _login(client, "guest", "guest")
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "jellyfin_unreachable"
    async with asyncio.timeout(30):
        while not set(_user_tokens(fake_jellyfin, "guest")) - before:
            await asyncio.sleep(0.01)
    # The late sign-in revoked nothing: the stored token still works, and so does the user.
    assert token in _user_tokens(fake_jellyfin, "guest")
    assert await _me_status(fake_jellyfin, token, user.device_id or "") == 200
    again = await User.get(name="guest")
    assert box.decrypt(again.jellyfin_token or "") == token and again.device_id == user.device_id
    # A wrong password changes nothing either.
    await fake_log.faults()
    assert (await _login(client, "guest", "wrong")).status == 401
    assert await _me_status(fake_jellyfin, token, user.device_id or "") == 200
    assert (await client.get("/api/auth/me")).status == 200


async def test_user_deleted_in_jellyfin_is_signed_out(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any, monkeypatch: Any
) -> None:
    client = jellyfin_app_client
    assert (await _login(client, "guest", "guest")).status == 200
    created = await (await client.post("/api/tokens", json={"name": "script"})).json()
    monkeypatch.setattr(signin, "TOKEN_CHECK_SECONDS", 0.0)
    async with (
        aiohttp.ClientSession() as session,
        session.delete(f"{fake_jellyfin.url}/__fake__/users/guest") as resp,
    ):
        assert resp.status in (200, 204)
    resp = await client.get("/api/auth/me")
    assert resp.status == 401
    assert (await resp.json())["error"] == {
        "code": "signed_out",
        "message": signin.SIGNED_OUT_MESSAGE,
    }
    # Every credential of that user stops working, API tokens included.
    resp = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert resp.status == 401


async def test_jellyfin_not_configured(client: TestClient[Any, Any]) -> None:
    resp = await _login(client, "demo", "demo")
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "jellyfin_not_configured"


async def test_jellyfin_down_during_sign_in(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    await fake_jellyfin.stop()
    resp = await _login(jellyfin_app_client, "demo", "demo")
    assert resp.status == 503
    assert (await resp.json())["error"] == {
        "code": "jellyfin_unreachable",
        "message": "Jellyfin is slow or unreachable. Check your Jellyfin instance.",
    }


async def test_parallel_wrong_passwords_are_limited_in_flight(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    limit = jellyfin_app_client.app[keys.LOGIN_LIMITER].max_failures
    fake_jellyfin.state.requests.clear()
    answers = await asyncio.gather(
        *(_login(jellyfin_app_client, "demo", "nope") for _ in range(40))
    )
    statuses = sorted(a.status for a in answers)
    tried = [r for r in fake_jellyfin.state.requests if r["path"] == "/Users/AuthenticateByName"]
    assert len(tried) <= limit
    assert statuses == [401] * len(tried) + [429] * (40 - len(tried))
    # The slots are released: the limit now holds on the recorded failures alone.
    assert (await _login(jellyfin_app_client, "demo", "demo")).status == (
        429 if len(tried) >= limit else 200
    )
