"""The client websocket `/api/ws` (Home Assistant's style): auth, commands, pushed events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from companion import __version__, keys
from companion.accounts.auth import Principal
from companion.events import Event, EventStream, SubscriberDropped
from companion.history.service import playback_states
from web.json import loads
from web.middlewares import bearer_token, resolve_principal
from web.origins import is_own_origin
from web.routing import ApiRouter

_LOGGER = logging.getLogger(__name__)

router = ApiRouter("websocket")

# Sent when a client falls so far behind that its event queue overflowed.
CLOSE_QUEUE_OVERFLOW = 4008
CLIENT_QUEUE_SIZE = 1024
AUTH_TIMEOUT_SECONDS = 10.0
# Event types only administrators receive.
# Automation internals carry every user's data (snapshots, MQTT commands and their results).
ADMIN_EVENT_TYPES = frozenset(
    {
        "integration.state",
        "webhook.received",
        "automation.snapshot",
        "automation.connectivity",
        "automation.sync_request",
        "automation.command",
        "automation.result",
    }
)

CommandHandler = Callable[["Connection", dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    """A websocket command: its handler and whether it needs an administrator."""

    handler: CommandHandler
    admin: bool = False


COMMANDS: dict[str, Command] = {}


def command(name: str, *, admin: bool = False) -> Callable[[CommandHandler], CommandHandler]:
    """Register a websocket command handler (its return value becomes the result)."""

    def decorate(handler: CommandHandler) -> CommandHandler:
        COMMANDS[name] = Command(handler, admin)
        return handler

    return decorate


class CommandError(Exception):
    """Raised by a command handler to answer with an error result."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_ENCODED: dict[str, str] = {}
_ENCODED_MAX = 4096


def _encoded(event: Event) -> str:
    """The event's JSON, encoded once however many clients receive it."""
    text = _ENCODED.get(event.id)
    if text is None:
        if len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.clear()
        text = _ENCODED[event.id] = json.dumps(event.as_dict(), separators=(",", ":"), default=str)
    return text


