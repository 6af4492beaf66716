"""Playlists: CRUD and item edits, sync state, adoption of Jellyfin playlists, favorites."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.errors import InvalidInput
from companion.playlists.service import PlaylistService
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import BOOL, OBJ, PLAYLIST, PLAYLIST_WRITE, arr, items, obj

router = ApiRouter("playlists")

_REFS = {
    "type": "array",
    "items": {"type": "string", "pattern": "^(jellyfin|navidrome):[0-9a-f]{32}$"},
}
_WRITE = {
    "200": "The full playlist, with warning (null, or the retry notice when Jellyfin was down)",
    "400": "Bad input (malformed JSON, wrong types, bad or unknown refs, positions out of range)",
    "404": "No such playlist",
}
_ID = r"/api/playlists/{id:\d+}"


def service(request: web.Request) -> PlaylistService:
    """The app's playlist service."""
    return request.app[keys.PLAYLISTS]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _refs(body: dict[str, Any], *, required: bool = True) -> list[str]:
    if "refs" not in body:
        if required:
            raise InvalidInput("'refs' is required.", details={"field": "refs"})
        return []
    value = body["refs"]
    if not isinstance(value, list):
        raise InvalidInput("'refs' must be a list of refs.", details={"field": "refs"})
    return value


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'{key}' must be an integer.", details={"field": key})
    return value


@router.get(
    "/api/playlists", summary="Your playlists (summaries with sync state)", returns=items(OBJ)
)
async def list_playlists(request: web.Request) -> web.Response:
    """Every playlist of the signed-in user."""
    items = await service(request).summaries(principal_of(request))
    return json_response({"items": items})


@router.post(
    "/api/playlists",
    summary="Create a playlist (pushed to Jellyfin)",
    body={
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "refs": _REFS,
        },
        "required": ["name"],
    },
    responses={**_WRITE, "201": "The new playlist"},
    returns=PLAYLIST_WRITE,
)
async def create_playlist(request: web.Request) -> web.Response:
    """Create a playlist from a name, an optional description and refs."""
    body = await read_json(request)
    if "description" in body and not isinstance(body["description"], str):
        raise InvalidInput("'description' must be a string.", details={"field": "description"})
    result = await service(request).create(
        principal_of(request),
        body.get("name"),
        _refs(body, required=False),
        body.get("description") or "",
    )
    return json_response(result, status=201)


@router.get(
    "/api/playlists/favorites",
    summary="Your favorite tracks as a live playlist, in the order favorited",
    returns=obj(items=arr(OBJ), push=BOOL),
)
async def get_favorites(request: web.Request) -> web.Response:
    """The favorites playlist and whether it is pushed to Jellyfin."""
    return json_response(await service(request).favorites.get(principal_of(request)))


@router.put(
    "/api/playlists/favorites",
    summary='Push (or stop pushing) your favorites to a Jellyfin playlist "Favorites"',
    body={"type": "object", "properties": {"push": {"type": "boolean"}}, "required": ["push"]},
    returns=obj(items=arr(OBJ), push=BOOL),
)
async def put_favorites(request: web.Request) -> web.Response:
    """Toggle the live Favorites twin in Jellyfin."""
    body = await read_json(request)
    svc = service(request)
    return json_response(await svc.favorites.set_push(principal_of(request), body.get("push")))


@router.get(
    "/api/playlists/jellyfin",
    summary="Your Jellyfin playlists not yet in the companion",
    responses={"200": "{items: [{jellyfin_id, name, item_count}]}", "503": "Jellyfin down"},
    returns=items(OBJ),
)
async def jellyfin_playlists(request: web.Request) -> web.Response:
    """Playlists that can be adopted."""
    return json_response(
        {"items": await service(request).jellyfin_playlists(principal_of(request))}
    )


