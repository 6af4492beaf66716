"""An async client for Deezer's public API (no authentication: public playlists only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.deezer.const import (
    DEFAULT_TIMEOUT,
    DEFAULT_URL,
    NOT_FOUND_CODES,
    PAGE_LIMIT,
    PERMISSION_CODES,
    QUOTA_CODES,
    QUOTA_PAUSE_SECONDS,
    QUOTA_RETRIES,
)
from integrations.deezer.exceptions import (
    DeezerConnectionError,
    DeezerError,
    DeezerNotFoundError,
    DeezerPermissionError,
    DeezerQuotaError,
    DeezerResponseError,
    DeezerTimeoutError,
)
from integrations.deezer.models import DeezerPlaylist, DeezerTrack

Progress = Callable[[int, int], None]


class DeezerClient(SessionOwner):
    """Reads public playlists; errors that Deezer sends as HTTP 200 become exceptions."""

    transport_errors = TransportErrors(
        "Deezer", DeezerTimeoutError, DeezerConnectionError, DeezerError
    )

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        quota_pause: float = QUOTA_PAUSE_SECONDS,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.quota_pause = quota_pause

    async def _request(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        for attempt in range(QUOTA_RETRIES + 1):
            try:
                return await self._request_once(path, params)
            except DeezerQuotaError:
                if attempt == QUOTA_RETRIES:
                    raise
                await asyncio.sleep(self.quota_pause * (attempt + 1))
        raise DeezerError("unreachable")  # pragma: no cover

    async def _request_once(self, path: str, params: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        reply = await self._exchange("GET", url, params=params)
        status, text = reply.status, reply.text
        if status >= 400:
            raise DeezerResponseError(f"Deezer at {self.base_url} answered HTTP {status}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise DeezerResponseError(
                f"Deezer at {self.base_url} answered a non-JSON body"
            ) from err
        if not isinstance(data, dict):
            raise DeezerResponseError(f"Deezer at {self.base_url} answered an unexpected body")
        error = data.get("error")
        if isinstance(error, dict):
            # Deezer reports errors inside an HTTP 200: {"error": {type, message, code}}.
            code = error.get("code")
            message = f"Deezer: {error.get('type', 'Error')}: {error.get('message', '')}"
            if code in QUOTA_CODES:
                raise DeezerQuotaError(message, code)
            if code in NOT_FOUND_CODES:
                raise DeezerNotFoundError(message, code)
            if code in PERMISSION_CODES:
                raise DeezerPermissionError(message, code)
            raise DeezerResponseError(message, code if isinstance(code, int) else None)
        return data

    async def infos(self) -> dict[str, Any]:
        """`GET /infos`: the country and whether the API serves it (a cheap health check)."""
        return await self._request("/infos")

    async def playlist(self, playlist_id: str) -> DeezerPlaylist:
        """A playlist's header."""
        return DeezerPlaylist.from_dict(await self._request(f"/playlist/{playlist_id}"))

    async def playlist_tracks(
        self, playlist_id: str, progress: Progress | None = None
    ) -> list[DeezerTrack]:
        """Every track, following `next` page by page (the embedded list may be cut short)."""
        tracks: list[DeezerTrack] = []
        path: str | None = f"/playlist/{playlist_id}/tracks"
        params: dict[str, Any] | None = {"index": 0, "limit": PAGE_LIMIT}
        while path is not None:
            page = await self._request(path, params)
            items = page.get("data") or []
            tracks.extend(DeezerTrack.from_dict(i) for i in items if isinstance(i, dict))
            total = int(page.get("total") or len(tracks))
            if progress is not None:
                progress(len(tracks), total)
            following = page.get("next")
            if not items or not isinstance(following, str) or len(tracks) >= total:
                break
            # `next` is an absolute api.deezer.com URL; keep our own base (and host).
            parts = urlsplit(following)
            path, params = parts.path, None
            if parts.query:
                path = f"{parts.path}?{parts.query}"
        return tracks
