"""The Webhook settings page: what to enter in Jellyfin's Webhook plugin, and whether it works."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion.accounts.auth import Principal
from web.api.webhook_settings import REQUIRED_TEXT, REQUIRED_TITLE, describe
from web.dashboard.render import user_page


async def webhooks(request: web.Request) -> web.StreamResponse:
    """URL, header and secret with copy buttons, the plugin's form in order, the last webhook."""

    async def build(principal: Principal) -> dict[str, Any]:
        return {
            "title": "Webhooks",
            "active": "webhooks",
            "info": await describe(request),
            "required_title": REQUIRED_TITLE,
            "required_text": REQUIRED_TEXT,
        }

    return await user_page(request, "webhooks.html", build, admin=True)
