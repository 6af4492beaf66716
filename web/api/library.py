"""Browsing and searching the music library as the signed-in Jellyfin user."""

from __future__ import annotations

from aiohttp import web

from companion.errors import InvalidInput, NotFound
from companion.library.browse import MAX_QUERY_LENGTH, SEARCH_LIMIT, browse_query
from companion.media import ItemKind
from web.api.music_support import credential, music, path_ref
from web.json import json_response
from web.routing import ApiRouter
from web.schemas import OBJ, arr, obj, page

router = ApiRouter("library")

_PAGING = (
    ("offset", "integer", "Items to skip (default 0)."),
    ("limit", "integer", "Page size (default 50, at most 500)."),
)
_LISTING = (
    *_PAGING,
    ("sort", "string", "name | date_added | year | play_count | random (default name)."),
    ("order", "string", "asc | desc (default asc)."),
    ("genre", "string", "Only items of this genre."),
    ("favorites", "boolean", "Only the signed-in user's favorites."),
    ("q", "string", "Search text."),
)
_ITEM_FILTERS = (
    ("artist", "string", "Only items of this artist ref."),
    ("album", "string", "Only tracks of this album ref."),
    ("year", "integer", "Only items of this year."),
)
_LIST_RESPONSES = {
    "200": "A page: {items, total, offset, limit}; items are track, album or artist DTOs",
    "400": "A bad parameter, named in the message",
    "503": "Jellyfin is slow or unreachable",
}


async def _listing(request: web.Request, kind: ItemKind) -> web.Response:
    query = browse_query(kind, request.query)
    page = await music(request).library.browse(await credential(request), query)
    return json_response(page.as_dict())


@router.get(
    "/api/library/artists",
    summary="List album artists",
    query=_LISTING,
    responses=_LIST_RESPONSES,
    returns=page(OBJ),
)
async def list_artists(request: web.Request) -> web.Response:
    """One page of artists."""
    return await _listing(request, "artist")


@router.get(
    "/api/library/albums",
    summary="List albums",
    query=(*_LISTING, *_ITEM_FILTERS),
    responses=_LIST_RESPONSES,
    returns=page(OBJ),
)
async def list_albums(request: web.Request) -> web.Response:
    """One page of albums."""
    return await _listing(request, "album")


@router.get(
    "/api/library/tracks",
    summary="List tracks",
    query=(*_LISTING, *_ITEM_FILTERS),
    responses=_LIST_RESPONSES,
    returns=page(OBJ),
)
async def list_tracks(request: web.Request) -> web.Response:
    """One page of tracks."""
    return await _listing(request, "track")


@router.get(
    "/api/library/albums/{ref}",
    summary="An album with its tracks in disc and track order",
    responses={"200": "{album, tracks}", "404": "No such album", "503": "Jellyfin unreachable"},
    returns=obj(album=OBJ, tracks=arr(OBJ)),
)
async def album_detail(request: web.Request) -> web.Response:
    """Album detail; repeated within the cache TTL it costs Jellyfin nothing."""
    album_id = path_ref(request)
    detail = await music(request).library.album(await credential(request), album_id)
    if detail is None:
        raise NotFound("No such album in Jellyfin.", code="item_not_found")
    return json_response(
        {"album": detail.album.as_dict(), "tracks": [t.as_dict() for t in detail.tracks]}
    )


@router.get(
    "/api/library/artists/{ref}",
    summary="An artist with their albums",
    responses={"200": "{artist, albums}", "404": "No such artist", "503": "Jellyfin unreachable"},
    returns=obj(artist=OBJ, albums=arr(OBJ)),
)
async def artist_detail(request: web.Request) -> web.Response:
    """Artist detail."""
    artist_id = path_ref(request)
    detail = await music(request).library.artist(await credential(request), artist_id)
    if detail is None:
        raise NotFound("No such artist in Jellyfin.", code="item_not_found")
    return json_response(
        {"artist": detail.artist.as_dict(), "albums": [a.as_dict() for a in detail.albums]}
    )


@router.get(
    "/api/library/search",
    summary="Search artists, albums and tracks at once",
    query=(
        ("q", "string", "Search text (required)."),
        ("limit", "integer", f"Results per group (default {SEARCH_LIMIT}, at most 100)."),
    ),
    responses={
        "200": "{artists, albums, tracks}",
        "400": "q missing",
        "503": "Jellyfin unreachable",
    },
    returns=obj(artists=arr(OBJ), albums=arr(OBJ), tracks=arr(OBJ)),
)
async def search(request: web.Request) -> web.Response:
    """Search across the library."""
    q = (request.query.get("q") or "").strip()
    if not q:
        raise InvalidInput("'q' is required.", details={"field": "q"})
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput("'q' is too long.", details={"field": "q"})
    raw_limit = request.query.get("limit") or str(SEARCH_LIMIT)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise InvalidInput("'limit' must be between 1 and 100.", details={"field": "limit"})
    found = await music(request).library.search(await credential(request), q, int(raw_limit))
    return json_response({k: [i.as_dict() for i in v] for k, v in found.items()})
