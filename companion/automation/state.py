"""What home automation sees: per-user sensor values and triggers, derived from bus events.

The service turns raw events (playback, favorites, plays, library, integrations, command results)
into `automation.state`, `automation.trigger`, `automation.connectivity` and
`automation.snapshot` events; transports such as the MQTT bridge only forward them, so no
integration reads tables. Each `automation.state` carries a sensor's whole value (state and
attributes together).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from time import monotonic
from typing import Any

from companion import __version__
from companion.accounts.models import User
from companion.automation import radio
from companion.automation.clock import next_midnight
from companion.automation.loading import load_user, newest_favorite, plays_today
from companion.automation.playback import apply_playback
from companion.automation.views import Describer, UserView, Value, no_command, simple
from companion.crypto import SecretBox
from companion.events import Event, EventBus, Unsubscribe
from companion.library.models import LibraryTrack
from companion.media import make_ref

_LOGGER = logging.getLogger(__name__)

STATE = "automation.state"
TRIGGER = "automation.trigger"
CONNECTIVITY = "automation.connectivity"
SNAPSHOT = "automation.snapshot"
SYNC_REQUEST = "automation.sync_request"
RESULT = "automation.result"
RADIO_MODE = "automation.radio_mode"

STRANGER_SECONDS = 60.0
MAX_STRANGERS = 10_000
# The integrations whose connectivity home automation is shown. The bridge itself is left out:
# it could only ever report "connected" over the link it describes.
HIDDEN_CONNECTIVITY = frozenset({"homeassistant"})

# Triggers per user, and those of the whole install.
USER_TRIGGERS = (
    "favorite_added",
    "favorite_removed",
    "playback_started",
    "playback_paused",
    "playback_stopped",
    "playlist_sync_failed",
    "command_failed",
    "download_finished",
    "download_failed",
    "flow_ready",
)
# Growth news of one user (downloads, weekly flows) and the trigger each becomes.
GROWTH_TRIGGERS = {
    "download.finished": "download_finished",
    "download.failed": "download_failed",
    "flow.ready": "flow_ready",
}
INSTALL_TRIGGERS = ("album_added", "command_failed")

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
    *GROWTH_TRIGGERS,
    SYNC_REQUEST,
    RESULT,
    RADIO_MODE,
)

EntriesFn = Callable[[], list[dict[str, Any]]]


def growth_attributes(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a download or weekly-flow trigger carries, with a sentence for notifications."""
    if kind == "flow.ready":
        return {
            "flow": data.get("flow"),
            "week": data.get("week"),
            "tracks": data.get("tracks"),
            "playlist_id": data.get("playlist_id"),
            "message": f'Your weekly flow "{data.get("flow")}" is ready: '
            f"{data.get('tracks')} tracks.",
        }
    artists = data.get("artists")
    return {
        "kind": data.get("kind"),
        "title": data.get("title"),
        "artist": ", ".join(artists) if isinstance(artists, list) else artists,
        "album": data.get("album"),
        "provider": data.get("provider"),
        "refs": data.get("refs"),
        "reason": data.get("reason"),
        "message": data.get("message"),
    }


