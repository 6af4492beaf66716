"""Browsing routes: /Items, legacy /Users/{id}/Items, /Artists, Latest and InstantMix."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp import web

from . import query as qe
from .auth import AuthContext, path_id, require, user_for
from .dto import ALL_FIELDS, RenderOptions, item_dto, playlist_dto, view_dtos
from .library import Album, Artist, Item, Track
from .services import services
from .state import Playlist, State, User
from .wire import Query, json_response, md5_id, norm_id, problem

routes = web.RouteTableDef()


def render_options(q: Query, user: User | None, all_fields: bool = False) -> RenderOptions:
    """Build render options from fields/enableImages/enableUserData."""
    fields = ALL_FIELDS if all_fields else frozenset(q.enums("fields", ALL_FIELDS))
    return RenderOptions(
        user=user,
        fields=fields,
        enable_images=q.boolean("enableImages") is not False,
        enable_user_data=q.boolean("enableUserData") is not False,
    )


def render(state: State, obj: Item | Playlist, opts: RenderOptions) -> dict[str, Any]:
    """Render a library item or a playlist."""
    if isinstance(obj, Playlist):
        return playlist_dto(state, obj, opts)
    return item_dto(state, obj, opts)


def query_result(items: list[dict[str, Any]], total: int, start: int) -> web.Response:
    """The QueryResult envelope."""
    return json_response({"Items": items, "TotalRecordCount": total, "StartIndex": start})


def _effective_user(request: web.Request, ctx: AuthContext) -> User | None:
    legacy = request.match_info.get("userId")
    uid = norm_id(legacy) if legacy is not None else Query(request).ident("userId")
    if legacy is not None and uid is None:
        raise problem(404)
    return user_for(uid, ctx, services(request).state)


@routes.get("/Items")
@routes.get("/Users/{userId}/Items")
async def items(request: web.Request) -> web.Response:
    """Query items (no default page size; omitting limit returns everything)."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = _effective_user(request, ctx)
    iq = qe.parse(q, user)
    views_ids = (st.library.music_view_id, st.library.movies_view_id)
    if st.vt >= (12,) and iq.parent_id in views_ids and iq.include and not q.has("recursive"):
        iq.recursive = True  # 12.0: a library parentId plus includeItemTypes implies recursion
    if qe.is_root_views(iq):
        views = view_dtos(st)
        if iq.include and "CollectionFolder" not in iq.include:
            views = []
        page = views[iq.start : None if iq.limit is None else iq.start + iq.limit]
        return query_result(page, len(views), iq.start)
    page_items, total = qe.run(st, iq)
    opts = render_options(q, user)
    return query_result([render(st, o, opts) for o in page_items], total, iq.start)


