"""YouTube Music through ytmusicapi (unauthenticated), run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from integrations.ytmusic.const import DEFAULT_LANGUAGE, DEFAULT_TIMEOUT
from integrations.ytmusic.exceptions import (
    YTMusicConnectionError,
    YTMusicError,
    YTMusicNotFoundError,
)
from integrations.ytmusic.models import YTMusicPlaylist


class PlaylistReader(Protocol):
    """What the client needs of ytmusicapi.YTMusic (the fake implements the same)."""

    def get_playlist(self, playlistId: str, limit: int | None = 100) -> dict[str, Any]:
        """ytmusicapi's get_playlist."""
        ...


def _default_factory(language: str) -> Callable[[], PlaylistReader]:
    def make() -> PlaylistReader:
        from ytmusicapi import YTMusic

        return YTMusic(language=language)

    return make


class YTMusicClient:
    """Reads public playlists; ytmusicapi is synchronous, so each call runs in a thread."""

    def __init__(
        self,
        language: str = DEFAULT_LANGUAGE,
        *,
        factory: Callable[[], PlaylistReader] | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.factory = factory or _default_factory(language)
        self.request_timeout = request_timeout

    def _read(self, playlist_id: str) -> dict[str, Any]:
        reader = self.factory()
        try:
            # limit=None: every track; ytmusicapi follows the continuations itself.
            return reader.get_playlist(playlist_id, limit=None)
        except (KeyError, IndexError, TypeError) as err:
            # No playlist header in the answer: YouTube shows nothing to a visitor.
            raise YTMusicNotFoundError(playlist_id) from err
        except Exception as err:
            text = str(err)
            if "HTTP 404" in text or "HTTP 400" in text or "HTTP 403" in text:
                raise YTMusicNotFoundError(playlist_id) from err
            raise YTMusicConnectionError(
                f"YouTube Music: {text.splitlines()[0] if text else err!r}"
            ) from err

    async def playlist(self, playlist_id: str) -> YTMusicPlaylist:
        """A public playlist with every track."""
        try:
            async with asyncio.timeout(self.request_timeout):
                data = await asyncio.to_thread(self._read, playlist_id)
        except TimeoutError as err:
            raise YTMusicConnectionError("YouTube Music timed out") from err
        if not isinstance(data, dict):
            raise YTMusicError("YouTube Music answered an unexpected shape")
        return YTMusicPlaylist.from_dict(data)
