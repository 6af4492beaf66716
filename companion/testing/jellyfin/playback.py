"""Playback reports applied like SessionManager and UserDataManager.UpdatePlayState do."""

from __future__ import annotations

from .library import Item, Track
from .services import Services
from .state import Session, UserData
from .wire import TICKS_PER_SECOND, now_utc

# ServerConfiguration defaults: MinResumePct, MaxResumePct, MinResumeDurationSeconds.
MIN_RESUME_PCT = 5
MAX_RESUME_PCT = 90
MIN_RESUME_DURATION_S = 300


def update_play_state(item: Item, data: UserData, position: int | None) -> bool:
    """UserDataManager.UpdatePlayState for Audio; returns playedToCompletion.

    A track shorter than MinResumeDurationSeconds stopped anywhere between MinResumePct and
    MaxResumePct counts as played to completion: a skip at 30 % of a 3-minute song does.
    """
    runtime = item.runtime_ticks if isinstance(item, Track) else 0
    pos = runtime if position is None else position
    completed = False
    if pos > 0 and runtime > 0:
        pct = pos * 100 / runtime
        near_end = pct > MAX_RESUME_PCT or pos >= runtime
        short = runtime / TICKS_PER_SECOND < MIN_RESUME_DURATION_S
        # Below MinResumePct nothing happens; above it a short item counts as completed.
        completed = pct >= MIN_RESUME_PCT and (near_end or short)
    elif runtime <= 0:
        completed = True  # unknown runtime: assumed fully played
    if completed:
        data.played = True
    data.position_ticks = 0  # Audio does not support resume (SupportsPositionTicksResume)
    return completed


def report_playback(
    svc: Services,
    session: Session,
    event: str,
    item: Item,
    position: int | None,
    paused: bool = False,
    media_source_id: str | None = None,
) -> None:
    """Apply a start/progress/stop report to the session and its user's data."""
    st = svc.state
    now = now_utc()
    user = st.users.get(session.user_id) if session.user_id else None
    ud = st.data_for(user.id, item.id, create=True) if user is not None else None
    session.last_activity = now
    session.last_playback_check_in = now
    if event == "start":
        session.now_playing_id = item.id
        session.position_ticks = position or 0
        session.is_paused = paused
        session.media_source_id = media_source_id or item.id
        session.queue = [{"Id": item.id, "PlaylistItemId": "playlistItem0"}]
        if user is not None and ud is not None:
            ud.play_count += 1
            ud.last_played = now
            ud.played = True  # Audio supports played status but not resume
            svc.events.user_data_saved(user, item, "PlaybackStart")
        svc.events.playback("PlaybackStart", session, item, position or 0, paused)
    elif event == "progress":
        session.now_playing_id = item.id
        session.position_ticks = position or 0
        if paused and not session.is_paused:
            session.last_paused = now
        session.is_paused = paused
        if user is not None and ud is not None:
            if position is not None:
                update_play_state(item, ud, position)
            svc.events.user_data_saved(user, item, "PlaybackProgress")
        svc.events.playback("PlaybackProgress", session, item, position or 0, paused)
    else:
        runtime = item.runtime_ticks if isinstance(item, Track) else 0
        completed = False
        if user is not None and ud is not None:
            if position is None:
                # The client did not say where it stopped: assumed a full play.
                ud.play_count += 1
                ud.played = True
                ud.position_ticks = 0
                completed = True
            else:
                completed = update_play_state(item, ud, position)
            svc.events.user_data_saved(user, item, "PlaybackFinished")
        svc.events.playback(
            "PlaybackStop",
            session,
            item,
            position if position is not None else runtime,
            paused,
            completed,
        )
        session.now_playing_id = None
        session.position_ticks = 0
        session.is_paused = False
        session.queue = []
