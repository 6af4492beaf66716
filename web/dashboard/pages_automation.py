"""The automation page: your hooks; for administrators, outgoing targets and delivery logs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.automation.actions import ACTIONS
from web.dashboard.render import user_page
from web.urls import external_base

# Rows of each target's delivery log shown on the page (the API keeps the newest 100).
LOG_ROWS = 20
# Event types offered as checkboxes when adding a target (the API takes any `a.b` type).
EVENT_TYPES = (
    "favorite.changed",
    "playback.started",
    "playback.stopped",
    "play.recorded",
    "playlist.changed",
    "playlist.synced",
    "vibe.queue",
    "integration.state",
)


def _base_url(request: web.Request) -> str:
    return external_base(request)


async def automation(request: web.Request) -> web.StreamResponse:
    """Hooks of the signed-in user; targets with their delivery logs for administrators."""

    async def build(principal: Principal) -> dict[str, Any]:
        services = request.app[keys.AUTOMATION]
        base = _base_url(request)
        hooks = [
            h | {"url": base + h["url_path"]} for h in await services.hooks.list_all(principal)
        ]
        targets: list[dict[str, Any]] = []
        if principal.is_admin:
            for target in await services.targets.list_all():
                log = await services.targets.deliveries(target["id"], limit=LOG_ROWS)
                targets.append(target | {"deliveries": log})
        return {
            "title": "Automation",
            "active": "automation",
            "hooks": hooks,
            "actions": ACTIONS,
            "targets": targets,
            "event_types": EVENT_TYPES,
            "is_admin": principal.is_admin,
        }

    return await user_page(request, "automation.html", build)
