"""Favorites, played state, likes and raw user data (new and legacy routes)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import path_id, require, user_for
from .dto import user_data_dto
from .library import Album, Item
from .routes_users import read_json
from .services import Services, services
from .state import Playlist, User
from .wire import Query, error_text, json_response, norm_id, now_utc, parse_date

routes = web.RouteTableDef()


def set_favorite(svc: Services, user: User, item: Item | Playlist, value: bool) -> dict[str, Any]:
    """Set IsFavorite (SaveReason UpdateUserRating) and return the UserItemDataDto."""
    ud = svc.state.data_for(user.id, item.id, create=True)
    assert ud is not None
    ud.is_favorite = value
    svc.events.user_data_saved(user, item, "UpdateUserRating")
    return user_data_dto(svc.state, user, item)


def set_played(
    svc: Services, user: User, item: Item | Playlist, value: bool, when: Any = None
) -> dict[str, Any]:
    """MarkPlayed/MarkUnplayed (SaveReason TogglePlayed); albums apply to their tracks."""
    targets: list[Item | Playlist] = [item]
    if isinstance(item, Album):
        targets = [t for t in (svc.state.library.get(i) for i in item.track_ids) if t]
    for t in targets:
        ud = svc.state.data_for(user.id, t.id, create=True)
        assert ud is not None
        if value:
            if when is not None:
                ud.play_count += 1
            ud.play_count = max(ud.play_count, 1)
            ud.position_ticks = 0
            ud.last_played = when or ud.last_played or now_utc()
            ud.played = True
        else:
            ud.played = False
            ud.play_count = 0
            ud.position_ticks = 0
            ud.last_played = None
        svc.events.user_data_saved(user, t, "TogglePlayed")
    return user_data_dto(svc.state, user, item)


def _resolve(request: web.Request) -> tuple[Services, User, Item | Playlist]:
    ctx = require(request)
    svc = services(request)
    legacy = request.match_info.get("userId")
    uid = norm_id(legacy) if legacy is not None else Query(request).ident("userId")
    if legacy is not None and uid is None:
        raise error_text(404)
    user = user_for(uid, ctx, svc.state, required=True)
    if user is None:
        raise error_text(404)
    iid = path_id(request, "itemId")
    obj: Item | Playlist | None = svc.state.library.get(iid) or svc.state.playlists.get(iid)
    if obj is None:
        raise error_text(404)
    return svc, user, obj


@routes.post("/UserFavoriteItems/{itemId}")
@routes.post("/Users/{userId}/FavoriteItems/{itemId}")
async def favorite(request: web.Request) -> web.Response:
    """Mark a favorite."""
    svc, user, obj = _resolve(request)
    return json_response(set_favorite(svc, user, obj, True))


@routes.delete("/UserFavoriteItems/{itemId}")
@routes.delete("/Users/{userId}/FavoriteItems/{itemId}")
async def unfavorite(request: web.Request) -> web.Response:
    """Remove a favorite."""
    svc, user, obj = _resolve(request)
    return json_response(set_favorite(svc, user, obj, False))


@routes.post("/UserPlayedItems/{itemId}")
@routes.post("/Users/{userId}/PlayedItems/{itemId}")
async def played(request: web.Request) -> web.Response:
    """Mark played (?datePlayed= increments the play count)."""
    svc, user, obj = _resolve(request)
    when = parse_date(Query(request).get("datePlayed"))
    return json_response(set_played(svc, user, obj, True, when))


@routes.delete("/UserPlayedItems/{itemId}")
@routes.delete("/Users/{userId}/PlayedItems/{itemId}")
async def unplayed(request: web.Request) -> web.Response:
    """Mark unplayed."""
    svc, user, obj = _resolve(request)
    return json_response(set_played(svc, user, obj, False))


@routes.post("/UserItems/{itemId}/Rating")
@routes.post("/Users/{userId}/Items/{itemId}/Rating")
@routes.delete("/UserItems/{itemId}/Rating")
@routes.delete("/Users/{userId}/Items/{itemId}/Rating")
async def rating(request: web.Request) -> web.Response:
    """Like/dislike (POST ?likes=) or clear (DELETE)."""
    svc, user, obj = _resolve(request)
    ud = svc.state.data_for(user.id, obj.id, create=True)
    assert ud is not None
    ud.likes = Query(request).boolean("likes") if request.method == "POST" else None
    ud.rating = None if ud.likes is None else (10.0 if ud.likes else 0.0)
    svc.events.user_data_saved(user, obj, "UpdateUserRating")
    return json_response(user_data_dto(svc.state, user, obj))


@routes.get("/UserItems/{itemId}/UserData")
@routes.get("/Users/{userId}/Items/{itemId}/UserData")
async def get_user_data(request: web.Request) -> web.Response:
    """Read user data."""
    svc, user, obj = _resolve(request)
    return json_response(user_data_dto(svc.state, user, obj))


@routes.post("/UserItems/{itemId}/UserData")
@routes.post("/Users/{userId}/Items/{itemId}/UserData")
async def post_user_data(request: web.Request) -> web.Response:
    """Write UpdateUserItemDataDto fields that are present (SaveReason UpdateUserData)."""
    svc, user, obj = _resolve(request)
    body = await read_json(request)
    ud = svc.state.data_for(user.id, obj.id, create=True)
    assert ud is not None
    if body.get("rating") is not None:
        ud.rating = float(body["rating"])
    if body.get("playbackpositionticks") is not None:
        ud.position_ticks = int(body["playbackpositionticks"])
    if body.get("playcount") is not None:
        ud.play_count = int(body["playcount"])
    if body.get("isfavorite") is not None:
        ud.is_favorite = bool(body["isfavorite"])
    if "likes" in body:
        ud.likes = body["likes"]
    if body.get("lastplayeddate") is not None:
        ud.last_played = parse_date(str(body["lastplayeddate"]))
    if body.get("played") is not None:
        ud.played = bool(body["played"])
    svc.events.user_data_saved(user, obj, "UpdateUserData")
    return json_response(user_data_dto(svc.state, user, obj))
