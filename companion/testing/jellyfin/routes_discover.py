"""Routes real clients call beside /Items: views, suggestions, similar items, playback info."""

from __future__ import annotations

from aiohttp import web

from .auth import path_id, require, user_for
from .dto import item_dto, view_dtos
from .dto_media import media_source
from .library import Track
from .routes_items import mix_tracks, query_result, render_options
from .services import services
from .wire import Query, error_text, json_response, md5_id, new_id, norm_id, problem

routes = web.RouteTableDef()

_DEVICE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
    '<rect x="4" y="2" width="16" height="20" rx="2" fill="#00a4dc"/></svg>'
)


@routes.get("/UserViews")
@routes.get("/Users/{userId}/Views")
async def user_views(request: web.Request) -> web.Response:
    """The user's library views; an API key must name the user (GetUserById(Guid.Empty): 400)."""
    ctx = require(request)
    st = services(request).state
    legacy = request.match_info.get("userId")
    uid = norm_id(legacy) if legacy is not None else Query(request).ident("userId")
    user = user_for(uid, ctx, st)
    if user is None:
        raise error_text(400)
    views = view_dtos(st)
    for v in views:
        v["UserData"] = {
            "PlaybackPositionTicks": 0,
            "PlayCount": 0,
            "IsFavorite": False,
            "Played": False,
            "Key": v["Id"],
            "ItemId": v["Id"],
        }
    return query_result(views, len(views), 0)


@routes.get("/Items/Suggestions")
async def suggestions(request: web.Request) -> web.Response:
    """Random items of the asked types (the order is stable per user here)."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = user_for(q.ident("userId"), ctx, st)
    kinds = set(q.raw_list("type")) or {"Audio", "MusicAlbum"}
    pool = list(st.library.items_of_kinds(frozenset(kinds)))
    seed = user.id if user else "anonymous"
    pool.sort(key=lambda i: md5_id(seed, i.id))
    start = max(0, q.integer("startIndex") or 0)
    limit = q.integer("limit")
    page = pool[start : None if limit is None else start + limit]
    opts = render_options(q, user)
    total = len(pool) if q.boolean("enableTotalRecordCount") else len(page)
    return query_result([item_dto(st, i, opts) for i in page], total, start)


@routes.get("/Items/{id}/Similar")
@routes.get("/Albums/{id}/Similar")
@routes.get("/Artists/{id}/Similar")
async def similar(request: web.Request) -> web.Response:
    """Items like this one: same genres first (the seed itself excluded)."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = user_for(q.ident("userId"), ctx, st)
    seed = st.library.get(path_id(request))
    if seed is None:
        raise problem(404)
    limit = q.integer("limit") or 12
    tracks = [t for t in mix_tracks(st, seed, limit + 1) if t.id != seed.id][:limit]
    opts = render_options(q, user)
    return query_result([item_dto(st, t, opts) for t in tracks], len(tracks), 0)


@routes.get("/Items/{id}/PlaybackInfo")
@routes.post("/Items/{id}/PlaybackInfo")
async def playback_info(request: web.Request) -> web.Response:
    """The item's media sources and a fresh PlaySessionId."""
    ctx = require(request)
    st = services(request).state
    user_for(Query(request).ident("userId"), ctx, st)
    item = st.library.get(path_id(request))
    if not isinstance(item, Track):
        raise problem(404)
    return json_response(
        {"MediaSources": [media_source(st.library, item)], "PlaySessionId": new_id()}
    )


@routes.get("/Users/{userId}/Images/{type}")
async def user_image(request: web.Request) -> web.Response:
    """The fake's users have no profile image: ImageController answers NotFound()."""
    raise problem(404)


@routes.get("/web/assets/img/devices/{name}")
async def device_image(request: web.Request) -> web.Response:
    """The web client's device icons (statistics tools link them)."""
    return web.Response(text=_DEVICE_SVG, content_type="image/svg+xml")
