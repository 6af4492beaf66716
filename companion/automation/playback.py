"""Playback events to the "now playing" value, the cover and the playback triggers of a user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.automation.views import (
    Describer,
    SessionView,
    UserView,
    Value,
    idle_now_playing,
    simple,
)
from companion.live.overlay import TICKS_PER_SECOND, is_counted

# A stop that reports the same position as the last progress carried no position of its own
# (a session that vanished from Jellyfin's session list): the position is then estimated.
SAME_POSITION_SECONDS = 0.5


@dataclass
class PlaybackOutcome:
    """What a playback event changed."""

    now_playing: bool = False
    cover: bool = False
    trigger: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _stop_position(previous: SessionView | None, position: float, at: datetime) -> float:
    """The position playback stopped at; estimated from the last known one when the stop had none."""
    if previous is None or not previous.playing:
        return position
    if abs(position - previous.position) >= SAME_POSITION_SECONDS:
        return position
    elapsed = max(0.0, (at - previous.at).total_seconds())
    estimate = previous.position + elapsed
    return min(estimate, previous.duration) if previous.duration > 0 else estimate


def _trigger_attributes(value: Value, session_id: str) -> dict[str, Any]:
    attributes = {k: v for k, v in value["attributes"].items() if k != "playback"}
    return {**attributes, "title": value["state"], "session_id": session_id}


async def apply_playback(
    describer: Describer, view: UserView, kind: str, data: dict[str, Any], at: datetime
) -> PlaybackOutcome:
    """Update the user's sessions and "now playing" from one playback event."""
    session = str(data.get("session_id", ""))
    item_id = str(data.get("item_id") or "")
    position = float(data.get("position") or 0)
    duration = float(data.get("duration") or 0)
    previous = view.sessions.get(session)
    outcome = PlaybackOutcome()
    if kind == "playback.stopped":
        view.sessions.pop(session, None)
        outcome.trigger = "playback_stopped"
        outcome.attributes = await _stopped(describer, view, previous, data, at)
    elif item_id:
        playing = not data.get("is_paused")
        if (
            kind == "playback.progress"
            and previous is not None
            and previous.item_id == item_id
            and previous.playing == playing
        ):
            # Only the position moved: nothing Home Assistant shows changes (like its own
            # media players, the position is as of the last state change).
            previous.position, previous.at = position, at
            return outcome
        value = await describer.now_playing(
            view.user_id,
            item_id,
            playback="playing" if playing else "paused",
            device=data.get("device_name"),
            client=data.get("client"),
            session_id=session,
            position=position,
            duration=duration,
            at=at,
        )
        view.sessions.pop(session, None)
        view.sessions[session] = SessionView(value, item_id, position, duration, at, playing)
        if kind == "playback.started":
            outcome.trigger = "playback_started"
        elif not playing and (previous is None or previous.playing):
            outcome.trigger = "playback_paused"
        outcome.attributes = _trigger_attributes(value, session)
    else:
        return outcome
    # The sensor shows the session that changed last among those still playing.
    latest = list(view.sessions.values())[-1].value if view.sessions else idle_now_playing()
    outcome.now_playing = latest != view.now_playing
    view.now_playing = latest
    url = latest["attributes"].get("image_url")
    if url and (view.cover is None or view.cover["state"] != url):
        view.cover = simple(url, ref=latest["attributes"]["ref"], title=latest["state"])
        outcome.cover = True
    return outcome


async def _stopped(
    describer: Describer,
    view: UserView,
    previous: SessionView | None,
    data: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    session = str(data.get("session_id", ""))
    reported = float(data.get("position") or 0)
    duration = float(data.get("duration") or 0) or (previous.duration if previous else 0.0)
    position = _stop_position(previous, reported, at)
    completed = bool(data.get("completed"))
    if previous is not None:
        attributes = _trigger_attributes(previous.value, session)
    else:
        track = await describer.track(str(data.get("item_id") or ""))
        attributes = {
            **track,
            "device": data.get("device_name") or None,
            "client": data.get("client") or None,
            "session_id": session,
            "image_url": describer.image_url(str(data.get("item_id") or ""), view.user_id),
        }
    counted = is_counted(
        int(position * TICKS_PER_SECOND), int(duration * TICKS_PER_SECOND), completed
    )
    attributes.pop("position_updated_at", None)
    return {
        **attributes,
        "position": round(position, 1),
        "duration": round(duration, 1) if duration else None,
        "completed": completed,
        "counted": counted,
    }