@routes.get("/Items/Latest")
@routes.get("/Users/{userId}/Items/Latest")
async def latest(request: web.Request) -> web.Response:
    """Latest additions as a bare array (default limit 20; audio grouped into albums)."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = _effective_user(request, ctx)
    limit = q.integer("limit") or 20
    kinds = q.enums("includeItemTypes", qe.KNOWN_KINDS) or ["MusicAlbum"]
    lib = st.library
    group = q.boolean("groupItems") is not False
    out: list[Item] = []
    if "Audio" in kinds:
        tracks = lib.order(frozenset({"Audio"}), (("DateCreated", True),))
        if group:
            seen: set[str] = set()
            for t in tracks:
                if isinstance(t, Track) and t.album_id not in seen:
                    seen.add(t.album_id)
                    al = lib.get(t.album_id)
                    if al is not None:
                        out.append(al)
                    if len(out) >= limit:
                        break
        else:
            out = list(tracks[:limit])
    elif "MusicAlbum" in kinds:
        out = list(lib.order(frozenset({"MusicAlbum"}), (("DateCreated", True),))[:limit])
    opts = render_options(q, user)
    return json_response([item_dto(st, i, opts) for i in out[:limit]])


@routes.get("/Items/{id}")
@routes.get("/Users/{userId}/Items/{id}")
async def item(request: web.Request) -> web.Response:
    """One item with all fields; an API key must name a userId (else 404)."""
    ctx = require(request)
    st = services(request).state
    user = _effective_user(request, ctx)
    if user is None:
        raise problem(404)
    iid = path_id(request)
    opts = render_options(Query(request), user, all_fields=True)
    obj = st.library.get(iid)
    if obj is not None:
        return json_response(item_dto(st, obj, opts))
    pl = st.playlists.get(iid)
    if pl is not None and pl in qe.visible_playlists(st, user):
        return json_response(playlist_dto(st, pl, opts))
    for v in view_dtos(st):
        if v["Id"] == iid:
            return json_response(v)
    raise problem(404)


def _artist_restrict(st: State, album_artists_only: bool, genres: list[str]) -> set[str]:
    lib = st.library
    ids = {a for a, al in lib.albumartist_albums.items() if al}
    if not album_artists_only:
        ids |= {a for a, t in lib.artist_tracks.items() if t}
    if genres:
        in_genre: set[str] = set()
        for g in genres:
            for iid in lib.genre_items.get(g.lower(), set()):
                it = lib.by_id.get(iid)
                if isinstance(it, Track):
                    in_genre.update(it.artist_ids)
                    in_genre.update(it.album_artist_ids)
                elif isinstance(it, Album):
                    in_genre.update(it.album_artist_ids)
        ids &= in_genre
    return ids


async def _artists(request: web.Request, album_artists_only: bool) -> web.Response:
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = user_for(q.ident("userId"), ctx, st)
    iq = qe.parse(q, user)
    iq.restrict = _artist_restrict(st, album_artists_only, iq.genres)
    iq.genres = []
    iq.force_kinds = ("MusicArtist",)
    iq.recursive = True
    iq.include, iq.parent_id = [], None
    page_items, total = qe.run(st, iq)
    opts = render_options(q, user)
    return query_result([render(st, o, opts) for o in page_items], total, iq.start)


@routes.get("/Artists")
async def artists(request: web.Request) -> web.Response:
    """All artists with items."""
    return await _artists(request, False)


@routes.get("/Artists/AlbumArtists")
async def album_artists(request: web.Request) -> web.Response:
    """Album artists."""
    return await _artists(request, True)


def mix_tracks(st: State, seed: Item | Playlist | None, limit: int) -> list[Track]:
    """Deterministic "similar" tracks: same genre first, then the rest, hash-ordered."""
    lib = st.library
    if seed is None:
        return []
    genres: set[str] = set()
    if isinstance(seed, Playlist):
        for _, i in seed.entries:
            it = lib.get(i)
            if it:
                genres.update(g.lower() for g in it.genres)
    elif isinstance(seed, Artist):
        for al in lib.albumartist_albums.get(seed.id, []):
            a = lib.get(al)
            if a:
                genres.update(g.lower() for g in a.genres)
    else:
        genres.update(g.lower() for g in seed.genres)
    same: list[Track] = []
    for g in sorted(genres):
        for iid in lib.genre_items.get(g, set()):
            t = lib.by_id.get(iid)
            if isinstance(t, Track):
                same.append(t)
    same = sorted(set(same), key=lambda t: md5_id(seed.id, t.id))
    if isinstance(seed, Track) and seed in same:
        same.remove(seed)
        same.insert(0, seed)
    out = same[:limit]
    if len(out) < limit:
        chosen = {t.id for t in out}
        rest = (t for t in lib.tracks if t.id not in chosen)
        out.extend(sorted(rest, key=lambda t: md5_id(seed.id, t.id))[: limit - len(out)])
    return out


async def _instant_mix(request: web.Request, seed_id: str | None) -> web.Response:
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = user_for(q.ident("userId"), ctx, st)
    seed: Item | Playlist | None = st.library.get(seed_id) or st.playlists.get(seed_id or "")
    if seed is None:
        raise problem(404)
    tracks = mix_tracks(st, seed, q.integer("limit") or 200)
    opts = render_options(q, user)
    return query_result([item_dto(st, t, opts) for t in tracks], len(tracks), 0)


@routes.get("/Artists/InstantMix")
async def artist_mix(request: web.Request) -> web.StreamResponse:
    """Instant mix from an artist (?id=); gone in 12.0, where the path names an artist."""
    if services(request).state.vt >= (12,):
        return await artist_by_name(request)
    return await _instant_mix(request, Query(request).ident("id"))


@routes.get("/Items/{id}/InstantMix")
@routes.get("/Albums/{id}/InstantMix")
@routes.get("/Songs/{id}/InstantMix")
@routes.get("/Playlists/{id}/InstantMix")
@routes.get("/Artists/{id}/InstantMix")
async def item_mix(request: web.Request) -> web.Response:
    """Instant mix from any item."""
    return await _instant_mix(request, path_id(request))


@routes.get("/Artists/{name}")
async def artist_by_name(request: web.Request) -> web.Response:
    """One artist by name."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    user = user_for(q.ident("userId"), ctx, st)
    name = request.match_info.get("name", request.path.rsplit("/", 1)[-1])
    a = st.library.artist_by_name.get(unquote(name).lower())
    if a is None:
        raise problem(404)
    return json_response(item_dto(st, a, render_options(q, user, all_fields=True)))
