"""Now playing, listening history and the live activity log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.accounts.models import User
from companion.accounts.preferences import get_preferences
from companion.db.ids import is_id
from companion.errors import CompanionError
from companion.history import service as history
from companion.media import MediaItem, parse_ref
from web.dashboard.render import user_page

PERIODS = ("week", "month", "year")
# The stream qualities offered: the original file, or a transcode at one of these kbps.
QUALITY_CHOICES = (320, 256, 192, 128, 96)
VIBE_MODES = ("seed", "text", "recent", "alchemy", "path")


async def _resolve(request: web.Request, principal: Principal, refs: list[str]) -> dict[str, Any]:
    """Map refs to items as the user sees them; empty when Jellyfin cannot say (best effort)."""
    ids = [i for i in (parse_ref(r) for r in refs) if i is not None]
    if not ids or principal.jellyfin_id is None:
        return {}
    music = request.app[keys.MUSIC]
    try:
        items: list[MediaItem | None] = await music.resolver.resolve(
            await music.credential(principal), ids
        )
    except CompanionError:
        return {}
    return {i.ref: i for i in items if i is not None}


async def now_playing(request: web.Request) -> web.StreamResponse:
    """Live Jellyfin sessions (administrators see everyone's); positions advance in the page."""

    async def build(principal: Principal) -> dict[str, Any]:
        user = None if principal.is_admin else (principal.jellyfin_id or "")
        sessions = await history.playback_states(user)
        items = await _resolve(request, principal, [s["ref"] for s in sessions if s["ref"]])
        ids = {s["user_id"] for s in sessions if s.get("user_id")}
        users = {u.jellyfin_id: u.name for u in await User.filter(jellyfin_id__in=list(ids))}
        return {
            "users": users,
            "title": "Now playing",
            "active": "now",
            "sessions": sessions,
            "items": items,
            "live": "playback.started playback.stopped play.recorded",
        }

    return await user_page(request, "now_playing.html", build)


def bars(rows: list[dict[str, Any]], width: int = 240) -> list[dict[str, Any]]:
    """Rows with a bar width in pixels, scaled to the largest count (for the SVG chart)."""
    top = max((int(r["plays"]) for r in rows), default=0) or 1
    return [{**r, "bar": max(2, round(width * int(r["plays"]) / top))} for r in rows]


async def history_page(request: web.Request) -> web.StreamResponse:
    """Recent plays and the top tracks and artists of a week, month or year."""
    period = request.query.get("period", "week")
    period = period if period in PERIODS else "week"

    async def build(principal: Principal) -> dict[str, Any]:
        if principal.jellyfin_id is None:
            return {"title": "History", "active": "history", "no_history": True}
        recent = await history.history(principal.jellyfin_id, 0, 100, counted_only=False)
        top = await history.top(principal.jellyfin_id, period, 10)  # type: ignore[arg-type]
        return {
            "title": "History",
            "active": "history",
            "period": period,
            "periods": PERIODS,
            "recent": recent,
            "top_tracks": bars(top["tracks"]),
            "top_artists": bars(top["artists"]),
            "plays": top["plays"],
            "live": "play.recorded",
        }

    return await user_page(request, "history.html", build)


async def activity(request: web.Request) -> web.StreamResponse:
    """A live log of events; the page's script appends each event it receives."""

    async def build(principal: Principal) -> dict[str, Any]:
        return {"title": "Activity", "active": "activity"}

    return await user_page(request, "activity.html", build)


async def player(request: web.Request) -> web.StreamResponse:
    """The queue (kept by the server), its modes and the stream quality."""

    async def build(principal: Principal) -> dict[str, Any]:
        state = await request.app[keys.PLAYER].queues.state(principal)
        prefs = await get_preferences(principal.user_id or 0)
        quality = prefs.get("stream_quality")
        return {
            "title": "Queue",
            "active": "player",
            "queue": state,
            "quality": quality.get("max_bitrate") if isinstance(quality, dict) else "original",
            "bitrates": QUALITY_CHOICES,
            "live": "",
            "skip_list": bool(state["entries"]),
        }

    return await user_page(request, "player.html", build)


async def playlists(request: web.Request) -> web.StreamResponse:
    """Playlists, rendered here (and kept current by the script from /api/playlists)."""

    async def build(principal: Principal) -> dict[str, Any]:
        items = await request.app[keys.PLAYLISTS].summaries(principal)
        return {"title": "Playlists", "active": "playlists", "playlists": items}

    return await user_page(request, "playlists.html", build)


async def playlist(request: web.Request) -> web.StreamResponse:
    """One playlist, rendered here (the script takes over editing it)."""
    raw = request.match_info["playlist_id"]
    # An id no table holds (past 2^31-1 on PostgreSQL) is 0: no such playlist, never a query error.
    playlist_id = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    playlist_id = playlist_id if is_id(playlist_id) else 0

    async def build(principal: Principal) -> dict[str, Any]:
        detail = await request.app[keys.PLAYLISTS].get(principal, playlist_id)
        return {
            "title": detail["name"],
            "active": "playlists",
            "playlist_id": playlist_id,
            "playlist": detail,
        }

    return await user_page(request, "playlist.html", build)


async def vibe(request: web.Request) -> web.StreamResponse:
    """Vibe queues (the script drives /api/vibe); a seed can come in the query string."""
    seed_ref = request.query.get("ref", "")
    seed_ref = seed_ref if parse_ref(seed_ref) is not None else ""

    async def build(principal: Principal) -> dict[str, Any]:
        seed = None
        if seed_ref:
            item = (await _resolve(request, principal, [seed_ref])).get(seed_ref)
            if item is not None:
                seed = {"ref": item.ref, "name": item.name, "kind": item.kind}
        mode = request.query.get("mode", "seed")
        if mode in ("similar", "album", "artist"):
            mode = "seed"
        return {
            "title": "Vibe",
            "active": "vibe",
            "seed": seed,
            "seed_mode": mode if mode in VIBE_MODES else "seed",
        }

    return await user_page(request, "vibe.html", build)
