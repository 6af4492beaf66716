"""Library, album, artist and favorites pages, rendered from the music services as the user."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.errors import InvalidInput, NotFound
from companion.library.browse import MAX_QUERY_LENGTH, browse_query
from companion.media import ITEM_KINDS, SORT_KEYS, ItemKind, Page, parse_ref
from web.dashboard.render import user_page

PAGE_SIZE = 50
VIEWS: dict[str, ItemKind] = {"albums": "album", "artists": "artist", "tracks": "track"}
SORT_LABELS = {
    "name": "Name",
    "date_added": "Date added",
    "year": "Year",
    "play_count": "Play count",
    "random": "Random",
}


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _size(request: web.Request) -> int:
    raw = request.query.get("size", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 200 else PAGE_SIZE


def pager(page: Page, number: int, size: int) -> dict[str, Any]:
    """Paging facts for the template: current page, last page, neighbours."""
    last = max(1, -(-page.total // size))
    return {
        "number": number,
        "last": last,
        "prev": number - 1 if number > 1 else None,
        "next": number + 1 if number < last else None,
        "total": page.total,
    }


def _with_page(request: web.Request, number: int) -> str:
    query = {**request.query, "page": str(number)}
    return str(request.rel_url.with_query(query))


def _ref_id(request: web.Request) -> str:
    iid = parse_ref(request.match_info["ref"])
    if iid is None:
        raise NotFound("No such item.", code="item_not_found")
    return iid


async def library(request: web.Request) -> web.StreamResponse:
    """Artists, albums or tracks with search, sorting and paging."""
    view = request.query.get("view", "albums")
    kind = VIEWS.get(view, "album")
    number, size = _page_number(request), _size(request)
    sort = request.query.get("sort", "name")
    params = {
        "offset": str((number - 1) * size),
        "limit": str(size),
        "sort": sort if sort in SORT_KEYS else "name",
        "order": "desc" if request.query.get("order") == "desc" else "asc",
        "q": request.query.get("q", "")[:200],
    }

    async def build(principal: Principal) -> dict[str, Any]:
        music = request.app[keys.MUSIC]
        try:
            query = browse_query(kind, params)
        except InvalidInput:
            query = browse_query(kind, {**params, "sort": "name"})
        cred = await music.credential(principal)
        page = await music.library.browse(cred, query)
        last = max(1, -(-page.total // size))
        if number > last:
            # A page past the end (a stale link, a typed URL): show the last one instead.
            raise web.HTTPFound(_with_page(request, last))
        return {
            "title": "Library",
            "active": "library",
            "view": "albums" if view not in VIEWS else view,
            "kind": kind,
            "items": page.items,
            "pager": pager(page, number, size),
            "params": params,
            "sort_labels": SORT_LABELS,
            "live": "favorite.changed library.changed",
            "skip_list": bool(page.items),
        }

    return await user_page(request, "library.html", build)


async def album(request: web.Request) -> web.StreamResponse:
    """One album and its tracks."""
    album_id = _ref_id(request)

    async def build(principal: Principal) -> dict[str, Any]:
        music = request.app[keys.MUSIC]
        detail = await music.library.album(await music.credential(principal), album_id)
        if detail is None:
            raise NotFound("No such album in Jellyfin.", code="item_not_found")
        return {
            "title": detail.album.name,
            "active": "library",
            "album": detail.album,
            "tracks": detail.tracks,
            "live": "favorite.changed library.changed",
            "skip_list": bool(detail.tracks),
        }

    return await user_page(request, "album.html", build)


async def artist(request: web.Request) -> web.StreamResponse:
    """One artist and their albums."""
    artist_id = _ref_id(request)

    async def build(principal: Principal) -> dict[str, Any]:
        music = request.app[keys.MUSIC]
        detail = await music.library.artist(await music.credential(principal), artist_id)
        if detail is None:
            raise NotFound("No such artist in Jellyfin.", code="item_not_found")
        return {
            "title": detail.artist.name,
            "active": "library",
            "artist": detail.artist,
            "albums": detail.albums,
            "live": "library.changed",
        }

    return await user_page(request, "artist.html", build)


async def favorites(request: web.Request) -> web.StreamResponse:
    """The user's Jellyfin favorites, refreshed live on `favorite.changed`."""
    raw = request.query.get("type", "track")
    kind: ItemKind = next((k for k in ITEM_KINDS if k == raw), "track")
    number, size = _page_number(request), _size(request)

    async def build(principal: Principal) -> dict[str, Any]:
        music = request.app[keys.MUSIC]
        page = await music.favorites.list(
            await music.credential(principal), kind, (number - 1) * size, size
        )
        last = max(1, -(-page.total // size))
        if number > last:
            raise web.HTTPFound(_with_page(request, last))
        return {
            "title": "Favorites",
            "active": "favorites",
            "kind": kind,
            "items": page.items,
            "pager": pager(page, number, size),
            "live": "favorite.changed",
            "skip_list": ("favorite-tracks" if kind == "track" else "list")
            if page.items
            else False,
        }

    return await user_page(request, "favorites.html", build)


async def search(request: web.Request) -> web.StreamResponse:
    """Artists, albums and tracks for a search, grouped (the search box's page without script)."""
    q = request.query.get("q", "").strip()[:MAX_QUERY_LENGTH]

    async def build(principal: Principal) -> dict[str, Any]:
        found: dict[str, Any] = {"artists": (), "albums": (), "tracks": ()}
        if q:
            music = request.app[keys.MUSIC]
            found = await music.library.search(await music.credential(principal), q, 20)
        return {
            "title": f"Search: {q}" if q else "Search",
            "active": "library",
            "q": q,
            "found": found,
            "live": "favorite.changed",
            "skip_list": bool(found["tracks"]),
        }

    return await user_page(request, "search.html", build)
