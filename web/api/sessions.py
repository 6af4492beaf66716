"""The signed-in user's Jellyfin sessions (devices), for playing vibe queues on them."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from web.json import json_response
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import OBJ, items

router = ApiRouter("sessions")


@router.get(
    "/api/sessions",
    summary="Your Jellyfin sessions; those with supports_remote_control can play a queue",
    responses={"200": "{items: [session]}", "503": "Jellyfin unreachable"},
    returns=items(OBJ),
)
async def sessions(request: web.Request) -> web.Response:
    """Sessions with what they play now."""
    found = await request.app[keys.VIBE].sessions(principal_of(request))
    return json_response({"items": [s.as_dict() for s in found]})
