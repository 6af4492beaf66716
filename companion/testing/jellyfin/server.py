"""FakeJellyfin: the app factory, request middleware and start/stop lifecycle."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from companion.testing.serving import serve

from . import (
    control,
    routes_config,
    routes_discover,
    routes_items,
    routes_media,
    routes_media_folder,
    routes_playback_reporting,
    routes_playlists,
    routes_sessions,
    routes_system,
    routes_userdata,
    routes_users,
)
from .auth import AUTH_KEY, header_fields, resolve, session_of
from .events import Events, Timing
from .library import Library
from .routing import TEMPLATES, Templates, retry_case_insensitive
from .services import SERVICES, Services
from .socket import SocketHub
from .state import ACCEPTED_VERSIONS, State
from .tasks import all_tasks
from .webhook import WebhookEmitter
from .wire import now_utc

log = logging.getLogger(__name__)

FAKE_API_KEY = "5e57eab3468f753522b55ece2b16aabd"
FAKE_SERVER_ID = "9540360ef718d9fe7742856923cdbf04"
DEFAULT_USERS: dict[str, tuple[str, bool]] = {"demo": ("demo", True), "guest": ("guest", False)}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def fake_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request log, fault injection, auth resolution and websocket upgrades on any path."""
    retried = await retry_case_insensitive(request)
    if retried is not None:
        request, handler = retried
    svc = request.app[SERVICES]
    st = svc.state
    path = request.path
    if path.startswith("/__fake__"):
        return await handler(request)
    st.requests.append(await _log_entry(request, st))
    ctx, _ = resolve(request, st)
    if ctx is not None:
        request[AUTH_KEY] = ctx
    if ctx is not None and ctx.user is not None:
        ctx.user.last_activity = now_utc()
        session_of(st, ctx, request.remote).last_activity = now_utc()
    # The middleware accepts an upgrade on any path; /socket is the convention.
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await svc.hub.handle(request)
    faults = st.faults
    if faults.applies(path):
        if faults.latency_ms > 0:
            # A slow server has the whole request already: it still acts on it if the client
            # gives up waiting (as Kestrel does), which is what "timed out" leaves unknown.
            if request.can_read_body:
                await request.read()
            await asyncio.sleep(faults.latency_ms / 1000.0)
        if faults.error_rate > 0 and svc.rng.random() < faults.error_rate:
            return web.Response(
                status=faults.status, text="Error processing request.", content_type="text/plain"
            )
    try:
        resp = await handler(request)
    except web.HTTPException as exc:
        _record(st, request, exc)
        raise
    except Exception:  # ExceptionMiddleware: anything unexpected is a 500
        log.exception("fake jellyfin handler failed for %s %s", request.method, path)
        return web.Response(status=500, text="Error processing request.", content_type="text/plain")
    _record(st, request, resp)
    return resp


async def _log_entry(request: web.Request, st: State) -> dict[str, Any]:
    """One request-log entry: method, path, query, JSON body and the caller's client/device.

    The token itself is never logged: tests read this log.
    """
    body: Any = None
    if request.body_exists and "json" in request.content_type:
        raw = await request.read()  # cached: the handler reads it again
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
    return {
        "method": request.method,
        "path": request.path,
        "query": {k: request.query.getone(k) for k in request.query},
        "query_string": request.query_string,
        "params": list(request.query.keys()),
        "body": body,
        "client": {k: v for k, v in header_fields(request, st).items() if k != "Token"},
        "at": datetime.now(UTC).isoformat(),
    }


def _record(st: State, request: web.Request, resp: web.StreamResponse) -> None:
    """Keep JSON answers for contract checks when `record_responses` is on."""
    if not st.record_responses or not isinstance(resp, web.Response):
        return
    if "json" not in resp.content_type or resp.body is None:
        return
    st.responses.append(
        {
            "method": request.method,
            "path": request.path,
            "status": resp.status,
            "content_type": resp.content_type,
            "body": resp.text,
        }
    )


class FakeJellyfin:
    """A real aiohttp server on localhost speaking Jellyfin's wire format."""

    def __init__(
        self,
        tracks: int = 2000,
        version: str = "10.10.7",
        seed: int = 1,
        realistic_timing: bool = False,
        users: dict[str, tuple[str, bool]] | None = None,
        socket_timeout: float = 60.0,
        server_name: str = "fake-jellyfin",
    ) -> None:
        if version not in ACCEPTED_VERSIONS:
            raise ValueError(
                f"unsupported fake version {version!r}; use one of {ACCEPTED_VERSIONS}"
            )
        self.library = Library(tracks=tracks, seed=seed)
        self.library.warm()
        self.state = State(
            self.library, version, FAKE_SERVER_ID, DEFAULT_USERS if users is None else users
        )
        self.state.server_name = server_name
        self.state.add_api_key("companion-tests", FAKE_API_KEY)
        self.timing = Timing.for_mode(realistic_timing)
        self.socket_timeout = socket_timeout
        self.seed = seed
        self.hub = SocketHub(self.state, socket_timeout, lambda: all_tasks(self.state))
        self.webhook = WebhookEmitter(self.state)
        self.events = Events(self.state, self.hub, self.webhook, self.timing)
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[fake_middleware], client_max_size=16 * 1024**2)
        app[SERVICES] = Services(
            self.state, self.events, self.hub, self.webhook, random.Random(self.seed)
        )
        for mod in (
            routes_system,
            routes_config,
            routes_users,
            routes_discover,  # before routes_items: /Items/Suggestions is not /Items/{id}
            routes_items,
            routes_userdata,
            routes_playlists,
            routes_media,
            routes_media_folder,
            routes_sessions,
            routes_playback_reporting,
        ):
            app.add_routes(mod.routes)
        app.router.add_get("/socket", self.hub.handle)
        app[TEMPLATES] = Templates(app)
        plane = web.Application()
        plane.add_routes(control.routes)
        app.add_subapp("/__fake__", plane)
        return app

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; port 0 picks an ephemeral port. Returns the base URL."""
        self._runner, self.port = await serve(self.app, host, port)
        self.host = host
        self.hub.start()
        self.webhook.start()
        return self.url

    async def stop(self) -> None:
        """Stop serving and cancel background work."""
        await self.events.stop()
        await self.hub.stop()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeJellyfin:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def user_id(self, name: str) -> str:
        """Return a user's 32-hex id."""
        u = self.state.user_by_name(name)
        if u is None:
            raise KeyError(name)
        return u.id

    def add_api_key(self, name: str) -> str:
        """Register a new API key and return it."""
        return self.state.add_api_key(name)
