"""The signed-in user's preferences (stream quality and mode)."""

from __future__ import annotations

from aiohttp import web

from companion.accounts.preferences import SCHEMA, get_preferences, update_preferences
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import PREFERENCES

router = ApiRouter("preferences")


@router.get(
    "/api/me/preferences",
    summary="Your preferences",
    responses={"200": "{stream_quality, stream_mode}"},
    returns=PREFERENCES,
)
async def read_preferences(request: web.Request) -> web.Response:
    """Return the caller's preferences with defaults filled in."""
    return json_response(await get_preferences(principal_of(request).user_id or 0))


@router.put(
    "/api/me/preferences",
    summary="Change your preferences",
    body=SCHEMA,
    responses={"200": "The preferences after the change", "400": "An invalid value"},
    returns=PREFERENCES,
)
async def write_preferences(request: web.Request) -> web.Response:
    """Merge the body into the caller's preferences."""
    body = await read_json(request)
    return json_response(await update_preferences(principal_of(request).user_id or 0, body))
