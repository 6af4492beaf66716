"""Mount the dashboard on the app: Jinja2 templates, static files and page routes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from companion import keys
from web.dashboard import (
    pages_admin,
    pages_automation,
    pages_downloads,
    pages_flows,
    pages_imports,
    pages_listening,
    pages_live,
    pages_music,
    pages_settings,
)
from web.dashboard.assets import StaticAssets
from web.dashboard.render import install_base_path

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"


def duration(seconds: float | None) -> str:
    """Format seconds as m:ss (or h:mm:ss)."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def names(refs: Iterable[Any]) -> str:
    """Join the names of NamedRefs."""
    return ", ".join(r.name for r in refs)


def setup_dashboard(app: web.Application) -> None:
    """Configure Jinja2 and add every dashboard route."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    env.filters["names"] = names
    assets = StaticAssets(STATIC_DIR)
    base = app[keys.SETTINGS].base_path
    install_base_path(env, base)
    # `{{ static("app.js") }}`: the prefixed, fingerprinted URL of a static file.
    env.globals["static"] = lambda name: base + assets.path(name)
    router = app.router
    router.add_get("/", pages_admin.root)
    router.add_get("/login", pages_admin.login_page)
    router.add_post("/logout", pages_admin.logout)
    router.add_get("/setup", pages_admin.setup_page)
    router.add_get("/integrations", pages_admin.integrations)
    router.add_get("/automation", pages_automation.automation)
    router.add_get("/settings/webhooks", pages_settings.webhooks)
    router.add_get("/library", pages_music.library)
    router.add_get("/albums/{ref}", pages_music.album)
    router.add_get("/artists/{ref}", pages_music.artist)
    router.add_get("/favorites", pages_music.favorites)
    router.add_get("/now-playing", pages_live.now_playing)
    router.add_get("/history", pages_live.history_page)
    router.add_get("/activity", pages_live.activity)
    router.add_get("/player", pages_live.player)
    router.add_get("/playlists", pages_live.playlists)
    router.add_get("/playlists/{playlist_id}", pages_live.playlist)
    router.add_get("/vibe", pages_live.vibe)
    router.add_get("/review", pages_listening.review_page)
    router.add_get("/review/{year}", pages_listening.review_page)
    router.add_get("/listening", pages_listening.listening_page)
    router.add_get("/imports", pages_imports.imports)
    router.add_get("/search", pages_music.search)
    router.add_get("/downloads", pages_downloads.downloads)
    router.add_get("/flows", pages_flows.flows)
    router.add_get("/static/{path:.+}", assets.handle, name="static")
