"""Reading the overlay: current playback states, listening history and top lists."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from companion.history.models import Play, PlaybackState
from companion.library.models import LibraryTrack
from companion.media import make_ref

Period = Literal["week", "month", "year"]
PERIODS: dict[str, timedelta] = {
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
TICKS = 10_000_000


def state_dict(state: PlaybackState) -> dict[str, Any]:
    """The API shape of a playback state."""
    return {
        "user_id": state.user_id,
        "session_id": state.session_id,
        "device_name": state.device_name,
        "client": state.client,
        "state": state.state,
        "item_id": state.item_id,
        "ref": make_ref(state.item_id) if state.item_id else None,
        "position": round(state.position_ticks / TICKS, 3),
        "duration": round(state.runtime_ticks / TICKS, 3),
        "is_paused": state.is_paused,
        "started_at": state.started_at.isoformat() if state.started_at else None,
        "updated_at": state.updated_at.isoformat(),
    }


async def playback_states(user_id: str | None) -> list[dict[str, Any]]:
    """Sessions playing or paused now: one user's, or everyone's when user_id is None."""
    query = PlaybackState.exclude(state="stopped").order_by("-updated_at")
    if user_id is not None:
        query = query.filter(user_id=user_id)
    return [state_dict(s) for s in await query]


async def history(user_id: str, offset: int, limit: int, *, counted_only: bool) -> dict[str, Any]:
    """A user's plays, newest first, with the index's title and artists where known."""
    query = Play.filter(user_id=user_id)
    if counted_only:
        query = query.filter(counted=True)
    total = await query.count()
    plays = await query.order_by("-started_at").offset(offset).limit(limit)
    # Plain rows, not model instances: a page of 100 plays stays a few milliseconds.
    tracks = {
        t["item_id"]: t
        for t in await LibraryTrack.filter(item_id__in=[p.item_id for p in plays]).values(
            "item_id", "title", "artists", "album"
        )
    }
    items = []
    for play in plays:
        track = tracks.get(play.item_id)
        items.append(
            {
                "id": play.id,
                "ref": make_ref(play.item_id),
                "title": track["title"] if track else None,
                "artists": track["artists"] if track else None,
                "album": track["album"] if track else None,
                "started_at": play.started_at.isoformat(),
                "ended_at": play.ended_at.isoformat(),
                "position": round(play.position_ticks / TICKS, 3),
                "duration": round(play.runtime_ticks / TICKS, 3),
                "counted": play.counted,
                "completed": play.completed,
                "device_name": play.device_name,
                "client": play.client,
                # "userdata", "playbackreport", "listenbrainz", "lastfm": imported plays.
                "source": play.source,
            }
        )
    return {"items": items, "total": total, "offset": offset, "limit": limit}


async def top(user_id: str, period: Period, limit: int) -> dict[str, Any]:
    """Most played tracks and artists of the period (counted plays only)."""
    since = datetime.now(UTC) - PERIODS[period]
    rows = await Play.filter(user_id=user_id, counted=True, started_at__gte=since).values_list(
        "item_id", flat=True
    )
    per_track = Counter(str(r) for r in rows)
    tracks = {
        t["item_id"]: t
        for t in await LibraryTrack.filter(item_id__in=list(per_track)).values(
            "item_id", "title", "artists"
        )
    }
    per_artist: Counter[str] = Counter()
    for item_id, count in per_track.items():
        track = tracks.get(item_id)
        for artist in (
            track["artists"].split(" / ") if track and track["artists"] else ["Unknown artist"]
        ):
            per_artist[artist] += count
    return {
        "period": period,
        "since": since.isoformat(),
        "plays": sum(per_track.values()),
        "tracks": [
            {
                "ref": make_ref(item_id),
                "title": tracks[item_id]["title"] if item_id in tracks else None,
                "artists": tracks[item_id]["artists"] if item_id in tracks else None,
                "plays": count,
            }
            for item_id, count in per_track.most_common(limit)
        ],
        "artists": [
            {"name": name, "plays": count} for name, count in per_artist.most_common(limit)
        ],
    }
