"""The weekly flows page: each flow's week, its downloads live, Keep / Promote / Remove, past
weeks, and the flows folders for administrators."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion.accounts.auth import Principal
from web.dashboard.render import user_page


async def flows(request: web.Request) -> web.StreamResponse:
    """Flows (the script renders them from /api/flows and follows /api/ws)."""

    async def build(principal: Principal) -> dict[str, Any]:
        return {"title": "Weekly flows", "active": "flows", "is_admin": principal.is_admin}

    return await user_page(request, "flows.html", build)
