"""Deezer as a playlist source for imports: URL recognition and the track list."""

from __future__ import annotations

import re

from companion.providers import ProviderUnavailable
from companion.providers.sources import (
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
    SourcePlaylistPrivate,
    SourceTrack,
)
from integrations.deezer.client import DeezerClient
from integrations.deezer.exceptions import (
    DeezerError,
    DeezerNotFoundError,
    DeezerPermissionError,
)

# deezer.com/playlist/123, deezer.com/en/playlist/123, www.deezer.com/us/playlist/123?utm=...
_URL = re.compile(r"^https?://(?:www\.)?deezer\.com/(?:[a-z]{2}(?:-[a-z]{2})?/)?playlist/(\d+)")


class DeezerSource:
    """Public Deezer playlists by URL."""

    name = "deezer"
    label = "Deezer"

    def __init__(self, client: DeezerClient) -> None:
        self._client = client

    def playlist_id(self, url: str) -> str | None:
        """The numeric id of a deezer.com playlist URL."""
        found = _URL.match(url)
        return found.group(1) if found else None

    async def fetch(self, playlist_id: str, progress: Progress | None = None) -> SourcePlaylist:
        """The playlist's tracks, every page of them."""
        try:
            header = await self._client.playlist(playlist_id)
            tracks = await self._client.playlist_tracks(playlist_id, progress)
        except DeezerNotFoundError as err:
            raise SourcePlaylistMissing(
                "Deezer has no such playlist (it was removed, or the link is wrong)."
            ) from err
        except DeezerPermissionError as err:
            raise SourcePlaylistPrivate(
                "That Deezer playlist is private. Make it public in Deezer, or export it as CSV."
            ) from err
        except DeezerError as err:
            raise ProviderUnavailable(f"Deezer did not answer: {err}") from err
        return SourcePlaylist(
            name=header.title or f"Deezer playlist {playlist_id}",
            source="deezer",
            url=f"https://www.deezer.com/playlist/{playlist_id}",
            tracks=tuple(
                SourceTrack(
                    title=t.title,
                    artists=(t.artist,) if t.artist else (),
                    album=t.album,
                    duration_s=t.duration_s,
                    isrc=t.isrc,
                    source_id=f"deezer:{t.id}",
                )
                for t in tracks
            ),
            notice="Deezer lists only each track's main artist.",
        )
