"""Webhook plugin emulation: Generic destination with "Send All Properties" (section 9)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from datetime import UTC, datetime
from typing import Any

import aiohttp
from yarl import URL

from .dto import state_provider_ids
from .dto_media import audio_stream
from .library import Album, Item, Track
from .state import Playlist, Session, State, User, UserData, WebhookConfig
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
        for k, v in state_provider_ids(self.state, item).items():
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
        d = self.base("TaskCompleted")  # no Timestamp/UtcTimestamp: only item events have them
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
            batch = [await self.queue.get()]
            cfg = self.state.webhook
            if cfg is None:
                continue
            if not cfg.out_of_order:
                await self._deliver(cfg, batch[0])
                continue
            # UserDataSaved's handler is `async void` on the real server: events fired close
            # together race, so the later one may arrive first. Emulate the worst case: gather
            # what is queued right now and send it newest first.
            await asyncio.sleep(cfg.reorder_window)
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            for data in reversed(batch):
                await self._deliver(cfg, data)

    async def _deliver(self, cfg: WebhookConfig, data: dict[str, Any]) -> None:
        try:
            await self._post(cfg, data)
        except Exception as exc:  # no retries: the plugin only logs failures
            log.warning("webhook delivery to %s failed: %s", cfg.url, exc)

    def _headers(self, cfg: WebhookConfig) -> dict[str, str]:
        out = {"User-Agent": f"Jellyfin-Server/{self.state.version}"}
        ctype = "text/plain; charset=utf-8"
        for k, v in cfg.headers.items():
            if k.lower() == "content-type":
                ctype = f"{v.split(';')[0].strip()}; charset=utf-8"
            else:
                out[k] = v
        out["Content-Type"] = ctype
        return out

    async def _post(self, cfg: WebhookConfig, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        headers = self._headers(cfg)
        self.state.webhook_log.append(
            {"url": cfg.url, "at": datetime.now(UTC).isoformat(), "type": data["NotificationType"]}
        )
        if cfg.split_body:
            status = await post_in_segments(cfg.url, headers, body, cfg.segment_pause)
        else:
            if self._session is None:
                self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            async with self._session.post(cfg.url, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        if status >= 400:
            log.warning("webhook %s answered %s", cfg.url, status)


async def post_in_segments(
    url: str, headers: dict[str, str], body: bytes, pause: float, timeout: float = 10.0
) -> int:
    """POST over plain HTTP/1.1 with the body really split: part, drain, pause, the rest.

    On a real network the plugin's body arrives in as many TCP segments as the path makes;
    a receiver that reads only what has already arrived gets half a JSON document.
    """
    target = URL(url)
    if target.scheme != "http" or target.host is None:
        raise ValueError(f"segmented delivery needs a plain http:// URL, not {url!r}")
    reader, writer = await asyncio.open_connection(target.host, target.port or 80)
    # No Nagle: each write leaves as its own segment instead of being coalesced.
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        async with asyncio.timeout(timeout):
            head = [f"POST {target.raw_path_qs} HTTP/1.1", f"Host: {target.host}:{target.port}"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            head += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
            half = max(1, len(body) // 2)
            writer.write("\r\n".join(head).encode() + body[:half])
            await writer.drain()
            await asyncio.sleep(pause)
            writer.write(body[half:])
            await writer.drain()
            status_line = await reader.readline()
            await reader.read()  # the rest of the answer, until the receiver closes
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    parts = status_line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
