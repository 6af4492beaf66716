"""The imports page: upload or link a playlist, map CSV columns, review rows, commit."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion.accounts.auth import Principal
from web.dashboard.render import user_page


async def imports(request: web.Request) -> web.StreamResponse:
    """Imports (the script renders them from /api/imports)."""

    async def build(principal: Principal) -> dict[str, Any]:
        return {"title": "Import", "active": "imports"}

    return await user_page(request, "imports.html", build)
