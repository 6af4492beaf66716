"""Webhook plugin emulation: Generic destination with "Send All Properties" (section 9)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

from .dto import audio_stream, provider_ids
from .library import Album, Item, Track
from .state import Playlist, Session, State, User, UserData
from .wire import fmt_date, fmt_local, hms, now_utc

log = logging.getLogger(__name__)


def escape(value: str | None) -> str | None:
    """The plugin's Escape(): `"` becomes `\\"` before JSON encoding (a real quirk)."""
    return value.replace('"', '\\"') if value is not None else None


def _net_date(dt: datetime | None) -> str | None:
    # Dictionary values go through the default converter: 7 digits, Z for UTC kind.
    return fmt_date(dt)


class WebhookEmitter:
    """Builds payloads and delivers them in order through one background sender."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._delayed: set[asyncio.TimerHandle] = set()

    def start(self) -> None:
        """Start the sender task."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sending (pending deliveries are dropped)."""
        for h in self._delayed:
            h.cancel()
        self._delayed.clear()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session:
            await self._session.close()

    # -- gating -----------------------------------------------------------------------------

    def _wants(self, ntype: str, item: Item | None) -> bool:
        cfg = self.state.webhook
        if cfg is None:
            return False
        if cfg.notification_types is not None and ntype not in cfg.notification_types:
            return False
        if item is None:
            return True
        # NotifyOnItem: only exactly ticked item types pass (artists and playlists never do).
        if isinstance(item, Track):
            return cfg.enable_songs
        if isinstance(item, Album):
            return cfg.enable_albums
        return False

    def enqueue(self, data: dict[str, Any]) -> None:
        """Queue one payload for delivery."""
        self.queue.put_nowait(data)

    def enqueue_later(self, delay: float, data: dict[str, Any]) -> None:
        """Queue a payload after a delay (the ItemAdded/ItemDeleted 30 s queue)."""
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._delayed.discard(handle)
            self.enqueue(data)

        handle = loop.call_later(delay, fire)
        self._delayed.add(handle)

    # -- payloads ---------------------------------------------------------------------------

    def base(self, ntype: str) -> dict[str, Any]:
        """Keys common to every event."""
        st = self.state
        cfg = st.webhook
        return {
            "ServerId": st.server_id,
            "ServerName": escape(st.server_name),
            "ServerVersion": st.version,
            "ServerUrl": cfg.server_url if cfg else "",
            "NotificationType": ntype,
        }

    def item_data(self, ntype: str, item: Item) -> dict[str, Any]:
        """Keys for events that carry an item."""
        lib = self.state.library
        now = now_utc()
        d = self.base(ntype)
        d["Timestamp"] = fmt_local(now)
        d["UtcTimestamp"] = fmt_date(now)
        d["Name"] = escape(item.name)
        d["Overview"] = ""
        d["Tagline"] = ""
        d["ItemId"] = item.id
        d["ItemType"] = item.KIND
        ticks = item.runtime_ticks if isinstance(item, Track) else 0
        if isinstance(item, Album):
            ticks = sum(
                t.runtime_ticks
                for t in (lib.by_id.get(x) for x in item.track_ids)
                if isinstance(t, Track)
            )
        d["RunTimeTicks"] = ticks
        d["RunTime"] = hms(ticks)
        if item.year:
            d["Year"] = item.year
            d["PremiereDate"] = f"{item.year:04d}-01-01"
        if item.genres:
            d["Genres"] = ", ".join(item.genres)
        if isinstance(item, Track):
            album = lib.album_of(item)
            d["Album"] = album.name if album else None
            names = lib.names(item.artist_ids[:1])
            d["Artist"] = names[0] if names else None
        elif isinstance(item, Album):
            names = lib.names(item.album_artist_ids[:1])
            d["Artist"] = names[0] if names else None
        for k, v in provider_ids(self.state, item).items():
            d[f"Provider_{k.lower()}"] = v
        if isinstance(item, Track):
            s = audio_stream(item)
            d["Audio_0_Title"] = s["DisplayTitle"]
            d["Audio_0_Type"] = "Audio"
            d["Audio_0_Language"] = None
            d["Audio_0_Codec"] = s["Codec"]
            d["Audio_0_Channels"] = s["Channels"]
            d["Audio_0_Bitrate"] = s["BitRate"]
            d["Audio_0_SampleRate"] = s["SampleRate"]
            d["Audio_0_Default"] = False
        return d

    # -- events -----------------------------------------------------------------------------

    def user_data_saved(self, user: User, item: Item | Playlist, ud: UserData, reason: str) -> None:
        """UserDataSaved: fires on every save, PlaybackProgress included."""
        if not isinstance(item, Item) or not self._wants("UserDataSaved", item):
            return
        d = self.item_data("UserDataSaved", item)
        d["Likes"] = bool(ud.likes)
        d["Rating"] = ud.rating or 0
        d["PlaybackPositionTicks"] = ud.position_ticks
        d["PlaybackPosition"] = hms(ud.position_ticks)
        d["PlayCount"] = ud.play_count
        d["Favorite"] = ud.is_favorite
        d["Played"] = ud.played
        d["AudioStreamIndex"] = -1
        d["SubtitleStreamIndex"] = -1
        if ud.last_played is not None:
            d["LastPlayedDate"] = _net_date(ud.last_played)
        d["SaveReason"] = reason
        d["NotificationUsername"] = escape(user.name)
        d["UserId"] = user.id
        self.enqueue(d)

    def playback(
        self, ntype: str, session: Session, item: Item, position: int, paused: bool, completed: bool
    ) -> None:
        """PlaybackStart/Progress/Stop: one POST per user of the session."""
        if not self._wants(ntype, item) or session.user_id is None:
            return
        user = self.state.users.get(session.user_id)
        if user is None:
            return
        d = self.item_data(ntype, item)
        d["PlaybackPositionTicks"] = position
        d["PlaybackPosition"] = hms(position)
        d["MediaSourceId"] = session.media_source_id or item.id
        d["IsPaused"] = paused
        d["IsAutomated"] = False
        d["DeviceId"] = session.device_id
        d["DeviceName"] = escape(session.device_name)
        d["ClientName"] = session.client
        d["PlayMethod"] = session.play_method
        if ntype == "PlaybackStop":
            d["PlayedToCompletion"] = completed
        d["Id"] = session.id
        d["UserId"] = user.id
        d["NotificationUsername"] = escape(user.name)
        d["Client"] = escape(session.client)
        d["LastActivityDate"] = _net_date(session.last_activity)
        d["LastPlaybackCheckIn"] = _net_date(session.last_playback_check_in)
        d["RemoteEndPoint"] = session.remote_end_point
        self.enqueue(d)

    def item_event(self, ntype: str, item: Item, delay: float) -> None:
        """ItemAdded/ItemDeleted, delivered from the plugin's periodic queue."""
        if self._wants(ntype, item):
            self.enqueue_later(delay, self.item_data(ntype, item))

    def task_completed(self, result: dict[str, Any], task: dict[str, Any]) -> None:
        """TaskCompleted for a scheduled task."""
        if not self._wants("TaskCompleted", None):
            return
        d = self.base("TaskCompleted")
        now = now_utc()
        d["Timestamp"] = fmt_local(now)
        d["UtcTimestamp"] = fmt_date(now)
        d["TaskId"] = task["Id"]
        d["TaskName"] = task["Name"]
        d["TaskDescription"] = task["Description"]
        d["TaskCategory"] = task["Category"]
        d["TaskState"] = task["State"]
        d["ResultId"] = result["Id"]
        d["ResultKey"] = result["Key"]
        d["ResultName"] = result["Name"]
        d["ResultStatus"] = result["Status"]
        d["StartTime"] = result["StartTimeUtc"]
        d["EndTime"] = result["EndTimeUtc"]
        d["ResultErrorMessage"] = result.get("ErrorMessage")
        d["ResultLongErrorMessage"] = result.get("LongErrorMessage")
        self.enqueue(d)

    # -- delivery ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            data = await self.queue.get()
            cfg = self.state.webhook
            if cfg is None:
                continue
            try:
                await self._post(cfg.url, cfg.headers, data)
            except Exception as exc:  # no retries: the plugin only logs failures
                log.warning("webhook delivery to %s failed: %s", cfg.url, exc)

    async def _post(self, url: str, headers: dict[str, str], data: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        out = {"User-Agent": f"Jellyfin-Server/{self.state.version}"}
        ctype = "text/plain; charset=utf-8"
        for k, v in headers.items():
            if k.lower() == "content-type":
                ctype = f"{v.split(';')[0].strip()}; charset=utf-8"
            else:
                out[k] = v
        out["Content-Type"] = ctype
        self.state.webhook_log.append(
            {"url": url, "at": datetime.now(UTC).isoformat(), "type": data["NotificationType"]}
        )
        async with self._session.post(url, data=body.encode(), headers=out) as resp:
            await resp.read()
            if resp.status >= 400:
                log.warning("webhook %s answered %s", url, resp.status)
