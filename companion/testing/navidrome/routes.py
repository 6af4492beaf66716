"""The /rest endpoints: parameters (query or form), auth, and one handler per method."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from companion.testing.jellyfin.assets import png
from companion.testing.jellyfin.library import Album, Artist, Track
from companion.testing.jellyfin.routes_media import serve_track

from . import dto
from .state import NowPlaying, State, User, now
from .wire import (
    ERR_AUTH,
    ERR_GENERIC,
    ERR_NOT_AUTHORIZED,
    ERR_NOT_FOUND,
    SubsonicError,
    envelope,
    error_reply,
    missing,
    reply,
    ts,
)

STATE: web.AppKey[State] = web.AppKey("navidrome_state", State)
USER = "navidrome_user"
Params = MultiDictProxy[str]
Handler = Callable[
    [web.Request, State, User, Params], Awaitable[web.StreamResponse | dict[str, Any]]
]


async def params_of(request: web.Request) -> Params:
    """Query and form parameters together (Navidrome copies a form POST into the query)."""
    merged: MultiDict[str] = MultiDict(request.query)
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        for k, v in (await request.post()).items():
            if isinstance(v, str):
                merged.add(k, v)
    return MultiDictProxy(merged)


def req(p: Params, name: str) -> str:
    """A required parameter (empty counts as missing, as in Navidrome)."""
    value = p.get(name, "")
    if not value:
        raise missing(name)
    return value


def int_or(p: Params, name: str, default: int) -> int:
    """An optional integer parameter; bad values fall back to the default."""
    try:
        return int(p.get(name, default))
    except ValueError:
        return default


def authenticate(st: State, p: Params) -> User:
    """Check u/v/c, then the salted token (or a clear or enc: password)."""
    for name in ("u", "v", "c"):
        req(p, name)
    user = st.users.get(p["u"])
    if user is None:
        raise SubsonicError(ERR_AUTH)
    token, salt, password = p.get("t", ""), p.get("s", ""), p.get("p", "")
    if password:
        if password.startswith("enc:"):
            with contextlib.suppress(ValueError):
                password = bytes.fromhex(password[4:]).decode()
        ok = password == user.password
    elif token:
        ok = (
            hashlib.md5((user.password + salt).encode(), usedforsecurity=False).hexdigest() == token
        )
    else:
        ok = False
    if not ok:
        raise SubsonicError(ERR_AUTH)
    return user


def ok(st: State, **payload: Any) -> dict[str, Any]:
    """A successful envelope."""
    return envelope(st.server_version, **payload)


# -- system -----------------------------------------------------------------------------------


async def ping(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """An empty ok."""
    return ok(st)


async def get_user(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """A user's roles; only an admin may ask about someone else."""
    name = req(p, "username")
    if name != user.name and not user.admin:
        raise SubsonicError(ERR_NOT_AUTHORIZED)
    who = st.users.get(name)
    if who is None:
        raise SubsonicError(ERR_NOT_FOUND)
    return ok(st, user=_user_dict(who))


def _user_dict(u: User) -> dict[str, Any]:
    return {
        "username": u.name,
        "email": f"{u.name}@example.org",
        "scrobblingEnabled": True,
        "adminRole": u.admin,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": True,
        "commentRole": True,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [1],
    }


async def get_music_folders(
    request: web.Request, st: State, user: User, p: Params
) -> dict[str, Any]:
    """The one library."""
    return ok(st, musicFolders={"musicFolder": [{"id": 1, "name": "Music Library"}]})


# -- browsing ---------------------------------------------------------------------------------


