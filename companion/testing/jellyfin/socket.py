"""The /socket websocket: keepalive, subscriptions and targeted pushes (reference section 8)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .auth import AUTH_KEY, AuthContext, session_of
from .dto_users import session_dto
from .state import State
from .wire import dumps, new_id

log = logging.getLogger(__name__)
_MISSING: Any = object()


@dataclass(slots=True, eq=False)
class Conn:
    """One open websocket and its subscriptions."""

    ws: web.WebSocketResponse
    ctx: AuthContext
    session_id: str | None
    watched: bool  # False: API-key socket on <=10.10 (no session, never reaped)
    last_keepalive: float
    forced_resent: bool = False
    sessions_interval: float | None = None
    last_sessions_push: float = 0.0
    tasks_sub: bool = False
    activity_sub: bool = False

    @property
    def user_id(self) -> str | None:
        """The connection's user id (None for API keys)."""
        return self.ctx.user.id if self.ctx.user else None


class SocketHub:
    """Tracks open sockets and delivers server-to-client messages."""

    def __init__(self, state: State, timeout: float, tasks_info: Callable[[], list[Any]]) -> None:
        self.state = state
        self.timeout = timeout
        self.tasks_info = tasks_info
        self.conns: list[Conn] = []
        self._watchdog: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the keepalive watchdog."""
        self._watchdog = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Stop the watchdog and close every socket."""
        if self._watchdog:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.close_all()

    async def close_all(self) -> None:
        """Close every open socket."""
        for c in list(self.conns):
            with contextlib.suppress(Exception):
                await c.ws.close()
        self.conns.clear()

    async def _watch(self) -> None:
        # Jellyfin's watchdog runs every 12 s; scale it down with short test timeouts.
        period = min(12.0, max(0.05, self.timeout / 6))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for c in list(self.conns):
                if not c.watched:
                    continue
                idle = now - c.last_keepalive
                if idle >= self.timeout:
                    log.debug("reaping silent socket %s", c.session_id)
                    self._drop(c)
                    with contextlib.suppress(Exception):
                        await c.ws.close()
                elif idle > self.timeout * 0.75 and not c.forced_resent:
                    c.forced_resent = True
                    await self.send(c, "ForceKeepAlive", self._keepalive_data())

    def _drop(self, c: Conn) -> None:
        if c in self.conns:
            self.conns.remove(c)

    def _keepalive_data(self) -> int:
        return max(1, math.ceil(self.timeout))

    # -- handler ----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Upgrade an authenticated request; 403 text/plain before the upgrade otherwise."""
        st = self.state
        if st.faults.drop_sockets:
            return web.Response(status=503, text="Service Unavailable", content_type="text/plain")
        ctx = request.get(AUTH_KEY)
        if not isinstance(ctx, AuthContext) or (ctx.user is not None and ctx.user.disabled):
            return web.Response(
                status=403, text="Error processing request.", content_type="text/plain"
            )
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        has_session = not (ctx.is_api_key and st.vt < (10, 11))
        sid = None
        if has_session:
            sid = session_of(st, ctx, request.remote).id
        conn = Conn(ws, ctx, sid, has_session, time.monotonic())
        self.conns.append(conn)
        if has_session:
            await self.send(conn, "ForceKeepAlive", self._keepalive_data())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_message(conn, msg.data)
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._drop(conn)
        return ws

    async def _on_message(self, c: Conn, raw: str) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            log.debug("ignoring bad websocket JSON")
            return
        if not isinstance(msg, dict):
            return
        kind = msg.get("MessageType")  # property names are case-sensitive
        data = msg.get("Data")
        legacy_api_key = c.ctx.is_api_key and self.state.vt < (10, 11)
        if kind == "KeepAlive":
            c.last_keepalive = time.monotonic()
            c.forced_resent = False
            await self.send(c, "KeepAlive")
        elif kind == "SessionsStart":
            interval = _parse_interval(data)
            if interval is None or legacy_api_key:
                return  # Data is required; API keys hit a null-user dereference on <=10.10
            if self.state.vt < (10, 11) and not c.ctx.is_admin:
                return
            c.sessions_interval = interval
            c.last_sessions_push = 0.0
        elif kind == "SessionsStop":
            c.sessions_interval = None
        elif kind == "ScheduledTasksInfoStart":
            if _parse_interval(data) is not None:
                c.tasks_sub = True
        elif kind == "ScheduledTasksInfoStop":
            c.tasks_sub = False
        elif kind == "ActivityLogEntryStart":
            if _parse_interval(data) is not None and c.ctx.is_admin and not legacy_api_key:
                c.activity_sub = True
        elif kind == "ActivityLogEntryStop":
            c.activity_sub = False

    # -- delivery ---------------------------------------------------------------------------

    async def send(self, c: Conn, kind: str, data: Any = _MISSING) -> None:
        """Send one envelope; errors drop the connection."""
        env: dict[str, Any] = {"MessageType": kind}
        if data is not _MISSING:
            env["Data"] = data
        env["MessageId"] = new_id()
        try:
            await c.ws.send_str(dumps(env))
        except Exception:  # a closing socket: forget it
            self._drop(c)

    async def to_user(self, user_id: str, kind: str, data: Any) -> None:
        """Send to the sockets of one user."""
        for c in list(self.conns):
            if c.user_id == user_id:
                await self.send(c, kind, data)

    async def to_users(self, kind: str, data_for: Callable[[str], Any]) -> None:
        """Send to every user socket (API-key sockets get nothing)."""
        for c in list(self.conns):
            if c.user_id is not None:
                await self.send(c, kind, data_for(c.user_id))

    async def to_admin_users(self, kind: str, data: Any) -> None:
        """Send to sockets of admin users (not API keys)."""
        for c in list(self.conns):
            if c.ctx.user is not None and c.ctx.user.is_admin:
                await self.send(c, kind, data)

    async def to_all(self, kind: str, data: Any = _MISSING) -> None:
        """Send to every session's socket (restart/shutdown notices).

        A <=10.10 API-key socket has no session, so SessionManager never reaches it.
        """
        for c in list(self.conns):
            if c.session_id is not None:
                await self.send(c, kind, data)

    async def push_sessions(self, forced: bool) -> None:
        """Push `Sessions` to subscribers; unforced pushes respect the interval."""
        now = time.monotonic()
        st = self.state
        for c in list(self.conns):
            if c.sessions_interval is None:
                continue
            if not forced and now - c.last_sessions_push < c.sessions_interval:
                continue
            c.last_sessions_push = now
            sessions = [
                session_dto(st, s)
                for s in st.sessions.values()
                if c.ctx.is_admin or s.user_id == c.user_id
            ]
            await self.send(c, "Sessions", sessions)

    async def push_tasks(self) -> None:
        """Push `ScheduledTasksInfo` to subscribers."""
        for c in list(self.conns):
            if c.tasks_sub:
                await self.send(c, "ScheduledTasksInfo", self.tasks_info())


def _parse_interval(data: Any) -> float | None:
    if not isinstance(data, str) or "," not in data:
        return None
    try:
        _, interval = (int(p) for p in data.split(",", 1))
    except ValueError:
        return None
    return interval / 1000.0
