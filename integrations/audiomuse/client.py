"""An async client for AudioMuse-AI's REST API (v3.x)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.audiomuse.const import DEFAULT_TIMEOUT, SLOW_TIMEOUT
from integrations.audiomuse.exceptions import (
    AudioMuseAuthenticationError,
    AudioMuseConnectionError,
    AudioMuseError,
    AudioMuseIndexError,
    AudioMuseNotFoundError,
    AudioMuseResponseError,
    AudioMuseSetupRequiredError,
    AudioMuseTimeoutError,
)
from integrations.audiomuse.models import AudioMuseTask, AudioMuseTrack

INDEX_ERROR_CODE = 3002


class AudioMuseClient(SessionOwner):
    """Talks to one AudioMuse-AI server with `Authorization: Bearer <API_TOKEN>`."""

    transport_errors = TransportErrors(
        "AudioMuse", AudioMuseTimeoutError, AudioMuseConnectionError, AudioMuseError
    )

    def __init__(
        self,
        base_url: str,
        api_token: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self._token = api_token
        self.request_timeout = request_timeout

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int | float] | None = None,
        body: dict[str, Any] | None = None,
        timeout: float | None = None,
        auth: bool = True,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        url = f"{self.base_url}{path}"
        reply = await self._exchange(
            method,
            url,
            timeout=timeout,
            params=params,
            json=body,
            headers=headers,
            allow_redirects=False,
        )
        status, text = reply.status, reply.text
        if status in (301, 302, 303, 307, 308):
            # Paths outside /api/ send unauthenticated callers to the login page.
            raise AudioMuseAuthenticationError(f"AudioMuse at {self.base_url} wants a login")
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError as err:
            raise AudioMuseResponseError(
                f"AudioMuse at {self.base_url} answered {status} with a body that is not JSON",
                status,
            ) from err
        if status < 400:
            return data
        message = str(data.get("error", "")) if isinstance(data, dict) else ""
        if status == 401:
            raise AudioMuseAuthenticationError(f"AudioMuse at {self.base_url} returned 401")
        if status == 403:
            if message == "Setup required":
                raise AudioMuseSetupRequiredError(f"AudioMuse at {self.base_url}: setup required")
            raise AudioMuseAuthenticationError(f"AudioMuse at {self.base_url} returned 403")
        if status == 404:
            raise AudioMuseNotFoundError(message or "Not found", status)
        if (
            status == 503
            and isinstance(data, dict)
            and (data.get("error_code") == INDEX_ERROR_CODE or "not loaded" in message)
        ):
            raise AudioMuseIndexError(message or "AudioMuse has no index yet", status)
        raise AudioMuseResponseError(f"AudioMuse answered {status}: {message}", status)

    @staticmethod
    def _rows(data: Any) -> list[AudioMuseTrack]:
        if not isinstance(data, list):
            raise AudioMuseResponseError("AudioMuse answered an unexpected body (not a list)")
        return [
            AudioMuseTrack.from_dict(r) for r in data if isinstance(r, dict) and r.get("item_id")
        ]

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise AudioMuseResponseError("AudioMuse answered an unexpected body (not an object)")
        return data

    # -- probes ------------------------------------------------------------------------------

    async def health(self) -> bool:
        """GET /api/health, open without a token: True when AudioMuse answers `ok`."""
        data = self._object(await self._request("GET", "/api/health", auth=False))
        if data.get("status") != "ok":
            raise AudioMuseResponseError("That URL did not answer like AudioMuse-AI")
        return True

    async def config(self) -> dict[str, Any]:
        """GET /api/config (authenticated; a flat object with no secrets)."""
        return self._object(await self._request("GET", "/api/config"))

    # -- similarity --------------------------------------------------------------------------

    async def similar_tracks(
        self, item_id: str, n: int = 10, *, eliminate_duplicates: bool = True
    ) -> list[AudioMuseTrack]:
        """Similar songs in radius-walk order (seed excluded, may be shorter than n)."""
        params: dict[str, str | int | float] = {
            "item_id": item_id,
            "n": n,
            # Despite its name this is the per-artist cap.
            "eliminate_duplicates": "true" if eliminate_duplicates else "false",
            "radius_similarity": "true",
        }
        return self._rows(await self._request("GET", "/api/similar_tracks", params=params))

    async def search_tracks(self, query: str, limit: int = 20) -> list[AudioMuseTrack]:
        """Tracks whose title, artist or album contain every word of query."""
        params: dict[str, str | int | float] = {"search_query": query, "start": 0, "end": limit}
        return self._rows(await self._request("GET", "/api/search_tracks", params=params))

    async def text_search(self, query: str, limit: int = 100) -> list[AudioMuseTrack]:
        """CLAP text search ("calm piano songs"), best first."""
        data = self._object(
            await self._request(
                "POST",
                "/api/clap/search",
                body={"query": query, "limit": limit},
                timeout=SLOW_TIMEOUT,
            )
        )
        return self._rows(data.get("results", []))

    async def alchemy(
        self,
        add: Sequence[str],
        subtract: Sequence[str] = (),
        *,
        n: int = 100,
        temperature: float | None = None,
        subtract_distance: float | None = None,
    ) -> list[AudioMuseTrack]:
        """Song Alchemy: near the added songs, away from the subtracted ones."""
        items = [{"id": i, "op": "ADD", "type": "song"} for i in add]
        items += [{"id": i, "op": "SUBTRACT", "type": "song"} for i in subtract]
        body: dict[str, Any] = {"items": items, "n": n}
        if temperature is not None:
            body["temperature"] = temperature
        if subtract_distance is not None:
            body["subtract_distance"] = subtract_distance
        data = self._object(
            await self._request("POST", "/api/alchemy", body=body, timeout=SLOW_TIMEOUT)
        )
        return self._rows(data.get("results", []))

    async def find_path(
        self, start: str, end: str, *, max_steps: int = 25, fix_size: bool = False
    ) -> list[AudioMuseTrack]:
        """Song Path from start to end, both endpoints included."""
        params: dict[str, str | int | float] = {
            "start_song_id": start,
            "end_song_id": end,
            "max_steps": max_steps,
        }
        if fix_size:
            params["path_fix_size"] = "true"
        data = self._object(
            await self._request("GET", "/api/find_path", params=params, timeout=SLOW_TIMEOUT)
        )
        return self._rows(data.get("path", []))

    # -- tasks -------------------------------------------------------------------------------

    async def start_analysis(self) -> AudioMuseTask:
        """Start an (incremental) analysis of the library; 409 while one runs."""
        return AudioMuseTask.from_dict(
            self._object(await self._request("POST", "/api/analysis/start", body={}))
        )

    async def task_status(self, task_id: str) -> AudioMuseTask:
        """One task's state (NEW/RUNNING/SUCCESS/FAIL/REVOKED, or the older names)."""
        return AudioMuseTask.from_dict(
            self._object(await self._request("GET", f"/api/status/{task_id}"))
        )

    async def active_task(self) -> AudioMuseTask | None:
        """The task running now, None when idle."""
        data = self._object(await self._request("GET", "/api/active_tasks"))
        return AudioMuseTask.from_dict(data) if data else None

    async def last_task(self) -> AudioMuseTask | None:
        """The last main task, None when nothing ever ran."""
        data = self._object(await self._request("GET", "/api/last_task"))
        if data.get("task_id") is None:
            return None
        return AudioMuseTask.from_dict(data)