async def get_artists(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Album artists grouped by first letter."""
    groups: dict[str, list[dict[str, Any]]] = {}
    lib = st.library
    for ar in sorted(lib.artists, key=lambda a: a.sort_name):
        if not lib.albumartist_albums.get(ar.id):
            continue
        letter = ar.sort_name[:1].upper()
        letter = letter if letter.isalpha() else "#"
        groups.setdefault(letter, []).append(dto.artist(st, user, ar))
    index = [{"name": k, "artist": v} for k, v in sorted(groups.items())]
    return ok(st, artists={"ignoredArticles": "The El La Los Las Le Les", "index": index})


async def get_artist(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """An artist with its albums."""
    ar = st.artist(req(p, "id"))
    if ar is None:
        raise SubsonicError(ERR_NOT_FOUND)
    albums = [
        dto.album(st, user, al)
        for i in st.library.albumartist_albums.get(ar.id, [])
        if isinstance(al := st.library.by_id.get(i), Album)
    ]
    out = dto.artist(st, user, ar)
    if albums:
        out["album"] = albums
    return ok(st, artist=out)


async def get_album(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """An album with its songs."""
    al = st.album(req(p, "id"))
    if al is None:
        raise SubsonicError(ERR_NOT_FOUND)
    return ok(st, album=dto.album_with_songs(st, user, al))


async def get_song(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """One song."""
    t = st.track(req(p, "id"))
    if t is None:
        raise SubsonicError(ERR_NOT_FOUND)
    return ok(st, song=dto.song(st, user, t))


def _played(st: State, user: User, al: Album) -> tuple[int, datetime | None]:
    ann = st.peek(user, st.nd[al.id])
    return (ann.play_count, ann.played) if ann else (0, None)


async def get_album_list2(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Album lists by type; `size` defaults to 10 and is capped at 500."""
    kind = req(p, "type")
    albums = list(st.library.albums)
    epoch = datetime.min.replace(tzinfo=UTC)
    if kind == "newest":
        albums.sort(key=lambda a: a.date_created, reverse=True)
    elif kind == "recent":
        albums = [a for a in albums if _played(st, user, a)[1]]
        albums.sort(key=lambda a: _played(st, user, a)[1] or epoch, reverse=True)
    elif kind == "frequent":
        albums = [a for a in albums if _played(st, user, a)[0]]
        albums.sort(key=lambda a: _played(st, user, a)[0], reverse=True)
    elif kind == "random":
        random.shuffle(albums)
    elif kind == "alphabeticalByName":
        albums.sort(key=lambda a: a.sort_name)
    elif kind == "alphabeticalByArtist":
        lib = st.library
        albums.sort(
            key=lambda a: (
                (lib.by_id[a.album_artist_ids[0]].sort_name, a.sort_name)
                if a.album_artist_ids
                else ("", a.sort_name)
            )
        )
    elif kind == "starred":
        albums = [a for a in albums if (ann := st.peek(user, st.nd[a.id])) and ann.starred]
    elif kind == "highest":
        albums = []
    elif kind == "byGenre":
        genre = req(p, "genre").lower()
        albums = [a for a in albums if genre in (g.lower() for g in a.genres)]
    elif kind == "byYear":
        lo, hi = int(req(p, "fromYear")), int(req(p, "toYear"))
        albums = [a for a in albums if a.year and min(lo, hi) <= a.year <= max(lo, hi)]
        albums.sort(key=lambda a: a.year or 0, reverse=lo > hi)
    else:
        raise SubsonicError(ERR_GENERIC, f"type '{kind}' not implemented")
    offset = int_or(p, "offset", 0)
    size = min(int_or(p, "size", 10), 500)
    page = albums[offset : offset + size]
    # Navidrome tells the whole list's length in a header only (the envelope has no total).
    request["headers"] = {"x-total-count": str(len(albums))}
    body: dict[str, Any] = {}
    if page:
        body["album"] = [dto.album(st, user, a) for a in page]
    return ok(st, albumList2=body)


async def get_starred2(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """The user's starred artists, albums and songs; empty lists are omitted."""
    starred = sorted(
        ((nd, ann) for (name, nd), ann in st.annotations.items() if name == user.name),
        key=lambda x: x[1].starred or now(),
        reverse=True,
    )
    body: dict[str, list[dict[str, Any]]] = {}
    for nd, ann in starred:
        if ann.starred is None:
            continue
        item = st.item(nd)
        if isinstance(item, Track):
            body.setdefault("song", []).append(dto.song(st, user, item))
        elif isinstance(item, Album):
            body.setdefault("album", []).append(dto.album(st, user, item))
        elif isinstance(item, Artist):
            body.setdefault("artist", []).append(dto.artist(st, user, item))
    return ok(st, starred2={k: body[k] for k in ("artist", "album", "song") if k in body})


async def get_songs_by_genre(
    request: web.Request, st: State, user: User, p: Params
) -> dict[str, Any]:
    """Songs of a genre; `count` defaults to 10 and is capped at 500."""
    genre = req(p, "genre").lower()
    songs = [t for t in st.library.tracks if genre in (g.lower() for g in t.genres)]
    offset = int_or(p, "offset", 0)
    page = songs[offset : offset + min(int_or(p, "count", 10), 500)]
    return ok(st, songsByGenre={"song": [dto.song(st, user, t) for t in page]} if page else {})


async def search3(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Words matched against names; "" lists everything; 1 character finds nothing."""
    query = p.get("query")
    if query is None:
        raise missing("query")
    q = query.strip().strip('"').rstrip("*").lower()
    lib = st.library

    def matches(name: str) -> bool:
        if not q:
            return True
        if len(q) < 2:
            return False
        words = name.lower().split()
        return all(any(w.startswith(part) for w in words) for part in q.split())

    def page(items: list[Any], kind: str) -> list[Any]:
        offset = int_or(p, f"{kind}Offset", 0)
        count = int_or(p, f"{kind}Count", 20)
        return items[offset : offset + count] if count > 0 else []

    artists = [a for a in lib.artists if lib.albumartist_albums.get(a.id) and matches(a.name)]
    albums = [a for a in lib.albums if matches(a.name)]
    songs = [t for t in lib.tracks if matches(t.name)]
    body: dict[str, Any] = {}
    if found := page(artists, "artist"):
        body["artist"] = [dto.artist(st, user, a) for a in found]
    if found := page(albums, "album"):
        body["album"] = [dto.album(st, user, a) for a in found]
    if found := page(songs, "song"):
        body["song"] = [dto.song(st, user, t) for t in found]
    return ok(st, searchResult3=body)


# -- annotation ---------------------------------------------------------------------------------


def _star_ids(st: State, p: Params) -> list[str]:
    ids = [*p.getall("id", []), *p.getall("albumId", []), *p.getall("artistId", [])]
    if not ids:
        raise SubsonicError(10, "Required id parameter is missing")
    # Navidrome finds each id's entity whichever parameter carried it, and skips unknown ids.
    return [i for i in ids if st.item(i) is not None]


async def star(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Star songs, albums or artists."""
    when = now()
    for i in _star_ids(st, p):
        st.annotation(user, i).starred = when
    return ok(st)


async def unstar(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Remove stars."""
    for i in _star_ids(st, p):
        st.annotation(user, i).starred = None
    return ok(st)


async def scrobble(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """submission=true counts plays (one `time` per id if any); false sets now playing.

    As in Navidrome, unknown ids never fail the call (the error is only logged), and "now
    playing" takes the first id, with `position` in seconds.
    """
    ids = p.getall("id", [])
    if not ids:
        raise missing("id")
    times = p.getall("time", [])
    if times and len(times) != len(ids):
        raise SubsonicError(
            ERR_GENERIC, f"Wrong number of timestamps: {len(times)}, should be {len(ids)}"
        )
    submission = p.get("submission", "true") != "false"
    if not submission:
        if st.track(ids[0]) is not None:
            np = NowPlaying(user.name, ids[0], 1, p.get("c", ""), now())
            np.position_ms = int_or(p, "position", 0) * 1000
            st.now_playing[(user.name, 1)] = np
        return ok(st)
    for n, i in enumerate(ids):
        t = st.track(i)
        if t is None:
            continue
        when = datetime.fromtimestamp(int(times[n]) / 1000, UTC) if times else now()
        for target in (i, st.nd.get(t.album_id, "")):
            if not target:
                continue
            ann = st.annotation(user, target)
            ann.play_count += 1
            ann.played = when
    return ok(st)


async def get_now_playing(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Every user's players' current songs."""
    entries = []
    for np in st.now_playing.values():
        t = st.track(np.song_id)
        who = st.users.get(np.user)
        if t is None or who is None:
            continue
        entries.append(
            {
                **dto.song(st, who, t),
                "username": np.user,
                "minutesAgo": int((now() - np.started).total_seconds() // 60),
                "playerId": np.player_id,
                "playerName": np.player_name,
                "state": "playing",
                "positionMs": np.position_ms,
                "playbackRate": 1,
            }
        )
    return ok(st, nowPlaying={"entry": entries} if entries else {})


# -- playlists ----------------------------------------------------------------------------------


def _visible(st: State, user: User, pid: str) -> Any:
    pls = st.playlists.get(pid)
    if pls is None or (pls.owner != user.name and not pls.public and not user.admin):
        raise SubsonicError(ERR_NOT_FOUND)
    return pls


def _writable(st: State, user: User, pid: str) -> Any:
    pls = st.playlists.get(pid)
    if pls is None:
        raise SubsonicError(ERR_NOT_FOUND)
    if pls.owner != user.name and not user.admin:
        raise SubsonicError(ERR_NOT_AUTHORIZED)
    return pls


async def get_playlists(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """The user's own playlists and everyone's public ones."""
    mine = [
        dto.playlist(st, pls, user, with_songs=False)
        for pls in st.playlists.values()
        if pls.owner == user.name or pls.public
    ]
    return ok(st, playlists={"playlist": mine} if mine else {})


async def get_playlist(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """One playlist with its songs."""
    pls = _visible(st, user, req(p, "id"))
    return ok(st, playlist=dto.playlist(st, pls, user, with_songs=True))


async def create_playlist(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Create with `name`, or replace the songs of `playlistId`; songs in `songId` order."""
    songs = p.getall("songId", [])
    pid = p.get("playlistId", "")
    if pid:
        pls = _writable(st, user, pid)
    else:
        name = p.get("name", "")
        if not name:
            raise SubsonicError(10, "required parameter name is missing")
        pls = st.new_playlist(name, user.name)
    pls.songs = [s for s in songs if st.track(s) is not None]
    pls.changed = now()
    return ok(st, playlist=dto.playlist(st, pls, user, with_songs=True))


async def update_playlist(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Rename, comment, publish; remove positions of the playlist as it was, then append.

    Navidrome deletes every `songIndexToRemove` (0-based, out-of-range ignored) in one go and
    renumbers, then appends `songIdToAdd`; the order of the indices does not matter.
    """
    pls = _writable(st, user, req(p, "playlistId"))
    if name := p.get("name"):
        pls.name = name
    if "comment" in p:
        pls.comment = p["comment"]
    if "public" in p:
        pls.public = p["public"] == "true"
    drop = set()
    for raw in p.getall("songIndexToRemove", []):
        try:
            drop.add(int(raw))
        except ValueError:
            continue
    pls.songs = [s for n, s in enumerate(pls.songs) if n not in drop]
    pls.songs += p.getall("songIdToAdd", [])
    pls.changed = now()
    return ok(st)


async def delete_playlist(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Delete; only the owner or an admin may."""
    pls = _writable(st, user, req(p, "id"))
    del st.playlists[pls.id]
    return ok(st)


# -- scanning -----------------------------------------------------------------------------------


def _scan_status(st: State) -> dict[str, Any]:
    scan = st.scan
    out: dict[str, Any] = {
        "scanning": scan.scanning,
        "count": len(st.library.tracks),
        "folderCount": len(st.library.albums),
        "lastScan": ts(scan.last_scan),
        "scanType": "full" if scan.full else "quick",
        "elapsedTime": 0,
    }
    return {k: v for k, v in out.items() if v is not None}


async def get_scan_status(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Whether a scan runs, and the library's song count."""
    return ok(st, scanStatus=_scan_status(st))


async def start_scan(request: web.Request, st: State, user: User, p: Params) -> dict[str, Any]:
    """Admin only; the scan finishes a moment later."""
    if not user.admin:
        raise SubsonicError(ERR_NOT_AUTHORIZED)
    if not st.scan.scanning:
        st.scan.scanning = True
        st.scan.full = p.get("fullScan") == "true"
        st.scan.started = now()
        request.app[SCAN_TASKS].add(asyncio.create_task(_finish_scan(st)))
    return ok(st, scanStatus=_scan_status(st))


SCAN_TASKS: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("scan_tasks", set)


async def _finish_scan(st: State) -> None:
    await asyncio.sleep(0.05)
    st.scan.scanning = False
    st.scan.last_scan = now()


# -- media ----------------------------------------------------------------------------------------


async def stream(request: web.Request, st: State, user: User, p: Params) -> web.StreamResponse:
    """The original file, with Range support (the fake never transcodes)."""
    t = st.track(req(p, "id"))
    if t is None:
        raise SubsonicError(ERR_NOT_FOUND)
    return await serve_track(request, t)


async def get_cover_art(
    request: web.Request, st: State, user: User, p: Params
) -> web.StreamResponse:
    """A PNG for an artwork id (`al-…`, `ar-…`, `mf-…`, `pl-…`) or a bare item id.

    Navidrome ignores a missing `id` (GetOrPlaceholder answers its placeholder) and reports an
    unknown one as 70 "Artwork not found".
    """
    art = p.get("id", "")
    if not art:
        return web.Response(body=png("808080", 16), content_type="image/png")
    kind, _, rest = art.partition("-") if art[:3] in ("al-", "ar-", "mf-", "pl-") else ("", "", art)
    nd_id = rest.rsplit("_", 1)[0]
    known = nd_id in st.playlists if kind == "pl" else st.item(nd_id) is not None
    if not known:
        raise SubsonicError(ERR_NOT_FOUND, "Artwork not found")
    size = max(1, min(int_or(p, "size", 64), 256))
    seed = hashlib.md5(nd_id.encode(), usedforsecurity=False).hexdigest()
    return web.Response(body=png(seed, size), content_type="image/png")


HANDLERS: dict[str, Handler] = {
    "ping": ping,
    "getUser": get_user,
    "getMusicFolders": get_music_folders,
    "getArtists": get_artists,
    "getArtist": get_artist,
    "getAlbum": get_album,
    "getSong": get_song,
    "getAlbumList2": get_album_list2,
    "getStarred2": get_starred2,
    "search3": search3,
    "getSongsByGenre": get_songs_by_genre,
    "star": star,
    "unstar": unstar,
    "scrobble": scrobble,
    "getNowPlaying": get_now_playing,
    "getPlaylists": get_playlists,
    "getPlaylist": get_playlist,
    "createPlaylist": create_playlist,
    "updatePlaylist": update_playlist,
    "deletePlaylist": delete_playlist,
    "getScanStatus": get_scan_status,
    "startScan": start_scan,
    "stream": stream,
    "getCoverArt": get_cover_art,
}
EXTENSIONS = [
    {"name": "transcodeOffset", "versions": [1]},
    {"name": "formPost", "versions": [1]},
    {"name": "songLyrics", "versions": [1]},
]


async def rest(request: web.Request) -> web.StreamResponse:
    """Dispatch /rest/<method>[.view]: record, inject faults, authenticate, encode."""
    st = request.app[STATE]
    method = request.match_info["method"].removesuffix(".view")
    p = await params_of(request)
    request["params"] = p
    st.requests.append({"method": method, "http": request.method, "params": list(p.items())})
    if st.latency_ms:
        await asyncio.sleep(st.latency_ms / 1000)
    if st.fail_next:
        return web.Response(status=st.fail_next.pop(0), text="Bad Gateway")
    if method == "getOpenSubsonicExtensions":
        # Public: no credentials needed.
        return reply(request, ok(st, openSubsonicExtensions=EXTENSIONS))
    handler = HANDLERS.get(method)
    if handler is None:
        return web.Response(status=404, text="404 page not found\n")
    try:
        user = authenticate(st, p)
        result = await handler(request, st, user, p)
    except SubsonicError as err:
        return error_reply(request, st.server_version, err)
    if isinstance(result, dict):
        resp = reply(request, result)
        resp.headers.update(request.get("headers", {}))
        return resp
    return result
