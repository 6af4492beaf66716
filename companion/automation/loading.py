"""Reading a user's view from the overlay: sessions, newest favorite track, plays today."""

from __future__ import annotations

from datetime import tzinfo

from companion.automation import radio
from companion.automation.clock import day_start, zone_name
from companion.automation.views import Describer, SessionView, UserView, Value, no_favorite, simple
from companion.history.models import Play, PlaybackState
from companion.library.models import Favorite, LibraryTrack

# Favorites looked at to find the newest track among them (albums and artists are skipped).
FAVORITE_WINDOW = 50


async def load_user(describe: Describer, zone: tzinfo, user_id: str, name: str) -> UserView:
    """A user's whole view as the overlay has it now (what a restart starts from)."""
    view = UserView(user_id=user_id, name=name)
    states = (
        await PlaybackState.filter(user_id=user_id).exclude(state="stopped").order_by("updated_at")
    )
    for state in states:
        if not state.item_id:
            continue
        position, duration = state.position_ticks / 1e7, state.runtime_ticks / 1e7
        playing = state.state == "playing"
        value = await describe.now_playing(
            user_id,
            state.item_id,
            playback="playing" if playing else "paused",
            device=state.device_name,
            client=state.client,
            session_id=state.session_id,
            position=position,
            duration=duration,
            at=state.updated_at,
        )
        view.sessions[state.session_id] = SessionView(
            value, state.item_id, position, duration, state.updated_at, playing
        )
    if view.sessions:
        view.now_playing = list(view.sessions.values())[-1].value
    view.last_favorite = await newest_favorite(describe, user_id)
    view.plays_today = await plays_today(zone, user_id)
    view.radio_mode = simple(await radio.get_mode(user_id), options=list(radio.RADIO_MODES))
    return view


async def newest_favorite(describe: Describer, user_id: str) -> Value:
    """The "last favorite" value: the newest favorite that is a track, from the mirror."""
    rows = (
        await Favorite.filter(user_id=user_id)
        .order_by("-favorited_at", "-id")
        .limit(FAVORITE_WINDOW)
    )
    unknown = [r.item_id for r in rows if r.item_type != "Audio"]
    indexed = {
        str(r["item_id"]) for r in await LibraryTrack.filter(item_id__in=unknown).values("item_id")
    }
    for row in rows:
        if row.item_type == "Audio" or row.item_id in indexed:
            return await describe.favorite(user_id, row.item_id, row.favorited_at)
    return no_favorite()


async def plays_today(zone: tzinfo, user_id: str) -> Value:
    """Counted plays since the install's local midnight."""
    since = day_start(zone)
    count = await Play.filter(user_id=user_id, counted=True, started_at__gte=since).count()
    return simple(count, since=since.astimezone(zone).isoformat(), time_zone=zone_name(zone))
