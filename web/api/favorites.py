"""Favorites, written through to Jellyfin as the signed-in user and listed live from it."""

from __future__ import annotations

from aiohttp import web

from companion.library.browse import kind_param, paging
from companion.media import make_ref
from web.api.music_support import credential, music, path_ref
from web.json import json_response
from web.routing import ApiRouter
from web.schemas import FAVORITE, OBJ, page

router = ApiRouter("favorites")

_SET_RESPONSES = {
    "200": "{ref, favorite}: the state Jellyfin saved",
    "400": "A malformed ref",
    "404": "No such item",
    "503": "Jellyfin is slow or unreachable",
}


async def _set(request: web.Request, favorite: bool) -> web.Response:
    item_id = path_ref(request)
    state = await music(request).favorites.set(await credential(request), item_id, favorite)
    return json_response({"ref": make_ref(item_id), "favorite": state})


@router.put(
    "/api/favorites/{ref}", summary="Favorite an item", responses=_SET_RESPONSES, returns=FAVORITE
)
async def add_favorite(request: web.Request) -> web.Response:
    """Mark an item as a favorite in Jellyfin (idempotent)."""
    return await _set(request, True)


@router.delete(
    "/api/favorites/{ref}", summary="Unfavorite an item", responses=_SET_RESPONSES, returns=FAVORITE
)
async def remove_favorite(request: web.Request) -> web.Response:
    """Clear an item's favorite flag in Jellyfin (idempotent)."""
    return await _set(request, False)


@router.get(
    "/api/favorites",
    summary="The signed-in user's Jellyfin favorites, live",
    query=(
        ("type", "string", "track | album | artist (default track)."),
        ("offset", "integer", "Items to skip (default 0)."),
        ("limit", "integer", "Page size (default 50, at most 500)."),
    ),
    responses={"200": "A page: {items, total, offset, limit}", "503": "Jellyfin unreachable"},
    returns=page(OBJ),
)
async def list_favorites(request: web.Request) -> web.Response:
    """One page of favorites of one type."""
    kind = kind_param(request.query)
    offset, limit = paging(request.query)
    page = await music(request).favorites.list(await credential(request), kind, offset, limit)
    return json_response(page.as_dict())
