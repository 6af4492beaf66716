"""An async client for slskd's v0 REST API (searches, downloads, the download folder)."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.slskd.const import (
    API,
    DEFAULT_TIMEOUT,
    FILE_LIMIT,
    MAX_PEER_QUEUE,
    RESPONSE_LIMIT,
)
from integrations.slskd.exceptions import (
    SlskdAuthenticationError,
    SlskdBusyError,
    SlskdConnectionError,
    SlskdError,
    SlskdNotConnectedError,
    SlskdNotFoundError,
    SlskdResponseError,
    SlskdTimeoutError,
)
from integrations.slskd.models import (
    SlskdApplication,
    SlskdFile,
    SlskdListing,
    SlskdSearch,
    SlskdTransfer,
    response_files,
    user_transfers,
)


class SlskdClient(SessionOwner):
    """Talks to one slskd with `X-API-Key`; every method returns typed models."""

    transport_errors = TransportErrors("slskd", SlskdTimeoutError, SlskdConnectionError, SlskdError)

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
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        headers = {"X-API-Key": self._api_key, "Accept": "application/json"}
        url = f"{self.base_url}{API}{path}"
        reply = await self._exchange(
            method, url, params=params, json=body, headers=headers, allow_redirects=False
        )
        status, text = reply.status, reply.text
        if status in (401, 403):
            raise SlskdAuthenticationError(f"slskd at {self.base_url} returned {status}")
        if status == 404:
            raise SlskdNotFoundError(f"slskd at {self.base_url} returned 404 for {path}", 404)
        if status == 429:
            raise SlskdBusyError(text[:200] or "slskd is busy", 429)
        if status >= 400:
            # Errors are plain text or ProblemDetails JSON; keep the text short.
            raise SlskdResponseError(f"slskd answered {status}: {text[:300]}", status)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise SlskdResponseError(
                f"slskd at {self.base_url} answered a body that is not JSON", status
            ) from err

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise SlskdResponseError("slskd answered an unexpected body (not an object)")
        return data

    @staticmethod
    def _list(data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            raise SlskdResponseError("slskd answered an unexpected body (not a list)")
        return [d for d in data if isinstance(d, dict)]

    # -- application -------------------------------------------------------------------------

    async def application(self) -> SlskdApplication:
        """GET /application: version and the Soulseek server connection."""
        return SlskdApplication.from_dict(self._object(await self._request("GET", "/application")))

    async def downloads_listing(self) -> SlskdListing:
        """GET /files/downloads/directories: the download folder's path and what is in it."""
        data = await self._request("GET", "/files/downloads/directories")
        return SlskdListing.from_dict(self._object(data))

    # -- searches ----------------------------------------------------------------------------

    async def search(self, text: str, *, timeout_ms: int) -> SlskdSearch:
        """POST /searches; `searchTimeout` is in milliseconds (Soulseek.NET's unit)."""
        body = {
            "id": str(uuid.uuid4()),
            "searchText": text,
            "searchTimeout": int(timeout_ms),
            "responseLimit": RESPONSE_LIMIT,
            "fileLimit": FILE_LIMIT,
            "filterResponses": True,
            "minimumResponseFileCount": 1,
            "maximumPeerQueueLength": MAX_PEER_QUEUE,
            "minimumPeerUploadSpeed": 0,
        }
        try:
            data = await self._request("POST", "/searches", body=body)
        except SlskdResponseError as err:
            if err.status == 409:
                raise SlskdNotConnectedError(
                    "slskd is not connected to the Soulseek network", 409
                ) from err
            raise
        return SlskdSearch.from_dict(self._object(data))

    async def get_search(self, search_id: str) -> SlskdSearch:
        """GET /searches/{id} (without responses)."""
        data = await self._request("GET", f"/searches/{quote(search_id, safe='')}")
        return SlskdSearch.from_dict(self._object(data))

    async def search_files(self, search_id: str) -> list[SlskdFile]:
        """GET /searches/{id}/responses: every file of every response."""
        data = self._list(
            await self._request("GET", f"/searches/{quote(search_id, safe='')}/responses")
        )
        return [f for response in data for f in response_files(response)]

    async def delete_search(self, search_id: str) -> None:
        """DELETE /searches/{id} (204)."""
        await self._request("DELETE", f"/searches/{quote(search_id, safe='')}")

    # -- transfers ---------------------------------------------------------------------------

    async def enqueue(self, username: str, filename: str, size: int) -> list[SlskdTransfer]:
        """POST /transfers/downloads/{username}; the transfers slskd enqueued (maybe none)."""
        path = f"/transfers/downloads/{quote(username, safe='')}"
        data = await self._request("POST", path, body=[{"filename": filename, "size": size}])
        if isinstance(data, dict):
            enqueued = data.get("enqueued") or data.get("Enqueued") or []
            return [SlskdTransfer.from_dict(t) for t in enqueued if isinstance(t, dict)]
        return []

    async def downloads(self) -> list[SlskdTransfer]:
        """GET /transfers/downloads: every download, grouped by user and directory there."""
        data = self._list(await self._request("GET", "/transfers/downloads"))
        return [t for user in data for t in user_transfers(user)]

    async def cancel_download(self, username: str, transfer_id: str, *, remove: bool) -> None:
        """DELETE /transfers/downloads/{username}/{id}[?remove=true]."""
        path = f"/transfers/downloads/{quote(username, safe='')}/{quote(transfer_id, safe='')}"
        params = {"remove": "true"} if remove else None
        await self._request("DELETE", path, params=params)
