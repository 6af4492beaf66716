"""A fake Jellyfin plus the companion app in-process (AppRunner), with demo signed in."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from cryptography.fernet import Fernet

from companion import keys
from companion.app import create_app
from companion.settings import Settings
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.serving import serve


class ServerTimes(AbstractAccessLogger):
    """Records how long the server took per request path (from the first byte to the answer)."""

    times: dict[str, list[float]] = {}

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Keep the duration in milliseconds."""
        self.times.setdefault(request.path, []).append(time * 1000)

    @property
    def enabled(self) -> bool:
        """Always on: this logger only measures."""
        return True


@dataclass
class Harness:
    """Everything a music benchmark needs."""

    fake: FakeJellyfin
    app: web.Application
    runner: web.AppRunner
    url: str
    http: aiohttp.ClientSession
    tmp: tempfile.TemporaryDirectory[str]

    async def upstream_calls(self) -> int:
        """Requests the fake received since the last clear (from its request log)."""
        async with self.http.get(f"{self.fake.url}/__fake__/requests") as resp:
            return len(await resp.json())

    async def clear_log(self) -> None:
        """Clear the fake's request log."""
        async with self.http.delete(f"{self.fake.url}/__fake__/requests"):
            pass

    def clear_caches(self) -> None:
        """Forget every cached item and album page (a cold start)."""
        music = self.app[keys.MUSIC]
        music.resolver.clear()
        music.library._album_tracks.clear()

    async def close(self) -> None:
        """Stop everything."""
        await self.http.close()
        await self.runner.cleanup()
        await self.fake.stop()
        self.tmp.cleanup()


async def start(tracks: int, **fake_kw: Any) -> Harness:
    """Start the fake and the companion, configure Jellyfin from the env, sign demo in."""
    # Figures only on stdout: the app's startup warnings stay out of the benchmark's output.
    logging.basicConfig(level=logging.ERROR)
    fake = FakeJellyfin(tracks=tracks, **fake_kw)
    await fake.start()
    tmp = tempfile.TemporaryDirectory()
    data = Path(tmp.name)
    settings = Settings(
        data_dir=data / "data",
        database_url=f"sqlite://{data / 'companion.sqlite3'}",
        secret_key=Fernet.generate_key().decode(),
        environ={"JELLYFIN_URL": fake.url, "JELLYFIN_API_KEY": FAKE_API_KEY},
    )
    app = create_app(settings)
    logger = logging.getLogger("bench.access")
    runner, port = await serve(app, access_log=logger, access_log_class=ServerTimes)
    entries = app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    await entries.wait_setup(entry.entry_id)
    jar = aiohttp.CookieJar(unsafe=True)
    url = f"http://127.0.0.1:{port}"
    async with (
        aiohttp.ClientSession(cookie_jar=jar) as login,
        login.post(f"{url}/api/auth/login", json={"username": "demo", "password": "demo"}) as resp,
    ):
        assert resp.status == 200, await resp.text()
    # A cookie-signed-in client echoes the session's CSRF cookie on writes, as the dashboard does.
    csrf = next(c.value for c in jar if c.key == "companion_csrf")
    http = aiohttp.ClientSession(cookie_jar=jar, headers={"X-CSRF-Token": csrf})
    return Harness(fake, app, runner, url, http, tmp)
