"""Session, remote-control, playback-reporting and URL-building parts of the Jellyfin client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from yarl import URL

from integrations.jellyfin.base import JellyfinBase, join_ids
from integrations.jellyfin.models import Session, normalize_id
from integrations.jellyfin.transport import ParamValue


@dataclass(frozen=True, slots=True)
class QueueState:
    """The player's queue as a playback report carries it (PlaybackStartInfo fields)."""

    item_ids: Sequence[str] = ()
    # RepeatNone | RepeatAll | RepeatOne, and Default | Shuffle.
    repeat_mode: str = "RepeatNone"
    playback_order: str = "Default"


def _queue_fields(queue: QueueState | None) -> dict[str, Any]:
    if queue is None:
        return {}
    return {
        "RepeatMode": queue.repeat_mode,
        "PlaybackOrder": queue.playback_order,
        # PlaylistItemId only has to be unique within the queue.
        "NowPlayingQueue": [
            {"Id": normalize_id(i), "PlaylistItemId": f"playlistItem{n}"}
            for n, i in enumerate(queue.item_ids)
        ],
    }


class SessionsMixin(JellyfinBase):
    """Sessions, remote control, playback reports, and stream/image URLs."""

    async def sessions(self, controllable_by_user_id: str | None = None) -> list[Session]:
        """The active sessions, optionally only those a user may control."""
        uid = normalize_id(controllable_by_user_id) if controllable_by_user_id else None
        sessions: list[Session] = await self._get_list(
            "/Sessions", Session.from_dict, params={"controllableByUserId": uid}
        )
        return sessions

    async def send_play_command(
        self,
        session_id: str,
        item_ids: Sequence[str],
        command: str = "PlayNow",
        start_index: int | None = None,
    ) -> None:
        """Tell a session to play items (PlayNow, PlayNext, PlayLast, PlayInstantMix, ...)."""
        params: dict[str, ParamValue] = {
            "playCommand": command,
            "itemIds": join_ids(item_ids),
            "startIndex": start_index,
        }
        path = f"/Sessions/{normalize_id(session_id)}/Playing"
        await self._request("POST", path, params=params, expect="none")

    async def send_playstate(self, session_id: str, command: str) -> None:
        """Send Stop, Pause, Unpause, PlayPause, NextTrack or PreviousTrack to a session."""
        path = f"/Sessions/{normalize_id(session_id)}/Playing/{command}"
        await self._request("POST", path, expect="none")

    async def report_playback_start(
        self,
        item_id: str,
        *,
        position_ticks: int = 0,
        play_session_id: str | None = None,
        media_source_id: str | None = None,
        is_paused: bool = False,
        play_method: str = "DirectPlay",
        queue: QueueState | None = None,
    ) -> None:
        """Report that this client started playing an item (counts a play for a user token)."""
        body = _playback_body(item_id, position_ticks, play_session_id, media_source_id)
        body |= {"IsPaused": is_paused, "CanSeek": True, "PlayMethod": play_method}
        body |= _queue_fields(queue)
        await self._request("POST", "/Sessions/Playing", json=body, expect="none")

    async def report_playback_progress(
        self,
        item_id: str,
        *,
        position_ticks: int,
        play_session_id: str | None = None,
        media_source_id: str | None = None,
        is_paused: bool = False,
        play_method: str = "DirectPlay",
        queue: QueueState | None = None,
    ) -> None:
        """Report the position of the item being played."""
        body = _playback_body(item_id, position_ticks, play_session_id, media_source_id)
        body |= {"IsPaused": is_paused, "CanSeek": True, "PlayMethod": play_method}
        body |= _queue_fields(queue)
        await self._request("POST", "/Sessions/Playing/Progress", json=body, expect="none")

    async def report_playback_stopped(
        self,
        item_id: str,
        *,
        position_ticks: int | None = None,
        play_session_id: str | None = None,
        media_source_id: str | None = None,
        failed: bool = False,
    ) -> None:
        """Report that playback stopped; without position_ticks Jellyfin assumes a full play."""
        body = _playback_body(item_id, position_ticks, play_session_id, media_source_id)
        body["Failed"] = failed
        await self._request("POST", "/Sessions/Playing/Stopped", json=body, expect="none")

    # -- URLs handed to browsers and players --------------------------------------------------

    def stream_url(
        self,
        item_id: str,
        *,
        public_base: str | None = None,
        static: bool = True,
        max_bitrate: int | None = None,
        audio_codec: str | None = None,
        container: str | None = None,
        api_key: str | None = None,
    ) -> str:
        """Build a direct-stream URL on the public base (no request is made)."""
        query: dict[str, ParamValue] = {
            "static": static,
            "container": container,
            "audioCodec": audio_codec,
            "audioBitRate": max_bitrate,
            # ApiKey (not api_key) is the query form every supported version accepts.
            "ApiKey": api_key,
        }
        return self._public_url(public_base, f"/Audio/{normalize_id(item_id)}/stream", query)

    def image_url(
        self,
        item_id: str,
        *,
        public_base: str | None = None,
        image_type: str = "Primary",
        tag: str | None = None,
        max_width: int | None = None,
        max_height: int | None = None,
        quality: int | None = None,
    ) -> str:
        """Build an image URL on the public base; images need no token."""
        query: dict[str, ParamValue] = {
            "tag": tag,
            "maxWidth": max_width,
            "maxHeight": max_height,
            "quality": quality,
        }
        path = f"/Items/{normalize_id(item_id)}/Images/{image_type}"
        return self._public_url(public_base, path, query)

    def _public_url(self, public_base: str | None, path: str, query: dict[str, ParamValue]) -> str:
        base = (public_base or self.base_url).rstrip("/")
        url = URL(base + path)
        clean = {
            k: ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in query.items()
            if v is not None
        }
        return str(url.with_query(clean))


def _playback_body(
    item_id: str,
    position_ticks: int | None,
    play_session_id: str | None,
    media_source_id: str | None,
) -> dict[str, Any]:
    iid = normalize_id(item_id)
    body: dict[str, Any] = {"ItemId": iid, "MediaSourceId": media_source_id or iid}
    if position_ticks is not None:
        body["PositionTicks"] = position_ticks
    if play_session_id:
        body["PlaySessionId"] = play_session_id
    return body
