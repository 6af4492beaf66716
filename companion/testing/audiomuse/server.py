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
from typing import Any

from aiohttp import web

from companion.testing.audiomuse import routes
from companion.testing.audiomuse.catalogue import Song, song_of
from companion.testing.audiomuse.core import (
    APP_VERSION as APP_VERSION,
)
from companion.testing.audiomuse.core import (
    FAKE,
    FakeAudioMuseState,
    FakeTask,
    unknown_error,
)
from companion.testing.audiomuse.core import FAKE_AUDIOMUSE_TOKEN as FAKE_AUDIOMUSE_TOKEN
from companion.testing.audiomuse.core import SERVER_ID as SERVER_ID
from companion.testing.audiomuse.core import SERVER_NAME as SERVER_NAME
from companion.testing.jellyfin.library import Library, Track
from companion.testing.serving import serve

_LOGGER = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_OPEN_PATHS = ("/api/health", "/login", "/auth", "/logout")
_SETUP_EXEMPT = ("/api/setup", "/api/servers", "/api/status", "/api/cancel")


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
        app = web.Application(middlewares=[self._middleware])
        app[FAKE] = self
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
