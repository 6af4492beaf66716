"""FakeAudioMuse: AudioMuse-AI v3.4's REST API on 127.0.0.1, analysing the fake Jellyfin's library.

Quirks kept from the real server (see the reference): rows name the artist `author` (the map
says `artist`), similar tracks come in radius-walk order with a per-artist cap behind the flag
`eliminate_duplicates`, unanalysed tracks answer 404, no index answers 503 with error code 3002,
`/api/*` without a token answers 401 while other paths redirect to /login, and unfinished setup
answers 403 "Setup required".
"""

from __future__ import annotations

import hmac
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from companion.testing.audiomuse.catalogue import Song, song_of
from companion.testing.jellyfin.library import Library, Track
from companion.testing.serving import serve

_LOGGER = logging.getLogger(__name__)

FAKE_AUDIOMUSE_TOKEN = "am-test-token-5f1c0e2a"
SERVER_ID = "3f7a9c2e4b1d4e8f9a0b1c2d3e4f5a6b"
SERVER_NAME = "Jellyfin"
APP_VERSION = "v3.4.0"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_OPEN_PATHS = ("/api/health", "/login", "/auth", "/logout")
_SETUP_EXEMPT = ("/api/setup", "/api/servers", "/api/status", "/api/cancel")


def index_error(message: str) -> web.Response:
    """The structured 503 body of error code 3002 (no index loaded)."""
    return web.json_response(
        {
            "error_code": 3002,
            "error_class": "Index Error",
            "error_message": "The search index is empty.",
            "error": message,
        },
        status=503,
    )


def unknown_error(message: str = "An unexpected error occurred.") -> web.Response:
    """The 9999 body every unhandled failure gets (never HTML)."""
    return web.json_response(
        {
            "error_code": 9999,
            "error_class": "Unknown Error",
            "error_message": "An unexpected error occurred. Check the container logs for details.",
            "error": message,
        },
        status=500,
    )


@dataclass
class FakeTask:
    """An analysis task; its state follows the clock (NEW → RUNNING → SUCCESS)."""

    task_id: str
    task_type: str
    started: float
    duration: float
    finished: bool = False
    revoked: bool = False

    def state(self, now: float) -> tuple[str, int]:
        """v3.2+ state name and progress percent."""
        if self.revoked:
            return "REVOKED", 100
        elapsed = now - self.started
        if elapsed >= self.duration:
            return "SUCCESS", 100
        if elapsed <= 0:
            return "NEW", 0
        return "RUNNING", int(100 * elapsed / self.duration)


@dataclass
class FakeAudioMuseState:
    """What the fake knows: its index snapshot, its switches and its request log."""

    songs: dict[str, Song] = field(default_factory=dict)
    index_loaded: bool = False
    setup_required: bool = False
    unanalysed: set[str] = field(default_factory=set)
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    similar_cache: dict[tuple[str, int, bool, bool], tuple[float, list[dict[str, Any]]]] = field(
        default_factory=dict
    )


class FakeAudioMuse:
    """A real aiohttp server speaking AudioMuse-AI's wire format."""

    def __init__(
        self,
        library: Library,
        *,
        api_token: str = FAKE_AUDIOMUSE_TOKEN,
        analysed: bool = True,
        task_seconds: float = 0.2,
        seed: int = 1,
    ) -> None:
        self.library = library
        self.api_token = api_token
        self.task_seconds = task_seconds
        self.state = FakeAudioMuseState()
        self.rng = random.Random(seed)
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        if analysed:
            self.build_index()

    # -- the index ---------------------------------------------------------------------------

    def build_index(self) -> int:
        """Analyse every library track not marked unanalysed (a snapshot: the library moves on)."""
        self.state.songs = {
            t.id: song_of(self.library, t)
            for t in self.library.tracks
            if isinstance(t, Track) and t.id not in self.state.unanalysed
        }
        self.state.index_loaded = bool(self.state.songs)
        # The index reloads in place; cached answers of the old one go with it.
        self.state.similar_cache.clear()
        return len(self.state.songs)

    def drop_index(self) -> None:
        """Forget the index (a fresh install before its first analysis)."""
        self.state.songs = {}
        self.state.index_loaded = False
        self.state.similar_cache.clear()

    def song(self, item_id: str) -> Song | None:
        """An analysed song by provider id (exact match, as the real id mapping)."""
        return self.state.songs.get(item_id)

    def _advance(self) -> None:
        now = time.monotonic()
        for task in self.state.tasks.values():
            if not task.finished and task.state(now)[0] == "SUCCESS":
                task.finished = True
                self.build_index()

    # -- serving -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith("/__fake__"):
            return await handler(request)
        logged: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "query": dict(request.query),
        }
        self.state.requests.append(logged)
        started = time.perf_counter()
        try:
            return await self._serve(request, handler)
        finally:
            # How long the fake itself worked on it (benchmarks subtract it).
            logged["ms"] = (time.perf_counter() - started) * 1000

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        self._advance()
        if not path.startswith(_OPEN_PATHS):
            header = request.headers.get("Authorization", "")
            token = header[len("Bearer ") :] if header.startswith("Bearer ") else None
            valid = bool(self.api_token) and token is not None
            if not (valid and hmac.compare_digest(str(token), self.api_token)):
                if path.startswith("/api/"):
                    return web.json_response({"error": "Unauthorized"}, status=401)
                raise web.HTTPFound("/login")
            if self.state.setup_required and not path.startswith(_SETUP_EXEMPT):
                return web.json_response({"error": "Setup required"}, status=403)
        server = request.query.get("server") or request.query.get("server_id")
        if server is not None and server not in (SERVER_ID, SERVER_NAME):
            return web.json_response({"error": "Invalid server selection."}, status=400)
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            _LOGGER.exception("fake AudioMuse handler failed for %s", path)
            return unknown_error()

    def _make_app(self) -> web.Application:
        from companion.testing.audiomuse import routes

        app = web.Application(middlewares=[self._middleware])
        app[routes.FAKE] = self
        app.add_routes(routes.routes)
        return app

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; returns the base URL."""
        self._runner, self.port = await serve(self.app, host, port)
        self.host = host
        return self.url

    async def stop(self) -> None:
        """Stop serving (the port then refuses connections)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeAudioMuse:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def new_task(self, task_type: str) -> FakeTask:
        """Start an analysis-like task that finishes after task_seconds."""
        task = FakeTask(str(uuid.uuid4()), task_type, time.monotonic(), self.task_seconds)
        self.state.tasks[task.task_id] = task
        return task
