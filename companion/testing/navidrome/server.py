"""FakeNavidrome: the app, a control plane under /__fake__/, and start/stop."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from companion.testing.serving import serve

from . import dto
from .routes import SCAN_TASKS, STATE, rest
from .state import DEFAULT_USERS, DEFAULT_VERSION, State


async def _control_state(request: web.Request) -> web.Response:
    st = request.app[STATE]
    return web.json_response(
        {
            "version": st.version,
            "tracks": len(st.library.tracks),
            "albums": len(st.library.albums),
            "playlists": len(st.playlists),
            "requests": len(st.requests),
        }
    )


async def _control_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].requests)


async def _control_faults(request: web.Request) -> web.Response:
    st = request.app[STATE]
    body = await request.json()
    st.fail_next = [int(s) for s in body.get("fail_next", [])]
    st.latency_ms = int(body.get("latency_ms", 0))
    return web.json_response({"ok": True})


async def _control_album(request: web.Request) -> web.Response:
    st = request.app[STATE]
    body = await request.json()
    album = st.add_album(str(body["name"]), str(body["artist"]), int(body.get("songs", 3)))
    admin = next(u for u in st.users.values() if u.admin)
    return web.json_response(dto.album(st, admin, album))


class FakeNavidrome:
    """A fake Navidrome (OpenSubsonic) server over the Jellyfin fake's generated library."""

    def __init__(
        self,
        tracks: int = 2000,
        seed: int = 1,
        version: str = DEFAULT_VERSION,
        users: dict[str, tuple[str, bool]] | None = None,
    ) -> None:
        self.state = State(tracks, seed, version, users or DEFAULT_USERS)
        self.app = web.Application()
        self.app[STATE] = self.state
        self.app[SCAN_TASKS] = set()
        self.app.router.add_route("*", "/rest/{method}", rest)
        self.app.router.add_get("/__fake__/state", _control_state)
        self.app.router.add_get("/__fake__/requests", _control_requests)
        self.app.router.add_put("/__fake__/faults", _control_faults)
        self.app.router.add_post("/__fake__/albums", _control_album)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 picks a free one) and return the URL."""
        self._runner, self.port = await serve(self.app, host, port)
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving and cancel a running scan."""
        for task in self.app[SCAN_TASKS]:
            task.cancel()
        await asyncio.gather(*self.app[SCAN_TASKS], return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeNavidrome:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def nd_id(self, jellyfin_fake_id: str) -> str:
        """The Navidrome id of a generated library item."""
        return self.state.nd[jellyfin_fake_id]
