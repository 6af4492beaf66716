"""The downloads page: search Lidarr or Soulseek, the wanted list live, settings for admins."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion.accounts.auth import Principal
from web.dashboard.render import user_page


async def downloads(request: web.Request) -> web.StreamResponse:
    """Downloads (the script renders them from /api/downloads and follows /api/ws)."""

    async def build(principal: Principal) -> dict[str, Any]:
        return {"title": "Downloads", "active": "downloads", "is_admin": principal.is_admin}

    return await user_page(request, "downloads.html", build)
