"""FakeSlskd: slskd's v0 API on 127.0.0.1 (application, searches, downloads, files).

Quirks kept (reference services.md §2): `X-API-Key` auth with 401; JSON camelCase with nulls
omitted; enums and flags as strings; `searchTimeout` in milliseconds; a search's responses
appear only once it completed; 409 on a search while not logged in; 429 on a second concurrent
POST to searches or downloads; 201 `{enqueued, failed}` for downloads, 500 with a text body for
an offline user; DELETE answers 204, 404 for unknown ids and 400 for ids that are not GUIDs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from companion.testing.serving import serve
from companion.testing.slskd.state import Peer, SharedFile, World

FAKE_SLSKD_API_KEY = "fake-slskd-key-0123456789abcdef"
WORLD = web.AppKey("world", World)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status)


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain")


class FakeSlskd:
    """A real aiohttp server speaking slskd's API, with peers the tests describe."""

    def __init__(
        self,
        downloads: Path,
        *,
        api_key: str = FAKE_SLSKD_API_KEY,
        downloads_dir: str = "/app/downloads",
        step: float = 0.05,
        search_seconds: float = 0.1,
        version: str = "0.24.5",
    ) -> None:
        downloads.mkdir(parents=True, exist_ok=True)
        self.world = World(downloads, step=step, search_seconds=search_seconds)
        self.api_key = api_key
        # The download folder as slskd itself reports it (its own path inside its container).
        self.downloads_dir = downloads_dir
        self.version = version
        self.requests: list[dict[str, Any]] = []
        self._posting = False
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- test helpers ------------------------------------------------------------------------

    def add_peer(
        self, username: str, files: list[SharedFile] | None = None, **options: Any
    ) -> Peer:
        """Add a peer sharing files (options: free_slot, queue_length, upload_speed, behaviour)."""
        peer = Peer(username, list(files or []), **options)
        self.world.peers[username] = peer
        return peer

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (port 0 picks a free one; a restart reuses self.port)."""
        self._runner, self.port = await serve(self.app, "127.0.0.1", port or self.port)
        return self.url

    async def stop(self) -> None:
        """Stop serving (the world keeps its state, so start() again resumes)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.app = self._make_app()

    async def close(self) -> None:
        """Stop serving and cancel transfers in flight."""
        await self.stop()
        await self.world.stop()

    # -- the app -----------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app[WORLD] = self.world
        api = "/api/v0"
        app.router.add_get(f"{api}/application", self._application)
        app.router.add_get(f"{api}/files/downloads/directories", self._listing)
        app.router.add_post(f"{api}/searches", self._start_search)
        app.router.add_get(f"{api}/searches", self._list_searches)
        app.router.add_get(f"{api}/searches/{{id}}", self._get_search)
        app.router.add_get(f"{api}/searches/{{id}}/responses", self._responses)
        app.router.add_delete(f"{api}/searches/{{id}}", self._delete_search)
        app.router.add_post(f"{api}/transfers/downloads/{{username}}", self._enqueue)
        app.router.add_get(f"{api}/transfers/downloads", self._downloads)
        app.router.add_delete(f"{api}/transfers/downloads/{{username}}/{{id}}", self._cancel)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append({"method": request.method, "path": request.path})
        if request.headers.get("X-API-Key") != self.api_key:
            return web.Response(status=401)
        return await handler(request)

    async def _application(self, request: web.Request) -> web.Response:
        state = "Connected, LoggedIn" if self.world.logged_in else "Disconnected"
        return _json(
            {
                "version": {"full": self.version, "current": self.version, "isCanary": False},
                "server": {
                    "address": "vps.slsknet.org:2271",
                    "state": state,
                    "isConnected": self.world.logged_in,
                    "isLoggedIn": self.world.logged_in,
                    "isTransitioning": False,
                },
                "user": {"username": "companion-tests"},
            }
        )

    async def _listing(self, request: web.Request) -> web.Response:
        root = self.world.downloads
        files = [
            {
                "name": p.name,
                "fullName": f"{self.downloads_dir}/{p.name}",
                "length": p.stat().st_size,
            }
            for p in sorted(root.iterdir())
            if p.is_file()
        ]
        dirs = [
            {"name": p.name, "fullName": f"{self.downloads_dir}/{p.name}"}
            for p in sorted(root.iterdir())
            if p.is_dir()
        ]
        return _json(
            {"name": root.name, "fullName": self.downloads_dir, "files": files, "directories": dirs}
        )

    async def _guarded_post(self, action: Callable[[], Awaitable[web.Response]]) -> web.Response:
        # A second POST while one is handled gets 429, as slskd's semaphore does.
        if self._posting:
            return _text(429, "Too many requests")
        self._posting = True
        try:
            await asyncio.sleep(0)
            return await action()
        finally:
            self._posting = False

    async def _start_search(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _text(400, "Invalid JSON")
        text = body.get("searchText") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _text(400, "SearchText may not be null or empty")

        async def start() -> web.Response:
            if not self.world.logged_in:
                return _text(409, "The server connection must be connected and logged in")
            search_id = str(body.get("id") or uuid.uuid4())
            if search_id in self.world.searches:
                return _text(400, f"An active search with Id {search_id} is already in progress")
            timeout = int(body.get("searchTimeout") or 15000)
            return _json(self.world.start_search(search_id, text, timeout).as_dict(False))

        return await self._guarded_post(start)

    async def _list_searches(self, request: web.Request) -> web.Response:
        return _json([s.as_dict(False) for s in self.world.searches.values()])

    async def _get_search(self, request: web.Request) -> web.Response:
        search = self.world.searches.get(request.match_info["id"])
        if search is None:
            return web.Response(status=404)
        include = request.query.get("includeResponses", "false").lower() == "true"
        return _json(search.as_dict(include))

    async def _responses(self, request: web.Request) -> web.Response:
        search = self.world.searches.get(request.match_info["id"])
        if search is None:
            return web.Response(status=404)
        return _json(search.responses)

    async def _delete_search(self, request: web.Request) -> web.Response:
        if self.world.searches.pop(request.match_info["id"], None) is None:
            return web.Response(status=404)
        return web.Response(status=204)

    async def _enqueue(self, request: web.Request) -> web.Response:
        username = request.match_info["username"]
        try:
            body = await request.json()
        except ValueError:
            return _text(400, "Invalid JSON")
        if not isinstance(body, list) or not body:
            return _text(400, "At least one file is required")
        for entry in body:
            if not isinstance(entry, dict) or not entry.get("filename"):
                return _text(400, "Requested files must not be null")
            parts = str(entry["filename"]).replace("/", "\\").split("\\")
            if ".." in parts:
                return _text(400, "Requested files must not contain path traversal segments")

        async def enqueue() -> web.Response:
            peer = self.world.peers.get(username)
            if peer is None or peer.behaviour == "offline":
                return _text(500, f"Failed to download file(s) from user {username}: offline")
            enqueued = [
                self.world.enqueue(username, str(e["filename"]), int(e.get("size") or 0)).as_dict()
                for e in body
            ]
            return _json({"enqueued": enqueued, "failed": []}, status=201)

        return await self._guarded_post(enqueue)

    async def _downloads(self, request: web.Request) -> web.Response:
        users: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for record in self.world.transfers.values():
            users.setdefault(record.username, {}).setdefault(record.directory, []).append(
                record.as_dict()
            )
        return _json(
            [
                {
                    "username": user,
                    "directories": [
                        {"directory": d, "fileCount": len(files), "files": files}
                        for d, files in dirs.items()
                    ],
                }
                for user, dirs in users.items()
            ]
        )

    async def _cancel(self, request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        try:
            uuid.UUID(raw)
        except ValueError:
            return _text(400, "The id must be a GUID")
        record = self.world.transfers.get(raw)
        if record is None or record.username != request.match_info["username"]:
            return web.Response(status=404)
        self.world.cancel(record, request.query.get("remove", "false").lower() == "true")
        return web.Response(status=204)