class AutomationState:
    """Keeps the sensor view per user and publishes what home automation should show."""

    def __init__(
        self,
        bus: EventBus,
        entries: EntriesFn,
        public_url: str | None = None,
        *,
        box: SecretBox | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self._bus = bus
        self._entries = entries
        self._zone = zone
        self._describe = Describer(box, public_url)
        self._users: dict[str, UserView] = {}
        self._install: dict[str, Value] = {
            "version": simple(__version__),
            "library_size": simple(0),
            "last_command": no_command(),
        }
        # Jellyfin users without a companion account, remembered briefly to spare queries.
        self._strangers: dict[str, float] = {}
        self._connected: dict[str, bool] = {}
        self._unsubscribe: Unsubscribe | None = None
        self._midnight: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the current view, subscribe, and announce a first snapshot."""
        await self._sync_users()
        await self._refresh_library_size(publish=False)
        # Every replica's events: the automation state runs on the owner only.
        self._unsubscribe = self._bus.subscribe(
            self._handle, SOURCE_EVENTS, name="automation-state", cluster=True
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

    # -- plays today, on the install's local day ----------------------------------------------

    async def _reset_at_midnight(self) -> None:
        # "Plays today" drops to 0 at local midnight even when nobody plays anything.
        while True:
            wait = (next_midnight(self._zone) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(1.0, wait + 1.0))
            await self.refresh_plays_today()

    async def refresh_plays_today(self) -> None:
        """Recount every user's plays today and publish the changed ones."""
        for view in list(self._users.values()):
            await self._refresh_plays(view)

    async def _refresh_plays(self, view: UserView) -> None:
        value = await plays_today(self._zone, view.user_id)
        if value != view.plays_today:
            view.plays_today = value
            self._state(view, "plays_today", value)

    # -- the view ----------------------------------------------------------------------------

    async def _sync_users(self) -> None:
        """Follow the accounts table: add signed-in users, drop those signed out for good."""
        rows = await User.filter(is_active=True, jellyfin_id__isnull=False).values(
            "jellyfin_id", "name"
        )
        active = {str(r["jellyfin_id"]): str(r["name"]) for r in rows if r["jellyfin_id"]}
        for user_id in [u for u in self._users if u not in active]:
            del self._users[user_id]
        for user_id, name in active.items():
            view = self._users.get(user_id)
            if view is None:
                await self._load_user(user_id, name)
            else:
                view.name = name

    async def _load_user(self, user_id: str, name: str) -> UserView:
        view = await load_user(self._describe, self._zone, user_id, name)
        self._users[user_id] = view
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

    def users(self) -> list[dict[str, Any]]:
        """Every known user's view."""
        return [v.as_dict() for v in self._users.values()]

    def integrations(self) -> list[dict[str, Any]]:
        """Connectivity of every configured integration shown to home automation."""
        out = []
        for entry in self._entries():
            if entry["domain"] in HIDDEN_CONNECTIVITY:
                continue
            connected = entry["state"] == "loaded"
            self._connected[entry["entry_id"]] = connected
            out.append({**entry, "connected": connected})
        return out

    def publish_snapshot(self) -> None:
        """Announce everything (transports republish discovery and retained states)."""
        data = {
            "users": self.users(),
            "install": {"sensors": dict(self._install)},
            "integrations": self.integrations(),
            "user_triggers": list(USER_TRIGGERS),
            "install_triggers": list(INSTALL_TRIGGERS),
            "radio_modes": list(radio.RADIO_MODES),
        }
        self._bus.publish(Event(SNAPSHOT, data, source="automation"))

    # -- publishing --------------------------------------------------------------------------

    def _state(self, view: UserView | None, sensor: str, value: Value) -> None:
        data = {
            "user_id": view.user_id if view else None,
            "user_name": view.name if view else None,
            "sensor": sensor,
            "state": value["state"],
            "attributes": value["attributes"],
        }
        self._bus.publish(
            Event(STATE, data, user_id=view.user_id if view else None, source="automation")
        )

    def _install_state(self, sensor: str, value: Value) -> None:
        if self._install.get(sensor) != value:
            self._install[sensor] = value
            # Install values travel in snapshots, which only administrators' clients receive
            # (a state event without a user would reach every signed-in user).
            self.publish_snapshot()

    def _trigger(
        self,
        kind: str,
        view: UserView | None,
        attributes: dict[str, Any],
        audience: str | None = None,
    ) -> None:
        """A trigger of a user, or of the install (`audience`: the only user who may see it
        besides administrators; none means everyone, as for library news)."""
        data: dict[str, Any] = {
            "trigger": kind,
            "user_id": view.user_id if view else None,
            "user_name": view.name if view else None,
            **attributes,
        }
        recipient = view.user_id if view else audience
        self._bus.publish(Event(TRIGGER, data, user_id=recipient, source="automation"))

    # -- events ------------------------------------------------------------------------------

    async def _handle(self, event: Event) -> None:
        kind = event.type
        if kind == SYNC_REQUEST:
            await self._sync_users()
            await self._refresh_library_size(publish=False)
            self.publish_snapshot()
        elif kind == "integration.state":
            self._integration(event.data)
        elif kind == "library.changed":
            await self._library(event.data)
        elif kind == RESULT:
            self._result(event)
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
            outcome = await apply_playback(self._describe, view, event.type, data, event.at)
            if outcome.now_playing:
                self._state(view, "now_playing", view.now_playing)
            if outcome.cover and view.cover is not None:
                self._state(view, "cover", view.cover)
            if outcome.trigger:
                self._trigger(outcome.trigger, view, outcome.attributes)
        elif event.type == "play.recorded":
            await self._refresh_plays(view)
        elif event.type == RADIO_MODE:
            view.radio_mode = simple(str(data.get("mode")), options=list(radio.RADIO_MODES))
            self._state(view, "radio_mode", view.radio_mode)
        elif event.type in GROWTH_TRIGGERS:
            self._trigger(GROWTH_TRIGGERS[event.type], view, growth_attributes(event.type, data))
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
        # The mirror is already written: the newest favorite track follows removals too.
        newest = await newest_favorite(self._describe, view.user_id)
        if newest != view.last_favorite:
            view.last_favorite = newest
            self._state(view, "last_favorite", newest)
        track = await self._describe.track(item_id)
        attributes = {**track, "item_type": data.get("item_type")}
        self._trigger(
            "favorite_added" if data.get("favorite") else "favorite_removed", view, attributes
        )

    def _result(self, event: Event) -> None:
        data = event.data
        ok = bool(data.get("ok"))
        raw_error = data.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        action = str(data.get("action") or "")
        value = simple(
            "ok" if ok else "failed",
            action=action or None,
            code=None if ok else error.get("code"),
            reason=None if ok else error.get("message"),
            request_id=data.get("request_id"),
            at=event.at.isoformat(),
        )
        view = self._users.get(str(data.get("user_id") or ""))
        if view is not None:
            view.last_command = value
            self._state(view, "last_command", value)
        else:
            self._install_state("last_command", value)
        # A failed press is an event in Home Assistant. Failures of no known user (a
        # hand-written command naming nobody) only show on the install's sensor.
        audience = str(data.get("run_as") or "") or None
        if not ok and (view is not None or audience is not None):
            who = f" for {view.name}" if view is not None else ""
            self._trigger(
                "command_failed",
                view,
                {
                    "action": action,
                    "code": error.get("code"),
                    "reason": error.get("message"),
                    "title": "Jellyfin Companion",
                    # Ready for persistent_notification.create in an automation.
                    "message": f"{action or 'A command'}{who} failed: {error.get('message')}",
                },
                audience,
            )

    def _integration(self, data: dict[str, Any]) -> None:
        if data.get("domain") in HIDDEN_CONNECTIVITY:
            return
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

    async def _refresh_library_size(self, *, publish: bool = True) -> None:
        value = simple(await LibraryTrack.all().count(), unit="tracks")
        if publish:
            self._install_state("library_size", value)
        else:
            self._install["library_size"] = value

    async def _library(self, data: dict[str, Any]) -> None:
        if data.get("added") or data.get("removed"):
            await self._refresh_library_size()
        added = [str(i) for i in data.get("added", [])]
        if not added:
            return
        rows = await LibraryTrack.filter(item_id__in=added).values("album_id")
        direct = await LibraryTrack.filter(album_id__in=added).values("album_id")
        album_ids = {r["album_id"] for r in [*rows, *direct] if r["album_id"]}
        # Install-wide art is fetched with some signed-in user's access.
        viewer = next(iter(self._users), None)
        for album_id in sorted(album_ids):
            # An album is new when every track of it the index knows arrived in this batch.
            tracks = await LibraryTrack.filter(album_id=album_id).values(
                "item_id", "album", "album_artist"
            )
            if album_id not in added and any(t["item_id"] not in added for t in tracks):
                continue
            first = tracks[0] if tracks else {}
            self._trigger(
                "album_added",
                None,
                {
                    "album": first.get("album"),
                    "album_artist": first.get("album_artist"),
                    "ref": make_ref(album_id),
                    "image_url": self._describe.image_url(album_id, viewer),
                    "track_count": len(tracks),
                },
            )
