"""`companion demo`: a fake Jellyfin (or Navidrome) with a generated library, and the companion wired to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web

from companion import __version__, keys
from companion.settings import Settings

_LOGGER = logging.getLogger(__name__)

DEMO_USERS = {"demo": ("demo", True), "guest": ("guest", False)}


def demo_environment(jellyfin_url: str) -> dict[str, str]:
    """The environment that configures the Jellyfin integration for the demo."""
    # An administrator *user* login (not an API key), so live library events work too.
    return {"JELLYFIN_URL": jellyfin_url, "JELLYFIN_USERNAME": "demo", "JELLYFIN_PASSWORD": "demo"}


async def _until_stopped(ready: asyncio.Event | None) -> None:
    """Signal `ready` (tests wait on it), then wait for Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    await stop.wait()


async def run_demo(
    settings: Settings, *, jellyfin_port: int, tracks: int, ready: asyncio.Event | None = None
) -> None:
    """Start both servers and run until interrupted."""
    from companion.app import create_app
    from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
    from companion.testing.jellyfin import FakeJellyfin

    fake = FakeJellyfin(tracks=tracks, users=DEMO_USERS)
    jellyfin_url = await fake.start(host="127.0.0.1", port=jellyfin_port)
    # AudioMuse-AI for vibe queues, having analysed the same library (so ids match).
    audiomuse = FakeAudioMuse(fake.library)
    audiomuse_url = await audiomuse.start(host="127.0.0.1")
    with contextlib.ExitStack() as stack:
        data_dir = settings.data_dir
        if settings.data_dir == Path("data"):
            # A throwaway data dir by default, so the demo never touches a real install.
            data_dir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="companion-demo-"))
            )
        environ = {
            **settings.environ,
            **demo_environment(jellyfin_url),
            "AUDIOMUSE_URL": audiomuse_url,
            "AUDIOMUSE_API_TOKEN": FAKE_AUDIOMUSE_TOKEN,
        }
        demo_settings = replace(settings, data_dir=data_dir, environ=environ)
        app = create_app(demo_settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, demo_settings.host, demo_settings.port)
        await site.start()
        companion_url = f"http://{demo_settings.host}:{demo_settings.port}"
        # Point the fake's Webhook plugin at the companion, secret header included.
        secret = await app[keys.LIVE].secrets.get("jellyfin")
        async with (
            aiohttp.ClientSession() as http,
            http.put(
                f"{jellyfin_url}/__fake__/webhook",
                json={
                    "url": f"{companion_url}/webhooks/jellyfin",
                    "headers": {secret.header: secret.secret},
                },
            ) as resp,
        ):
            resp.raise_for_status()
        print(
            f"\nJellyfin Companion {__version__} demo\n"
            f"  Companion:       {companion_url}/\n"
            f"  Fake Jellyfin:   {jellyfin_url}  ({tracks} tracks)\n"
            f"  Fake AudioMuse:  {audiomuse_url}  (vibe queues: POST /api/vibe)\n"
            f"  Sign in as:      demo / demo (administrator) or guest / guest\n"
            f"  Webhook plugin:  the fake posts to {companion_url}/webhooks/jellyfin\n"
            f"  Data directory:  {data_dir}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        try:
            await _until_stopped(ready)
        finally:
            await runner.cleanup()
            await audiomuse.stop()
            await fake.stop()


def navidrome_environment(navidrome_url: str) -> dict[str, str]:
    """The environment that configures the Navidrome integration for the demo."""
    return {
        "NAVIDROME_URL": navidrome_url,
        "NAVIDROME_USERNAME": "demo",
        "NAVIDROME_PASSWORD": "demo",
        # Short, so the demo shows polled changes quickly; the default is 30 s.
        "NAVIDROME_POLL_INTERVAL": "5",
    }


async def run_navidrome_demo(
    settings: Settings, *, navidrome_port: int, tracks: int, ready: asyncio.Event | None = None
) -> None:
    """`companion demo --server navidrome`: a fake Navidrome and the companion wired to it."""
    from companion.app import create_app
    from companion.testing.navidrome import FakeNavidrome

    fake = FakeNavidrome(tracks=tracks, users=DEMO_USERS)
    navidrome_url = await fake.start(host="127.0.0.1", port=navidrome_port)
    with contextlib.ExitStack() as stack:
        data_dir = settings.data_dir
        if settings.data_dir == Path("data"):
            data_dir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="companion-demo-"))
            )
        # Only Navidrome: one install talks to one media server.
        environ = {
            k: v for k, v in settings.environ.items() if not k.startswith("JELLYFIN_")
        } | navidrome_environment(navidrome_url)
        demo_settings = replace(settings, data_dir=data_dir, environ=environ)
        app = create_app(demo_settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, demo_settings.host, demo_settings.port)
        await site.start()
        companion_url = f"http://{demo_settings.host}:{demo_settings.port}"
        print(
            f"\nJellyfin Companion {__version__} demo on Navidrome\n"
            f"  Companion:       {companion_url}/\n"
            f"  Fake Navidrome:  {navidrome_url}/rest  ({tracks} tracks)\n"
            f"  Sign in as:      demo / demo (administrator) or guest / guest\n"
            f"  Live events:     polled every 5 s (Navidrome pushes none)\n"
            f"  Data directory:  {data_dir}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        try:
            await _until_stopped(ready)
        finally:
            await runner.cleanup()
            await fake.stop()
