"""FakeJellyfin: the app factory, request middleware and start/stop lifecycle."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from companion.testing.serving import serve

from . import (
    control,
    routes_items,
    routes_media,
    routes_playback_reporting,
    routes_playlists,
    routes_sessions,
    routes_system,
    routes_userdata,
    routes_users,
)
from .auth import AUTH_KEY, resolve
from .events import Events, Timing
from .library import Library
from .routes_system import all_tasks
from .routing import SEGMENTS, collect_segments, retry_case_insensitive
from .services import SERVICES, Services
from .socket import SocketHub
from .state import SUPPORTED_VERSIONS, State
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
    st.requests.append(
        {
            "method": request.method,
            "path": path,
            "query": {k: request.query.getone(k) for k in request.query},
            "query_string": request.query_string,
            "at": datetime.now(UTC).isoformat(),
        }
    )
    ctx, _ = resolve(request, st)
    if ctx is not None:
        request[AUTH_KEY] = ctx
    if ctx is not None and ctx.user is not None:
        ctx.user.last_activity = now_utc()
        st.session_for(ctx.token, request.remote or "127.0.0.1").last_activity = now_utc()
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
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:  # ExceptionMiddleware: anything unexpected is a 500
        log.exception("fake jellyfin handler failed for %s %s", request.method, path)
        return web.Response(status=500, text="Error processing request.", content_type="text/plain")


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
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(
                f"unsupported fake version {version!r}; use one of {SUPPORTED_VERSIONS}"
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
            control,
            routes_system,
            routes_users,
            routes_items,
            routes_userdata,
            routes_playlists,
            routes_media,
            routes_sessions,
            routes_playback_reporting,
        ):
            app.add_routes(mod.routes)
        app.router.add_get("/socket", self.hub.handle)
        app[SEGMENTS] = collect_segments(app)
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
