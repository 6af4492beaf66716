"""Spotify as a playlist source for imports: public playlists through the embed page."""

from __future__ import annotations

import re

from companion.providers import ProviderUnavailable
from companion.providers.sources import (
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
    SourceTrack,
)
from integrations.spotify.client import SpotifyClient
from integrations.spotify.const import EMBED_LIMIT
from integrations.spotify.exceptions import SpotifyError, SpotifyNotFoundError

_URL = re.compile(
    r"^(?:https?://open\.spotify\.com/(?:intl-[a-z]{2}/)?(?:embed/)?playlist/|spotify:playlist:)"
    r"([A-Za-z0-9]{22})"
)
NOTICE = (
    "Spotify's public page lists at most {limit} tracks and no album or ISRC, so matches rely "
    "on titles, artists and lengths. For the full playlist with albums and ISRCs, export it "
    "with Exportify and import the CSV."
)


class SpotifySource:
    """Public Spotify playlists by URL (the Web API no longer serves other users' playlists)."""

    name = "spotify"
    label = "Spotify"

    def __init__(self, client: SpotifyClient) -> None:
        self._client = client

    def playlist_id(self, url: str) -> str | None:
        """The 22-character id of an open.spotify.com playlist URL or spotify: URI."""
        found = _URL.match(url)
        return found.group(1) if found else None

    async def fetch(self, playlist_id: str, progress: Progress | None = None) -> SourcePlaylist:
        """The tracks the embed page shows."""
        try:
            playlist = await self._client.embed_playlist(playlist_id)
        except SpotifyNotFoundError as err:
            raise SourcePlaylistMissing(
                "Spotify shows no public playlist at that link: it is private or was removed. "
                "Export it with Exportify and import the CSV instead."
            ) from err
        except SpotifyError as err:
            raise ProviderUnavailable(f"Spotify did not answer: {err}") from err
        tracks = tuple(
            SourceTrack(title=t.title, artists=t.artists, duration_s=t.duration_s, source_id=t.uri)
            for t in playlist.tracks
        )
        if progress is not None:
            progress(len(tracks), len(tracks))
        return SourcePlaylist(
            name=playlist.name or "Spotify playlist",
            source="spotify",
            url=f"https://open.spotify.com/playlist/{playlist_id}",
            tracks=tracks,
            notice=NOTICE.format(limit=EMBED_LIMIT),
        )
