"""The client websocket, driven by the independent `websockets` client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event
from web import ws as ws_module


def _url(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("/api/ws")).replace("http://", "ws://")


async def _connect(client: TestClient[Any, Any], token: str) -> Any:
    conn = await websockets.connect(_url(client))
    assert json.loads(await conn.recv())["type"] == "auth_required"
    await conn.send(json.dumps({"type": "auth", "access_token": token}))
    reply = json.loads(await conn.recv())
    assert reply["type"] == "auth_ok", reply
    return conn


async def test_auth_invalid_closes(client: TestClient[Any, Any]) -> None:
    async with websockets.connect(_url(client)) as conn:
        assert json.loads(await conn.recv())["type"] == "auth_required"
        await conn.send(json.dumps({"type": "auth", "access_token": "jfc_bad"}))
        assert json.loads(await conn.recv()) == {
            "type": "auth_invalid",
            "message": "Invalid access token or session.",
        }
        with pytest.raises(websockets.ConnectionClosed):
            await conn.recv()


async def test_session_cookie_authenticates_directly(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    user, _ = await make_user("dana")
    cookie = await client.app[keys.AUTH].create_session(user)
    async with websockets.connect(
        _url(client), additional_headers={"Cookie": f"companion_session={cookie}"}
    ) as conn:
        assert json.loads(await conn.recv())["type"] == "auth_required"
        assert json.loads(await conn.recv())["type"] == "auth_ok"


async def test_commands_events_and_errors(client: TestClient[Any, Any], make_user: Any) -> None:
    user, headers = await make_user("erin")
    token = headers["Authorization"].removeprefix("Bearer ")
    conn = await _connect(client, token)
    try:
        await conn.send(json.dumps({"id": 1, "type": "ping"}))
        assert json.loads(await conn.recv()) == {"id": 1, "type": "pong"}
        await conn.send("{nope")
        assert json.loads(await conn.recv())["error"]["code"] == "invalid_format"
        await conn.send(json.dumps({"id": 2, "type": "teleport"}))
        reply = json.loads(await conn.recv())
        assert reply["success"] is False and reply["error"]["code"] == "unknown_command"
        await conn.send(
            json.dumps({"id": 3, "type": "subscribe_events", "event_type": "favorite.changed"})
        )
        assert json.loads(await conn.recv()) == {
            "id": 3,
            "type": "result",
            "success": True,
            "result": None,
        }
        bus = client.app[keys.BUS]
        bus.publish(Event("playback.started", {"x": 1}, user_id=user.jellyfin_id))
        bus.publish(Event("favorite.changed", {"ref": "someone else"}, user_id="other-user"))
        bus.publish(Event("favorite.changed", {"ref": "mine"}, user_id=user.jellyfin_id))
        message = json.loads(await asyncio.wait_for(conn.recv(), 30))
        assert message["id"] == 3 and message["type"] == "event"
        assert message["event"]["data"] == {"ref": "mine"}
        assert set(message["event"]) == {"type", "id", "at", "user_id", "source", "data"}
        await conn.send(json.dumps({"id": 4, "type": "unsubscribe_events", "subscription": 3}))
        assert json.loads(await conn.recv())["success"] is True
        await conn.send(json.dumps({"id": 5, "type": "unsubscribe_events", "subscription": 3}))
        assert json.loads(await conn.recv())["error"]["code"] == "not_found"
    finally:
        await conn.close()


async def test_admin_sees_everyones_events(client: TestClient[Any, Any], make_user: Any) -> None:
    _, headers = await make_user("root", admin=True)
    conn = await _connect(client, headers["Authorization"].removeprefix("Bearer "))
    try:
        await conn.send(json.dumps({"id": 1, "type": "subscribe_events"}))
        await conn.recv()
        client.app[keys.BUS].publish(Event("favorite.changed", {"n": 1}, user_id="someone"))
        message = json.loads(await asyncio.wait_for(conn.recv(), 30))
        assert message["event"]["user_id"] == "someone"
    finally:
        await conn.close()


async def test_slow_client_is_closed_with_a_clear_code(
    client: TestClient[Any, Any], make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_module, "CLIENT_QUEUE_SIZE", 5)
    _, headers = await make_user("slow")
    conn = await _connect(client, headers["Authorization"].removeprefix("Bearer "))
    await conn.send(json.dumps({"id": 1, "type": "subscribe_events"}))
    await conn.recv()
    bus = client.app[keys.BUS]
    # Publishing without yielding fills the client's queue before it can drain.
    for n in range(50):
        bus.publish(Event("library.changed", {"n": n}))
    with pytest.raises(websockets.ConnectionClosed) as info:
        while True:
            await asyncio.wait_for(conn.recv(), 30)
    assert info.value.rcvd is not None and info.value.rcvd.code == ws_module.CLOSE_QUEUE_OVERFLOW


async def _cookie_socket(
    client: TestClient[Any, Any], cookie: str, origin: str | None
) -> dict[str, Any]:
    """Open /api/ws with a cookie (and an Origin, as a browser sends); return the 2nd message.

    A socket the cookie does not authenticate waits for an `auth` message: an empty one
    then gets `auth_invalid`, while an authenticated one has already said `auth_ok`.
    """
    headers = {"Cookie": cookie}
    if origin is not None:
        headers["Origin"] = origin
    async with websockets.connect(_url(client), additional_headers=headers) as conn:
        assert json.loads(await conn.recv())["type"] == "auth_required"
        await conn.send(json.dumps({"type": "auth"}))
        reply: dict[str, Any] = json.loads(await conn.recv())
        return reply


async def test_session_cookie_only_from_the_companions_own_pages(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    user, _ = await make_user("olga")
    cookie = f"companion_session={await client.app[keys.AUTH].create_session(user)}"
    own = str(client.make_url("/")).rstrip("/")
    for origin in (own, own.upper(), None):
        assert (await _cookie_socket(client, cookie, origin))["type"] == "auth_ok", origin
    # A page on another site opening the socket with the visitor's cookie gets nothing.
    for origin in ("https://evil.example", "null", own.replace("127.0.0.1", "127.0.0.2")):
        assert (await _cookie_socket(client, cookie, origin))["type"] == "auth_invalid", origin


async def test_public_url_origin_is_accepted(aiohttp_client: Any, settings: Any) -> None:
    from dataclasses import replace

    from companion.accounts.models import User
    from companion.app import create_app

    app = create_app(replace(settings, public_url="https://music.example.org"))
    public = await aiohttp_client(app)
    user = await User.create(name="pia", jellyfin_id="a" * 32)
    cookie = f"companion_session={await public.app[keys.AUTH].create_session(user)}"
    reply = await _cookie_socket(public, cookie, "https://music.example.org")
    assert reply["type"] == "auth_ok"
    reply = await _cookie_socket(public, cookie, "https://evil.example")
    assert reply["type"] == "auth_invalid"


async def test_bearer_header_works_from_any_origin(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, headers = await make_user("quinn")
    async with websockets.connect(
        _url(client), additional_headers={**headers, "Origin": "https://elsewhere.example"}
    ) as conn:
        assert json.loads(await conn.recv())["type"] == "auth_required"
        assert json.loads(await conn.recv())["type"] == "auth_ok"


async def test_setup_cookie_does_not_open_the_socket(client: TestClient[Any, Any]) -> None:
    token = await client.app[keys.AUTH].ensure_setup_token()
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 200
    setup_cookie = resp.cookies["companion_session"].value
    own = str(client.make_url("/")).rstrip("/")
    reply = await _cookie_socket(client, f"companion_session={setup_cookie}", own)
    assert reply["type"] == "auth_invalid"