class Connection:
    """One authenticated client socket and its event subscriptions."""

    def __init__(
        self, app: web.Application, ws: web.WebSocketResponse, principal: Principal
    ) -> None:
        self.app = app
        self.ws = ws
        self.principal = principal
        self.subscriptions: dict[int, str | None] = {}
        self._stream: EventStream | None = None
        self._pump: asyncio.Task[None] | None = None

    def visible(self, event: Event) -> bool:
        """Users see their own events and global ones; administrators see everything."""
        if self.principal.is_admin:
            return True
        if event.type in ADMIN_EVENT_TYPES:
            return False
        return event.user_id is None or event.user_id == self.principal.jellyfin_id

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message (ignored once the socket is closing)."""
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message, separators=(",", ":"), default=str))

    def subscribe(self, sub_id: int, event_type: str | None) -> None:
        """Start forwarding events (of one type, or all) under this subscription id."""
        self.subscriptions[sub_id] = event_type
        if self._stream is None:
            # Every replica's events: a client sees what happened through any of them.
            self._stream = self.app[keys.BUS].stream(
                maxsize=CLIENT_QUEUE_SIZE, name=f"ws:{self.principal.name}", cluster=True
            )
            self._pump = asyncio.create_task(self._forward(self._stream))

    async def _forward(self, stream: EventStream) -> None:
        try:
            while True:
                for event in await stream.get_batch():
                    if not self.visible(event):
                        continue
                    encoded = _encoded(event)
                    for sub_id, event_type in list(self.subscriptions.items()):
                        if (event_type is None or event_type == event.type) and not self.ws.closed:
                            await self.ws.send_str(
                                f'{{"id":{sub_id},"type":"event","event":{encoded}}}'
                            )
        except SubscriberDropped:
            _LOGGER.warning(
                "Closing websocket of %s: it fell behind on events", self.principal.name
            )
            await self.ws.close(
                code=CLOSE_QUEUE_OVERFLOW, message=b"Event queue overflowed; reconnect"
            )
        except StopAsyncIteration:
            return
        except (ConnectionResetError, RuntimeError):
            return

    async def close(self) -> None:
        """Stop forwarding and release the bus subscription."""
        if self._stream is not None:
            self._stream.close()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump


@command("subscribe_events")
async def _subscribe(conn: Connection, msg: dict[str, Any]) -> Any:
    event_type = msg.get("event_type")
    if event_type is not None and not isinstance(event_type, str):
        raise CommandError("invalid_format", "event_type must be a string")
    conn.subscribe(int(msg["id"]), event_type)
    return None


@command("unsubscribe_events")
async def _unsubscribe(conn: Connection, msg: dict[str, Any]) -> Any:
    sub_id = msg.get("subscription")
    if not isinstance(sub_id, int) or sub_id not in conn.subscriptions:
        raise CommandError("not_found", "Subscription not found.")
    del conn.subscriptions[sub_id]
    return None


@command("get_states")
async def _get_states(conn: Connection, msg: dict[str, Any]) -> Any:
    user = None if conn.principal.is_admin else (conn.principal.jellyfin_id or "")
    return await playback_states(user)


async def _handshake_principal(request: web.Request) -> Principal | None:
    """Who the upgrade request itself authenticates as, if it may authenticate at all.

    A bearer token comes from a non-browser client and is accepted from anywhere. A cookie is
    sent by the browser whichever page opened the socket, so it counts only when the page is
    the companion's own (browsers always send Origin on a websocket handshake; its absence
    means a non-browser client). The setup cookie never opens a socket.
    """
    principal = await resolve_principal(request)
    if principal is None or principal.kind == "setup":
        return None
    if bearer_token(request) is not None:
        return principal
    origin = request.headers.get("Origin")
    if origin is not None and not is_own_origin(request, origin):
        _LOGGER.warning("Websocket from foreign origin %r: its session cookie is ignored", origin)
        return None
    return principal


async def _authenticate(request: web.Request, ws: web.WebSocketResponse) -> Principal | None:
    principal = await _handshake_principal(request)
    await ws.send_json({"type": "auth_required", "version": __version__})
    if principal is not None:
        await ws.send_json({"type": "auth_ok", "version": __version__})
        return principal
    try:
        msg = await ws.receive(timeout=AUTH_TIMEOUT_SECONDS)
    except TimeoutError:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"Authentication timed out")
        return None
    if msg.type != WSMsgType.TEXT:
        return None
    try:
        data = loads(msg.data)
    except json.JSONDecodeError:
        data = None
    token = (
        data.get("access_token") if isinstance(data, dict) and data.get("type") == "auth" else None
    )
    if isinstance(token, str):
        principal = await request.app[keys.AUTH].resolve_token(token)
    if principal is None or principal.kind == "setup":
        await ws.send_json({"type": "auth_invalid", "message": "Invalid access token or session."})
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"Authentication failed")
        return None
    await ws.send_json({"type": "auth_ok", "version": __version__})
    return principal


async def _handle(conn: Connection, raw: str) -> None:
    try:
        msg = loads(raw)
    except json.JSONDecodeError:
        await conn.send(
            {
                "id": None,
                "type": "result",
                "success": False,
                "error": {"code": "invalid_format", "message": "Message is not valid JSON."},
            }
        )
        return
    msg_id = msg.get("id") if isinstance(msg, dict) else None
    if (
        not isinstance(msg, dict)
        or not isinstance(msg_id, int)
        or isinstance(msg_id, bool)
        or not isinstance(msg.get("type"), str)
    ):
        await conn.send(
            {
                "id": msg_id if isinstance(msg_id, int) else None,
                "type": "result",
                "success": False,
                "error": {
                    "code": "invalid_format",
                    "message": "Messages need an integer id and a type.",
                },
            }
        )
        return
    if msg["type"] == "ping":
        await conn.send({"id": msg_id, "type": "pong"})
        return
    cmd = COMMANDS.get(msg["type"])
    if cmd is None:
        await conn.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {"code": "unknown_command", "message": f"Unknown command: {msg['type']}."},
            }
        )
        return
    if cmd.admin and not conn.principal.is_admin:
        await conn.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {"code": "unauthorized", "message": "Only administrators can do that."},
            }
        )
        return
    try:
        result = await cmd.handler(conn, msg)
    except CommandError as err:
        await conn.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {"code": err.code, "message": err.message},
            }
        )
        return
    except Exception:
        _LOGGER.exception("Websocket command %s failed", msg["type"])
        await conn.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {
                    "code": "unknown_error",
                    "message": "Unexpected error; check the companion log.",
                },
            }
        )
        return
    await conn.send({"id": msg_id, "type": "result", "success": True, "result": result})


@router.get(
    "/api/ws",
    summary="Client websocket: authenticate, subscribe to events, send commands",
    auth="public",
    responses={"101": "Switching to the websocket protocol"},
    returns=None,
)
async def websocket(request: web.Request) -> web.StreamResponse:
    """Serve one client websocket connection."""
    # No per-message deflate: messages are small, and compressing each one for every client
    # costs more CPU than it saves on a LAN.
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024, compress=False)
    await ws.prepare(request)
    sockets = request.app[keys.WEBSOCKETS]
    sockets.add(ws)
    conn: Connection | None = None
    try:
        principal = await _authenticate(request, ws)
        if principal is None:
            return ws
        conn = Connection(request.app, ws, principal)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await _handle(conn, msg.data)
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        sockets.discard(ws)
        if conn is not None:
            await conn.close()
    return ws


async def close_all(app: web.Application) -> None:
    """Close every client websocket (on shutdown)."""
    sockets: set[web.WebSocketResponse] = app[keys.WEBSOCKETS]
    for ws in list(sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")
