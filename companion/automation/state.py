"""What home automation sees: per-user sensor states and triggers, derived from bus events.

The service turns raw events (playback, favorites, plays, library, integrations) into
`automation.state`, `automation.trigger`, `automation.connectivity` and `automation.snapshot`
events; transports such as the MQTT bridge only forward them, so no integration reads tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any

from companion.accounts.models import User
from companion.events import Event, EventBus, Unsubscribe
from companion.history.models import Play, PlaybackState
from companion.library.models import Favorite, LibraryTrack
from companion.media import image_path, make_ref

_LOGGER = logging.getLogger(__name__)

STATE = "automation.state"
TRIGGER = "automation.trigger"
CONNECTIVITY = "automation.connectivity"
SNAPSHOT = "automation.snapshot"
SYNC_REQUEST = "automation.sync_request"

IDLE = "idle"
STRANGER_SECONDS = 60.0
MAX_STRANGERS = 10_000
# Home Assistant caps a state at 255 characters.
MAX_STATE = 255

# Triggers per user, and those of the whole install (fired "as those features land").
USER_TRIGGERS = (
    "favorite_added",
    "favorite_removed",
    "playback_started",
    "playback_paused",
    "playback_stopped",
    "playlist_sync_failed",
)
INSTALL_TRIGGERS = ("album_added",)

SOURCE_EVENTS = (
    "favorite.changed",
    "playback.started",
    "playback.progress",
    "playback.stopped",
    "play.recorded",
    "library.changed",
    "integration.state",
    "playlist.synced",
    "user.signed_in",
    SYNC_REQUEST,
)

EntriesFn = Callable[[], list[dict[str, Any]]]


@dataclass
class UserView:
    """The sensor values of one user."""

    user_id: str
    name: str
    now_playing: dict[str, Any] = field(default_factory=lambda: {"state": IDLE, "attributes": {}})
    last_favorite: dict[str, Any] = field(
        default_factory=lambda: {"state": "none", "attributes": {}}
    )
    plays_today: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the snapshot shape of the user."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "now_playing": self.now_playing,
            "last_favorite": self.last_favorite,
            "plays_today": self.plays_today,
        }


def _today_start() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time.min, tzinfo=UTC)


class AutomationState:
    """Keeps the sensor view per user and publishes what home automation should show."""

    def __init__(self, bus: EventBus, entries: EntriesFn, public_url: str | None = None) -> None:
        self._bus = bus
        self._entries = entries
        self._base = (public_url or "").rstrip("/")
        self._users: dict[str, UserView] = {}
        # user -> session -> that session's "now playing" value, most recent last.
        self._sessions: dict[str, dict[str, dict[str, Any]]] = {}
        # Jellyfin users without a companion account, remembered briefly to spare queries.
        self._strangers: dict[str, float] = {}
        self._connected: dict[str, bool] = {}
        self._unsubscribe: Unsubscribe | None = None
        self._midnight: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the current view, subscribe, and announce a first snapshot."""
        await self._load()
        self._unsubscribe = self._bus.subscribe(
            self._handle, SOURCE_EVENTS, name="automation-state"
        )
        self.publish_snapshot()
        self._midnight = asyncio.get_running_loop().create_task(
            self._reset_at_midnight(), name="automation-midnight"
        )

    async def stop(self) -> None:
        """Stop listening and the midnight reset."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._midnight is not None:
            self._midnight.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._midnight
            self._midnight = None

    async def _reset_at_midnight(self) -> None:
        # "Plays today" drops to 0 at midnight UTC even when nobody plays anything.
        while True:
            wait = (_today_start() + timedelta(days=1) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(1.0, wait + 1.0))
            await self.refresh_plays_today()

    async def refresh_plays_today(self) -> None:
        """Recount every user's plays today and publish the changed ones."""
        for view in list(self._users.values()):
            await self._refresh_plays(view)

    async def _refresh_plays(self, view: UserView) -> None:
        count = await self._plays_today(view.user_id)
        if count != view.plays_today:
            view.plays_today = count
            self._state(view, "plays_today", {"state": count, "attributes": {}})

    # -- the view ----------------------------------------------------------------------------

    async def _load(self) -> None:
        for user in await User.filter(is_active=True, jellyfin_id__isnull=False):
            if user.jellyfin_id:
                await self._load_user(user.jellyfin_id, user.name)

    async def _load_user(self, user_id: str, name: str) -> UserView:
        view = UserView(user_id=user_id, name=name)
        self._users[user_id] = view
        sessions: dict[str, dict[str, Any]] = {}
        states = (
            await PlaybackState.filter(user_id=user_id)
            .exclude(state="stopped")
            .order_by("updated_at")
        )
        for state in states:
            if state.item_id:
                sessions[state.session_id] = await self._now_playing(
                    state.item_id, state.state, state.device_name, state.position_ticks / 1e7
                )
        self._sessions[user_id] = sessions
        if sessions:
            view.now_playing = list(sessions.values())[-1]
        favorite = await Favorite.filter(user_id=user_id).order_by("-favorited_at").first()
        if favorite is not None:
            view.last_favorite = await self._favorite(favorite.item_id, favorite.favorited_at)
        view.plays_today = await self._plays_today(user_id)
        return view

    async def _user(self, user_id: str) -> UserView | None:
        view = self._users.get(user_id)
        if view is not None:
            return view
        if self._strangers.get(user_id, 0.0) > monotonic():
            return None
        user = await User.get_or_none(jellyfin_id=user_id, is_active=True)
        if user is None:
            # Events of Jellyfin users who never signed in to the companion are not shown.
            if len(self._strangers) > MAX_STRANGERS:
                self._strangers.clear()
            self._strangers[user_id] = monotonic() + STRANGER_SECONDS
            return None
        view = await self._load_user(user_id, user.name)
        self.publish_snapshot()
        return view

    def _image(self, ref: str) -> str:
        return f"{self._base}{image_path(ref, None)}"

    async def _track(self, item_id: str) -> dict[str, Any]:
        # The light index is enough for a sensor label; Jellyfin stays the truth for metadata.
        row = await LibraryTrack.get_or_none(item_id=item_id)
        ref = make_ref(item_id)
        if row is None:
            return {"title": ref, "artist": None, "album": None, "ref": ref}
        return {"title": row.title, "artist": row.artists, "album": row.album, "ref": ref}

    async def _now_playing(
        self, item_id: str, state: str, device: str, position: float
    ) -> dict[str, Any]:
        track = await self._track(item_id)
        attributes = {
            "artist": track["artist"],
            "album": track["album"],
            "device": device,
            "position": round(position, 1),
            "ref": track["ref"],
            "image_url": self._image(track["ref"]),
            "playback": state,
        }
        return {"state": str(track["title"])[:MAX_STATE], "attributes": attributes}

    async def _favorite(self, item_id: str, at: datetime) -> dict[str, Any]:
        track = await self._track(item_id)
        attributes = {
            "artist": track["artist"],
            "album": track["album"],
            "ref": track["ref"],
            "image_url": self._image(track["ref"]),
            "favorited_at": at.isoformat(),
        }
        return {"state": str(track["title"])[:MAX_STATE], "attributes": attributes}

    @staticmethod
    async def _plays_today(user_id: str) -> int:
        return await Play.filter(
            user_id=user_id, counted=True, started_at__gte=_today_start()
        ).count()

    def users(self) -> list[dict[str, Any]]:
        """Every known user's view."""
        return [v.as_dict() for v in self._users.values()]

    def integrations(self) -> list[dict[str, Any]]:
        """Connectivity of every configured integration."""
        out = []
        for entry in self._entries():
            connected = entry["state"] == "loaded"
            self._connected[entry["entry_id"]] = connected
            out.append({**entry, "connected": connected})
        return out

    def publish_snapshot(self) -> None:
        """Announce everything (transports republish discovery and retained states)."""
        data = {
            "users": self.users(),
            "integrations": self.integrations(),
            "user_triggers": list(USER_TRIGGERS),
            "install_triggers": list(INSTALL_TRIGGERS),
        }
        self._bus.publish(Event(SNAPSHOT, data, source="automation"))

    # -- events ------------------------------------------------------------------------------

    def _state(self, view: UserView, sensor: str, value: dict[str, Any]) -> None:
        data = {"user_id": view.user_id, "user_name": view.name, "sensor": sensor, **value}
        self._bus.publish(Event(STATE, data, user_id=view.user_id, source="automation"))

    def _trigger(self, kind: str, view: UserView | None, attributes: dict[str, Any]) -> None:
        data: dict[str, Any] = {
            "trigger": kind,
            "user_id": view.user_id if view else None,
            "user_name": view.name if view else None,
            **attributes,
        }
        self._bus.publish(
            Event(TRIGGER, data, user_id=view.user_id if view else None, source="automation")
        )

    async def _handle(self, event: Event) -> None:
        kind = event.type
        if kind == SYNC_REQUEST:
            self.publish_snapshot()
        elif kind == "integration.state":
            self._integration(event.data)
        elif kind == "library.changed":
            await self._library(event.data)
        elif kind == "user.signed_in" and event.user_id:
            self._users.pop(event.user_id, None)
            self._strangers.pop(event.user_id, None)
            await self._user(event.user_id)
        elif event.user_id:
            view = await self._user(event.user_id)
            if view is not None:
                await self._user_event(view, event)

    async def _user_event(self, view: UserView, event: Event) -> None:
        data = event.data
        if event.type == "favorite.changed":
            await self._favorite_changed(view, event)
        elif event.type.startswith("playback."):
            await self._playback(view, event.type, data)
        elif event.type == "play.recorded":
            await self._refresh_plays(view)
        elif event.type == "playlist.synced" and data.get("state") == "failing":
            self._trigger(
                "playlist_sync_failed",
                view,
                {
                    "playlist_id": data.get("playlist_id"),
                    "name": data.get("name"),
                    "error": data.get("last_error"),
                },
            )

    async def _favorite_changed(self, view: UserView, event: Event) -> None:
        data = event.data
        item_id = str(data.get("item_id", ""))
        track = await self._track(item_id)
        attributes = {**track, "item_type": data.get("item_type")}
        if data.get("favorite"):
            view.last_favorite = await self._favorite(item_id, event.at)
            self._state(view, "last_favorite", view.last_favorite)
            self._trigger("favorite_added", view, attributes)
        else:
            self._trigger("favorite_removed", view, attributes)

    async def _playback(self, view: UserView, kind: str, data: dict[str, Any]) -> None:
        session = str(data.get("session_id", ""))
        sessions = self._sessions.setdefault(view.user_id, {})
        previous = sessions.pop(session, None)
        item_id = data.get("item_id")
        paused = bool(data.get("is_paused"))
        stopped = kind == "playback.stopped"
        device = str(data.get("device_name") or "")
        if item_id:
            playback = "stopped" if stopped else ("paused" if paused else "playing")
            value = await self._now_playing(
                str(item_id), playback, device, float(data.get("position") or 0)
            )
        else:
            value = previous or {"state": IDLE, "attributes": {"device": device}}
        if not stopped:
            sessions[session] = value
        # The sensor shows the session that changed last among those still playing.
        view.now_playing = (
            list(sessions.values())[-1]
            if sessions
            else {"state": IDLE, "attributes": {"device": device, "playback": "stopped"}}
        )
        self._state(view, "now_playing", view.now_playing)
        attributes = {
            "title": value["state"],
            "session_id": session,
            **{k: v for k, v in value["attributes"].items() if k != "playback"},
        }
        was_paused = previous is not None and previous["attributes"].get("playback") == "paused"
        if kind == "playback.started":
            self._trigger("playback_started", view, attributes)
        elif stopped:
            self._trigger("playback_stopped", view, attributes)
        elif paused and not was_paused:
            self._trigger("playback_paused", view, attributes)

    def _integration(self, data: dict[str, Any]) -> None:
        entry_id = str(data.get("entry_id"))
        connected = data.get("state") == "loaded"
        if self._connected.get(entry_id) == connected:
            return
        known = entry_id in self._connected
        self._connected[entry_id] = connected
        if not known:
            # A new entry: transports need its discovery config, which the snapshot carries.
            self.publish_snapshot()
            return
        self._bus.publish(
            Event(
                CONNECTIVITY,
                {"entry_id": entry_id, "domain": data.get("domain"), "connected": connected},
                source="automation",
            )
        )

    async def _library(self, data: dict[str, Any]) -> None:
        added = [str(i) for i in data.get("added", [])]
        if not added:
            return
        rows = await LibraryTrack.filter(item_id__in=added).values("album_id")
        direct = await LibraryTrack.filter(album_id__in=added).values("album_id")
        album_ids = {r["album_id"] for r in [*rows, *direct] if r["album_id"]}
        for album_id in sorted(album_ids):
            # An album is new when every track of it the index knows arrived in this batch.
            tracks = await LibraryTrack.filter(album_id=album_id).values(
                "item_id", "album", "album_artist"
            )
            if album_id not in added and any(t["item_id"] not in added for t in tracks):
                continue
            first = tracks[0] if tracks else {}
            ref = make_ref(album_id)
            self._trigger(
                "album_added",
                None,
                {
                    "album": first.get("album"),
                    "album_artist": first.get("album_artist"),
                    "ref": ref,
                    "image_url": self._image(ref),
                    "track_count": len(tracks),
                },
            )
