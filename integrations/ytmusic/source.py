"""YouTube Music as a playlist source for imports."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from companion.providers import ProviderUnavailable
from companion.providers.sources import (
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
    SourceTrack,
)
from integrations.ytmusic.client import YTMusicClient
from integrations.ytmusic.exceptions import YTMusicError, YTMusicNotFoundError

_HOSTS = ("music.youtube.com", "www.youtube.com", "youtube.com", "m.youtube.com")
_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")


class YTMusicSource:
    """Public YouTube Music (and YouTube) playlists by URL."""

    name = "ytmusic"
    label = "YouTube Music"

    def __init__(self, client: YTMusicClient) -> None:
        self.client = client

    def playlist_id(self, url: str) -> str | None:
        """The `list=` id of a playlist URL, or a /browse/VL... id."""
        parts = urlsplit(url)
        if parts.netloc.lower() not in _HOSTS:
            return None
        found = parse_qs(parts.query).get("list", [""])[0]
        if not found and parts.path.startswith("/browse/VL"):
            found = parts.path.removeprefix("/browse/VL")
        return found if _ID.match(found) else None

    async def fetch(self, playlist_id: str, progress: Progress | None = None) -> SourcePlaylist:
        """The playlist's tracks (ytmusicapi pages through continuations itself)."""
        try:
            playlist = await self.client.playlist(playlist_id)
        except YTMusicNotFoundError as err:
            raise SourcePlaylistMissing(
                "YouTube Music shows no such playlist: it is private or was removed."
            ) from err
        except YTMusicError as err:
            raise ProviderUnavailable(f"YouTube Music did not answer: {err}") from err
        tracks = tuple(
            SourceTrack(
                title=t.title,
                artists=t.artists,
                album=t.album,
                duration_s=t.duration_s,
                source_id=f"youtube:{t.video_id}" if t.video_id else None,
            )
            for t in playlist.tracks
        )
        if progress is not None:
            progress(len(tracks), len(tracks))
        no_album = sum(1 for t in tracks if not t.album)
        return SourcePlaylist(
            name=playlist.title or "YouTube Music playlist",
            source="ytmusic",
            url=f"https://music.youtube.com/playlist?list={playlist_id}",
            tracks=tracks,
            notice=f"{no_album} of the tracks are videos: YouTube Music gives no album for them."
            if no_album
            else None,
        )
