"""Weekly discovery flows over HTTP: the user's flows, their weeks and tracks, the Keep /
Promote / Remove buttons, Run now, and the install's flows folders (administrators)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.flows.service import FlowService
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import FLOW, ID, OBJ, STR, items, null, obj

router = ApiRouter("flows")

_ID = r"/api/flows/{flow_id:\d+}"
_WEIGHTS = {
    "type": "object",
    "description": "Weights 0-10 per source; at least one above 0",
    "properties": {s: {"type": "number"} for s in ("listenbrainz", "audiomuse", "ollama")},
}
_FLOW_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "size_tracks": {"type": ["integer", "null"], "minimum": 1, "maximum": 500},
        "size_gb": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 100},
        "day": {"type": "string", "description": "monday … sunday (or 0-6, 0 = Monday)"},
        "time": {"type": "string", "description": "HH:MM in the install's time zone"},
        "one_per_artist": {"type": "boolean", "default": True},
        "blocklist": {"type": "array", "items": {"type": "string"}},
        "sources": _WEIGHTS,
        "listenbrainz": {
            "type": "object",
            "properties": {
                "playlists": {
                    "type": "array",
                    "items": {"enum": ["weekly-exploration", "weekly-jams", "daily-jams"]},
                },
                "recommendations": {"type": "boolean"},
            },
        },
        "keep_plays": {"type": "integer", "minimum": 1, "maximum": 50, "default": 3},
        "enabled": {"type": "boolean"},
        "start": {"type": "boolean", "description": "create only: build the first week now"},
    },
}
_SETTINGS_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["library_id", "flows_path"],
    "properties": {
        "library_id": {"type": "string", "description": "A Jellyfin music library"},
        "library_path": {
            "type": "string",
            "description": "One of its folders, as Jellyfin sees it",
        },
        "local_library": {"type": "string", "description": "That folder as the companion sees it"},
        "flows_path": {
            "type": "string",
            "description": "Where flow downloads go: the same path for Jellyfin and the companion",
        },
        "links_name": {"type": "string", "default": "companion-flows"},
    },
}


def _flows(request: web.Request) -> FlowService:
    return request.app[keys.FLOWS]


def _flow_id(request: web.Request) -> int:
    return int(request.match_info["flow_id"])


@router.get(
    "/api/flows/settings",
    summary="The install's flows folders",
    auth="admin",
    returns=obj(folders=null(OBJ)),
)
async def get_settings(request: web.Request) -> web.Response:
    """Folders (null until an administrator chose them)."""
    return json_response(_flows(request).settings())


@router.put(
    "/api/flows/settings",
    summary="Choose the flows folders (checked with Jellyfin before saving)",
    auth="admin",
    body=_SETTINGS_BODY,
    responses={
        "200": "{folders}",
        "400": "flows_folder_unusable, flows_links_hidden, flows_jellyfin_cannot_see, ...",
        "503": "Jellyfin unreachable (nothing saved)",
    },
    returns=obj(folders=null(OBJ)),
)
async def put_settings(request: web.Request) -> web.Response:
    """Check the folders with probe files and Jellyfin, then save them."""
    return json_response(await _flows(request).save_settings(await read_json(request)))


@router.get("/api/flows", summary="Your flows with this week's progress", returns=items(FLOW))
async def list_flows(request: web.Request) -> web.Response:
    """The signed-in user's flows."""
    return json_response({"items": await _flows(request).list(principal_of(request))})


@router.post(
    "/api/flows",
    summary="Create a flow (its first week starts now unless start is false)",
    body=_FLOW_BODY | {"required": ["name", "day", "time", "sources"]},
    responses={"201": "The flow", "400": "A field is wrong", "409": "Name taken or too many"},
    returns=FLOW,
)
async def create_flow(request: web.Request) -> web.Response:
    """Create a flow."""
    body = await read_json(request)
    return json_response(await _flows(request).create(principal_of(request), body), status=201)


@router.get(_ID, summary="A flow, this week's tracks and the past weeks", returns=FLOW)
async def get_flow(request: web.Request) -> web.Response:
    """One flow."""
    return json_response(await _flows(request).get(principal_of(request), _flow_id(request)))


@router.patch(_ID, summary="Change a flow", body=_FLOW_BODY, returns=FLOW)
async def update_flow(request: web.Request) -> web.Response:
    """Partial update."""
    body = await read_json(request)
    flow = await _flows(request).update(principal_of(request), _flow_id(request), body)
    return json_response(flow)


@router.delete(
    _ID,
    summary="Delete a flow (its links and unshared files go; kept tracks stay)",
    responses={"204": "Deleted"},
    returns=None,
)
async def delete_flow(request: web.Request) -> web.Response:
    """Delete a flow."""
    await _flows(request).delete(principal_of(request), _flow_id(request))
    return web.Response(status=204)


@router.post(
    _ID + "/run",
    summary="Start a new week now (this week is reset first)",
    responses={"202": "Started", "409": "Folders not chosen yet, or already turning over"},
    returns=obj(status=STR),
)
async def run_flow(request: web.Request) -> web.Response:
    """Run now."""
    result = await _flows(request).run_now(principal_of(request), _flow_id(request))
    return json_response(result, status=202)


@router.post(
    r"/api/flows/tracks/{track_id:\d+}/{action:keep|promote|remove}",
    summary="keep (at the reset), promote (into the library now) or remove (now) a track",
    responses={"200": "The track", "404": "No such track", "409": "Not possible in its state"},
    returns=obj(id=ID, state=STR),
)
async def track_action(request: web.Request) -> web.Response:
    """A button of the flows page."""
    track_id = int(request.match_info["track_id"])
    action = request.match_info["action"]
    return json_response(await _flows(request).act(principal_of(request), track_id, action))