@router.post(
    "/api/playlists/adopt",
    summary="Adopt a Jellyfin playlist into the companion (it keeps its Jellyfin id)",
    body={
        "type": "object",
        "properties": {"jellyfin_id": {"type": "string"}},
        "required": ["jellyfin_id"],
    },
    responses={"201": "The adopted playlist", "404": "No such", "409": "Already adopted"},
    returns=PLAYLIST,
)
async def adopt(request: web.Request) -> web.Response:
    """Adopt one of the user's Jellyfin playlists."""
    body = await read_json(request)
    result = await service(request).adopt(principal_of(request), body.get("jellyfin_id"))
    return json_response(result, status=201)


@router.get(_ID, summary="One playlist with its items resolved", returns=PLAYLIST)
async def get_playlist(request: web.Request) -> web.Response:
    """A playlist; refs Jellyfin no longer has are shown unavailable."""
    return json_response(await service(request).get(principal_of(request), _id(request)))


@router.patch(
    _ID,
    summary="Rename or describe a playlist",
    body={
        "type": "object",
        "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
    },
    responses=_WRITE,
    returns=PLAYLIST_WRITE,
)
async def patch_playlist(request: web.Request) -> web.Response:
    """Change the name and/or description."""
    body = await read_json(request)
    unknown = set(body) - {"name", "description"}
    if unknown:
        raise InvalidInput(f"Unknown field {sorted(unknown)[0]!r}.")
    result = await service(request).update(
        principal_of(request), _id(request), body.get("name"), body.get("description")
    )
    return json_response(result)


@router.delete(
    _ID,
    summary="Delete a playlist (and its Jellyfin twin)",
    responses={"204": "Gone"},
    returns=None,
)
async def delete_playlist(request: web.Request) -> web.Response:
    """Delete a playlist."""
    await service(request).delete(principal_of(request), _id(request))
    return web.Response(status=204)


@router.post(
    _ID + "/items",
    summary="Append refs, or insert them at a position",
    body={
        "type": "object",
        "properties": {"refs": _REFS, "position": {"type": "integer"}},
        "required": ["refs"],
    },
    responses=_WRITE,
    returns=PLAYLIST_WRITE,
)
async def add_items(request: web.Request) -> web.Response:
    """Add items."""
    body = await read_json(request)
    position = _int(body, "position") if body.get("position") is not None else None
    result = await service(request).add_items(
        principal_of(request), _id(request), _refs(body), position
    )
    return json_response(result)


@router.put(
    _ID + "/items",
    summary="Replace the whole item list",
    body={"type": "object", "properties": {"refs": _REFS}, "required": ["refs"]},
    responses=_WRITE,
    returns=PLAYLIST_WRITE,
)
async def replace_items(request: web.Request) -> web.Response:
    """Replace items."""
    body = await read_json(request)
    result = await service(request).replace_items(principal_of(request), _id(request), _refs(body))
    return json_response(result)


@router.delete(
    _ID + r"/items/{position:\d+}",
    summary="Remove the entry at a position",
    responses=_WRITE,
    returns=PLAYLIST_WRITE,
)
async def remove_item(request: web.Request) -> web.Response:
    """Remove one entry."""
    position = int(request.match_info["position"])
    result = await service(request).remove_item(principal_of(request), _id(request), position)
    return json_response(result)


@router.post(
    _ID + "/move",
    summary="Move one entry",
    body={
        "type": "object",
        "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}},
        "required": ["from", "to"],
    },
    responses=_WRITE,
    returns=PLAYLIST_WRITE,
)
async def move_item(request: web.Request) -> web.Response:
    """Move the entry at from to to."""
    body = await read_json(request)
    result = await service(request).move(
        principal_of(request), _id(request), _int(body, "from"), _int(body, "to")
    )
    return json_response(result)


@router.post(
    _ID + "/sync", summary="Push to Jellyfin now (Retry)", responses=_WRITE, returns=PLAYLIST_WRITE
)
async def sync_playlist(request: web.Request) -> web.Response:
    """Retry the push now; the companion's version wins over edits made in Jellyfin."""
    return json_response(await service(request).sync(principal_of(request), _id(request)))
