"""Playlist routes with the version-dependent duplicate and PlaylistItemId rules (section 4)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import path_id, require, user_for
from .dto import item_dto
from .library import Track
from .playlist_moves import MoveError, move
from .query import visible_playlists
from .routes_items import query_result, render_options
from .routes_users import read_json
from .services import Services, services
from .state import Playlist, State, User
from .wire import Query, bare, error_text, json_response, new_id, no_content, norm_id

routes = web.RouteTableDef()


def allows_duplicates(state: State) -> bool:
    """12.0 does not de-duplicate; 10.10.2 through 10.11.x silently skip present items."""
    return state.vt >= (12,)


def add_entries(state: State, pl: Playlist, ids: list[str], position: int | None = None) -> None:
    """Append (or insert at position on 12.0) library items, honouring the version's rules."""
    new: list[tuple[str, str]] = []
    present = {i for _, i in pl.entries}
    for iid in ids:
        if state.library.get(iid) is None:
            continue
        if allows_duplicates(state):
            # 10.10.2+ (12.0 included): the entry id is the item's own id, even for copies.
            new.append((iid, iid))
        elif iid not in present:
            present.add(iid)
            # 10.10.2+: PlaylistItemId is the item's own id; before, a random per-entry GUID.
            new.append((iid if state.vt >= (10, 10, 2) else new_id(), iid))
    if position is not None and allows_duplicates(state):
        pos = max(0, min(position, len(pl.entries)))
        pl.entries[pos:pos] = new
    else:
        pl.entries.extend(new)


def _load(request: web.Request, uid: str | None = None) -> tuple[Services, User, Playlist]:
    """GetPlaylistForUser with the caller's user id (or an explicit one where the route has it).

    An API key has no user: `GetUserById(Guid.Empty)` throws ArgumentException, so every
    playlist route that uses the token's user answers 400 to an API key.
    """
    ctx = require(request)
    svc = services(request)
    user = user_for(uid, ctx, svc.state) if uid is not None else ctx.user
    if user is None:
        raise error_text(400)
    pl = svc.state.playlists.get(path_id(request))
    if pl is None or pl not in visible_playlists(svc.state, user):
        raise error_text(404)  # NotFound("Playlist not found")
    return svc, user, pl


def _can_edit(user: User, pl: Playlist) -> bool:
    return pl.owner_id == user.id or any(
        s.get("UserId") == user.id and s.get("CanEdit") for s in pl.shares
    )


def _forbid() -> web.HTTPException:
    return bare(403)  # Forbid(): the auth handler's empty 403


def _shares(raw: Any) -> list[dict[str, Any]]:
    out = []
    for s in raw or []:
        if isinstance(s, dict):
            low = {str(k).lower(): v for k, v in s.items()}
            uid = norm_id(str(low.get("userid", "")))
            if uid:
                out.append({"UserId": uid, "CanEdit": bool(low.get("canedit"))})
    return out


def _body_ids(raw: Any) -> list[str]:
    return [i for i in (norm_id(str(x)) for x in (raw or [])) if i]


@routes.post("/Playlists")
async def create(request: web.Request) -> web.Response:
    """Create a playlist; obsolete query parameters win over the body."""
    ctx = require(request)
    svc = services(request)
    st = svc.state
    q = Query(request)
    body = await read_json(request)
    name = q.get("name") or body.get("name") or ""
    ids = q.ids("ids") if q.has("ids") else _body_ids(body.get("ids"))
    uid = q.ident("userId") or norm_id(str(body.get("userid") or "")) or None
    media_type = q.get("mediaType") or body.get("mediatype") or "Audio"
    owner: User | None = user_for(uid, ctx, st)
    if owner is None:
        raise error_text(400)
    pl = Playlist(new_id(), str(name), owner.id)
    pl.media_type = str(media_type)
    pl.shares = _shares(body.get("users"))
    # CreatePlaylistDto.IsPublic defaults to true; without a body OpenAccess is false.
    pl.is_public = bool(body.get("ispublic", True)) if body else False
    add_entries(st, pl, ids)
    st.playlists[pl.id] = pl
    return json_response({"Id": pl.id})


@routes.post("/Playlists/{id}")
async def update(request: web.Request) -> web.Response:
    """Update name/ids (replace)/users/public flag; 403 unless owner or editor (10.9+)."""
    if services(request).state.vt < (10, 9):
        raise error_text(404)
    svc, user, pl = _load(request)
    if not _can_edit(user, pl):
        raise _forbid()
    body = await read_json(request)
    if body.get("name") is not None:
        pl.name = str(body["name"])
    if body.get("ids") is not None:
        pl.entries = []
        add_entries(svc.state, pl, _body_ids(body["ids"]))
    if body.get("users") is not None:
        pl.shares = _shares(body["users"])
    if body.get("ispublic") is not None:
        pl.is_public = bool(body["ispublic"])
    return no_content()


