"""An async client for Lidarr's v1 REST API (the calls "add to library" makes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.lidarr.const import API, DEFAULT_TIMEOUT, QUEUE_PAGE_SIZE
from integrations.lidarr.exceptions import (
    LidarrAuthenticationError,
    LidarrConnectionError,
    LidarrError,
    LidarrNotFoundError,
    LidarrResponseError,
    LidarrTimeoutError,
    LidarrValidationError,
)
from integrations.lidarr.models import (
    LidarrAlbum,
    LidarrCommand,
    LidarrProfile,
    LidarrQueueRecord,
    LidarrRootFolder,
    LidarrStatus,
    LidarrTrackFile,
)

Params = dict[str, str | int | bool | list[int]]


class LidarrClient(SessionOwner):
    """Talks to one Lidarr with `X-Api-Key`; every method returns typed models."""

    transport_errors = TransportErrors(
        "Lidarr", LidarrTimeoutError, LidarrConnectionError, LidarrError
    )

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.request_timeout = request_timeout

    async def _request(
        self, method: str, path: str, *, params: Params | None = None, body: Any = None
    ) -> Any:
        headers = {"X-Api-Key": self._api_key, "Accept": "application/json"}
        query: list[tuple[str, str]] = []
        for key, value in (params or {}).items():
            values = value if isinstance(value, list) else [value]
            for one in values:
                text = ("true" if one else "false") if isinstance(one, bool) else str(one)
                query.append((key, text))
        url = f"{self.base_url}{API}{path}"
        reply = await self._exchange(
            method, url, params=query, json=body, headers=headers, allow_redirects=False
        )
        status, text = reply.status, reply.text
        if status == 401:
            raise LidarrAuthenticationError(f"Lidarr at {self.base_url} returned 401")
        try:
            data = json.loads(text) if text else None
        except json.JSONDecodeError as err:
            if status >= 400:
                raise LidarrResponseError(f"Lidarr answered {status}", status) from err
            raise LidarrResponseError(
                f"Lidarr at {self.base_url} answered a body that is not JSON", status
            ) from err
        if status < 300:
            return data
        if status == 404:
            raise LidarrNotFoundError(f"Lidarr at {self.base_url} returned 404 for {path}", status)
        if status == 400 and isinstance(data, list):
            # FluentValidation failures: [{propertyName, errorMessage, attemptedValue, ...}].
            messages = [
                str(f.get("errorMessage"))
                for f in data
                if isinstance(f, dict) and f.get("errorMessage")
            ]
            raise LidarrValidationError(messages, status)
        message = data.get("message") if isinstance(data, dict) else None
        raise LidarrResponseError(f"Lidarr answered {status}: {message or text[:200]}", status)

    @staticmethod
    def _list(data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            raise LidarrResponseError("Lidarr answered an unexpected body (not a list)")
        return [d for d in data if isinstance(d, dict)]

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise LidarrResponseError("Lidarr answered an unexpected body (not an object)")
        return data

    # -- system and settings -----------------------------------------------------------------

    async def status(self) -> LidarrStatus:
        """GET /system/status."""
        return LidarrStatus.from_dict(self._object(await self._request("GET", "/system/status")))

    async def root_folders(self) -> list[LidarrRootFolder]:
        """GET /rootfolder."""
        data = self._list(await self._request("GET", "/rootfolder"))
        return [LidarrRootFolder.from_dict(d) for d in data]

    async def quality_profiles(self) -> list[LidarrProfile]:
        """GET /qualityprofile."""
        return [
            LidarrProfile.from_dict(d)
            for d in self._list(await self._request("GET", "/qualityprofile"))
        ]

    async def metadata_profiles(self) -> list[LidarrProfile]:
        """GET /metadataprofile."""
        data = self._list(await self._request("GET", "/metadataprofile"))
        return [LidarrProfile.from_dict(d) for d in data]

    async def path_type(self, path: str) -> str:
        """GET /filesystem/type: "file" when Lidarr sees a file at path, else "folder"."""
        data = self._object(await self._request("GET", "/filesystem/type", params={"path": path}))
        return str(data.get("type") or "folder")

    # -- albums and artists ------------------------------------------------------------------

    async def lookup_albums(self, term: str) -> list[LidarrAlbum]:
        """GET /album/lookup?term= (Lidarr's metadata; results have id 0 unless added)."""
        data = self._list(await self._request("GET", "/album/lookup", params={"term": term}))
        return [LidarrAlbum.from_dict(d) for d in data]

    async def albums_by_foreign_id(self, foreign_album_id: str) -> list[LidarrAlbum]:
        """GET /album?foreignAlbumId= (empty when the album is not in the library)."""
        data = await self._request("GET", "/album", params={"foreignAlbumId": foreign_album_id})
        return [LidarrAlbum.from_dict(d) for d in self._list(data)]

    async def albums(self, album_ids: Sequence[int]) -> list[LidarrAlbum]:
        """GET /album?albumIds=1&albumIds=2."""
        data = await self._request("GET", "/album", params={"albumIds": list(album_ids)})
        return [LidarrAlbum.from_dict(d) for d in self._list(data)]

    async def add_artist(
        self,
        *,
        foreign_artist_id: str,
        artist_name: str,
        root_folder_path: str,
        quality_profile_id: int,
        metadata_profile_id: int,
        albums_to_monitor: Sequence[str],
    ) -> None:
        """POST /artist monitoring only the given albums, without a search of the rest."""
        body = {
            "foreignArtistId": foreign_artist_id,
            "artistName": artist_name,
            "qualityProfileId": quality_profile_id,
            "metadataProfileId": metadata_profile_id,
            "rootFolderPath": root_folder_path,
            "monitored": True,
            "monitorNewItems": "none",
            "addOptions": {
                "monitor": "none",
                "albumsToMonitor": list(albums_to_monitor),
                "monitored": True,
                "searchForMissingAlbums": False,
            },
        }
        await self._request("POST", "/artist", body=body)

    async def artist_ids(self, foreign_artist_id: str) -> list[int]:
        """GET /artist?mbId=: the library id of the artist with that MusicBrainz id (or none)."""
        data = await self._request("GET", "/artist", params={"mbId": foreign_artist_id})
        return [int(a["id"]) for a in self._list(data) if isinstance(a.get("id"), int)]

    async def monitor_albums(self, album_ids: Sequence[int], monitored: bool = True) -> None:
        """PUT /album/monitor."""
        body = {"albumIds": list(album_ids), "monitored": monitored}
        await self._request("PUT", "/album/monitor", body=body)

    # -- commands, queue and files -----------------------------------------------------------

    async def command(self, name: str, **fields: Any) -> LidarrCommand:
        """POST /command {name, ...}, e.g. AlbumSearch with albumIds."""
        data = await self._request("POST", "/command", body={"name": name, **fields})
        return LidarrCommand.from_dict(self._object(data))

    async def get_command(self, command_id: int) -> LidarrCommand:
        """GET /command/{id}."""
        data = await self._request("GET", f"/command/{int(command_id)}")
        return LidarrCommand.from_dict(self._object(data))

    async def queue(self) -> list[LidarrQueueRecord]:
        """Every record of GET /queue, paged."""
        records: list[LidarrQueueRecord] = []
        page = 1
        while True:
            params: Params = {
                "page": page,
                "pageSize": QUEUE_PAGE_SIZE,
                "includeUnknownArtistItems": False,
                "includeAlbum": False,
            }
            data = self._object(await self._request("GET", "/queue", params=params))
            rows = self._list(data.get("records", []))
            records.extend(LidarrQueueRecord.from_dict(r) for r in rows)
            total = data.get("totalRecords")
            if not rows or not isinstance(total, int) or len(records) >= total:
                return records
            page += 1

    async def track_files(self, album_id: int) -> list[LidarrTrackFile]:
        """GET /trackfile?albumId=."""
        data = await self._request("GET", "/trackfile", params={"albumId": int(album_id)})
        return [LidarrTrackFile.from_dict(d) for d in self._list(data)]
