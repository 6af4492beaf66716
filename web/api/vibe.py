"""Vibe queues over HTTP and the websocket: build, read, play on a device, save as a playlist."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.errors import CompanionError
from companion.vibe.request import MAX_LIMIT, MODES
from companion.vibe.service import VibeService
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import BOOL, OBJ, PLAYLIST, VIBE, items, obj
from web.ws import CommandError, Connection, command

router = ApiRouter("vibe")

_REF = {"type": "string", "pattern": "^(jellyfin|navidrome):[0-9a-fA-F]{32}$"}
_START_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["mode"],
    "properties": {
        "mode": {"type": "string", "enum": list(MODES)},
        "ref": {**_REF, "description": "similar: a track; artist/album: the artist or album"},
        "text": {"type": "string", "description": "text: e.g. 'calm piano songs'"},
        "add": {"type": "array", "items": _REF, "description": "alchemy: tracks to add"},
        "subtract": {"type": "array", "items": _REF, "description": "alchemy: tracks to subtract"},
        "temperature": {"type": "number", "description": "alchemy: 0 = deterministic"},
        "subtract_distance": {"type": "number", "description": "alchemy: exclusion radius"},
        "from": {**_REF, "description": "path: first track"},
        "to": {**_REF, "description": "path: last track"},
        "recent": {"type": "integer", "description": "recent: how many last plays (default 5)"},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
    },
}


def _vibe(request: web.Request) -> VibeService:
    return request.app[keys.VIBE]


@router.post(
    "/api/vibe",
    summary="Build a vibe queue (AudioMuse-AI, or Jellyfin's InstantMix as the fallback)",
    body=_START_BODY,
    responses={
        "201": "The VibeQueue {id, mode, seeds, engine, notice, items, created_at, updated_at}",
        "400": "Bad mode, seeds or options",
        "404": "Unknown ref, or AudioMuse has not analysed a seed",
        "409": "recent: no plays yet",
        "503": "text/alchemy/path without AudioMuse-AI, or Jellyfin unreachable",
    },
    returns=VIBE,
)
async def start(request: web.Request) -> web.Response:
    """Build and store a queue for the signed-in user."""
    body = await read_json(request)
    return json_response(await _vibe(request).start(principal_of(request), body), status=201)


@router.get(
    "/api/vibe", summary="Your recent vibe queues (summaries, newest first)", returns=items(OBJ)
)
async def recent(request: web.Request) -> web.Response:
    """The user's last queues."""
    return json_response({"items": await _vibe(request).recent(principal_of(request))})


@router.get(
    "/api/vibe/{queue_id}",
    summary="One vibe queue with its tracks",
    responses={"200": "The VibeQueue", "404": "No such queue"},
    returns=VIBE,
)
async def get_queue(request: web.Request) -> web.Response:
    """A stored queue (tracks Jellyfin no longer has are left out)."""
    queue_id = request.match_info["queue_id"]
    return json_response(await _vibe(request).get(principal_of(request), queue_id))


@router.post(
    "/api/vibe/{queue_id}/play",
    summary="Play the queue on one of your Jellyfin sessions (remote control PlayNow)",
    body={
        "type": "object",
        "required": ["session_id"],
        "properties": {"session_id": {"type": "string"}},
    },
    responses={
        "200": "{ok, session_id, count}",
        "404": "No such queue or session",
        "409": "The session cannot be remote-controlled",
    },
    returns=obj(ok=BOOL),
)
async def play(request: web.Request) -> web.Response:
    """Send the queue's items to a session."""
    body = await read_json(request)
    session_id = get_str(body, "session_id", max_len=64) or ""
    queue_id = request.match_info["queue_id"]
    return json_response(await _vibe(request).play(principal_of(request), queue_id, session_id))


@router.post(
    "/api/vibe/{queue_id}/save",
    summary="Save the queue as a companion playlist (pushed to Jellyfin)",
    body={"type": "object", "properties": {"name": {"type": "string"}}},
    responses={"201": "The playlist", "404": "No such queue"},
    returns=PLAYLIST,
)
async def save(request: web.Request) -> web.Response:
    """Create a playlist from the queue."""
    body = await read_json(request) if request.can_read_body else {}
    name = get_str(body, "name", required=False, max_len=255)
    queue_id = request.match_info["queue_id"]
    playlist = await _vibe(request).save(principal_of(request), queue_id, name or None)
    return json_response(playlist, status=201)


@command("vibe/start")
async def _ws_start(conn: Connection, msg: dict[str, Any]) -> Any:
    """Websocket twin of POST /api/vibe: the message's fields are the body."""
    body = {k: v for k, v in msg.items() if k not in ("id", "type")}
    try:
        return await conn.app[keys.VIBE].start(conn.principal, body)
    except CompanionError as err:
        raise CommandError(err.code, err.message) from None