@routes.get("/Playlists/{id}")
async def get(request: web.Request) -> web.Response:
    """Playlist access info and item ids (10.10+)."""
    if services(request).state.vt < (10, 10):
        raise error_text(404)
    _, _, pl = _load(request)
    return json_response(
        {"OpenAccess": pl.is_public, "Shares": pl.shares, "ItemIds": [i for _, i in pl.entries]}
    )


@routes.get("/Playlists/{id}/Items")
async def items(request: web.Request) -> web.Response:
    """Playlist entries as a QueryResult; each item carries its PlaylistItemId."""
    q = Query(request)
    svc, user, pl = _load(request, q.ident("userId"))
    st = svc.state
    if not (pl.is_public or pl.owner_id == user.id or _shared_with(user, pl)):
        raise _forbid()
    opts = render_options(q, user)
    start = max(0, q.integer("startIndex") or 0)
    limit = q.integer("limit")
    entries = [(e, st.library.get(i)) for e, i in pl.entries]
    live = [(e, it) for e, it in entries if it is not None]
    page = live[start : None if limit is None else start + limit]
    out = []
    for entry_id, it in page:
        assert it is not None
        d = item_dto(st, it, opts)
        # PlaylistItemId sits right after Id in BaseItemDto's property order.
        ordered: dict[str, Any] = {}
        for k, v in d.items():
            ordered[k] = v
            if k == "Id":
                ordered["PlaylistItemId"] = entry_id
        out.append(ordered)
    return query_result(out, len(live), start)


@routes.post("/Playlists/{id}/Items")
async def add(request: web.Request) -> web.Response:
    """Add items (?ids=; 12.0 also ?position=)."""
    q = Query(request)
    svc, user, pl = _load(request, q.ident("userId"))
    if not _can_edit(user, pl):
        raise _forbid()
    position = q.integer("position") if svc.state.vt >= (12,) else None
    add_entries(svc.state, pl, q.ids("ids"), position)
    return no_content()


@routes.delete("/Playlists/{id}/Items")
async def remove(request: web.Request) -> web.Response:
    """Remove entries by PlaylistItemId (string comparison); an item id drops every copy."""
    _, user, pl = _load(request)
    if not _can_edit(user, pl):
        raise _forbid()
    drop = set(Query(request).raw_list("entryIds"))
    pl.entries = [(e, i) for e, i in pl.entries if e not in drop]
    return no_content()


@routes.post("/Playlists/{id}/Items/{entryId}/Move/{newIndex}")
async def move_item(request: web.Request) -> web.Response:
    """Move an entry with the version's MoveItemAsync (10.10 misplaces forward moves)."""
    svc, user, pl = _load(request)
    if not _can_edit(user, pl):
        raise _forbid()
    try:
        new_index = int(request.match_info["newIndex"])
    except ValueError:
        raise error_text(400) from None
    entries = list(pl.entries)
    try:
        move(svc.state.vt, entries, request.match_info["entryId"], new_index)
    except MoveError as err:
        raise error_text(err.status) from None
    pl.entries = entries
    return no_content()


def _shared_with(user: User, pl: Playlist) -> bool:
    return any(s.get("UserId") == user.id for s in pl.shares)


@routes.get("/Playlists/{id}/Users")
async def users(request: web.Request) -> web.Response:
    """The playlist's shares (owner or editors only)."""
    _, user, pl = _load(request)
    if not (pl.owner_id == user.id or _can_edit(user, pl)):
        raise _forbid()
    return json_response(pl.shares)


@routes.get("/Playlists/{id}/Users/{userId}")
async def share(request: web.Request) -> web.Response:
    """One user's share of the playlist."""
    _, user, pl = _load(request)
    target = norm_id(request.match_info["userId"])
    if not (pl.owner_id == user.id or _can_edit(user, pl) or target == user.id):
        raise _forbid()
    found = next((s for s in pl.shares if s.get("UserId") == target), None)
    if found is None:
        raise error_text(404)  # "User permissions not found"
    return json_response(found)


@routes.delete("/Items/{id}")
async def delete_item(request: web.Request) -> web.Response:
    """Delete a playlist (owner/API key) or a library track (admin/API key)."""
    ctx = require(request)
    svc = services(request)
    st = svc.state
    iid = path_id(request)
    pl = st.playlists.get(iid)
    if pl is not None:
        if ctx.user is not None and not ctx.is_admin and pl.owner_id != ctx.user.id:
            raise error_text(401)  # "Unauthorized access"
        del st.playlists[iid]
        return no_content()
    item = st.library.get(iid)
    if item is None:
        raise error_text(404)
    if not ctx.is_admin:
        raise error_text(401)
    if not isinstance(item, Track):
        raise error_text(400)
    svc.events.delete_track(item)
    return no_content()
