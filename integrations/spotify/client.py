"""An async client for Spotify's public playlist embed page (no account, no API key)."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.spotify.const import DEFAULT_TIMEOUT, DEFAULT_URL, NEXT_DATA_ID, USER_AGENT
from integrations.spotify.exceptions import (
    SpotifyConnectionError,
    SpotifyError,
    SpotifyNotFoundError,
    SpotifyResponseError,
)
from integrations.spotify.models import EmbedPlaylist

_NEXT_DATA = re.compile(
    rf'<script[^>]*id="{NEXT_DATA_ID}"[^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE
)


class SpotifyClient(SessionOwner):
    """Reads public playlists from open.spotify.com/embed/playlist/{id}."""

    transport_errors = TransportErrors(
        "Spotify", SpotifyConnectionError, SpotifyConnectionError, SpotifyError
    )

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout

    async def _request(self, path: str) -> str:
        reply = await self._exchange(
            "GET", f"{self.base_url}{path}", headers={"User-Agent": USER_AGENT}
        )
        status, text = reply.status, reply.text
        if status in (400, 404):
            raise SpotifyNotFoundError(path)
        if status >= 400:
            raise SpotifyResponseError(f"Spotify at {self.base_url} answered HTTP {status}")
        return text

    async def embed_playlist(self, playlist_id: str) -> EmbedPlaylist:
        """The playlist the embed page renders (name and up to about 100 tracks)."""
        page = await self._request(f"/embed/playlist/{playlist_id}")
        found = _NEXT_DATA.search(page)
        if found is None:
            raise SpotifyResponseError("The Spotify embed page carries no playlist data")
        try:
            data: Any = json.loads(found.group(1))
            entity = data["props"]["pageProps"]["state"]["data"]["entity"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            # An embed page without an entity: the playlist is private or gone.
            raise SpotifyNotFoundError(playlist_id) from err
        if not isinstance(entity, dict):
            raise SpotifyNotFoundError(playlist_id)
        return EmbedPlaylist.from_entity(entity)
