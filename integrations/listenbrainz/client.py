"""An async client for ListenBrainz's API v1 (tokens, listens in and out), rate-limit aware."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.listenbrainz.const import DEFAULT_TIMEOUT, MAX_ITEMS_PER_GET, MAX_RATE_WAIT
from integrations.listenbrainz.exceptions import (
    ListenBrainzAuthenticationError,
    ListenBrainzBadRequestError,
    ListenBrainzConnectionError,
    ListenBrainzError,
    ListenBrainzNotFoundError,
    ListenBrainzRateLimitError,
    ListenBrainzResponseError,
    ListenBrainzTimeoutError,
)
from integrations.listenbrainz.models import LBListen, ListensPage, RateLimit


class ListenBrainzClient(SessionOwner):
    """Talks to one ListenBrainz server; user tokens go per call (`Authorization: Token`)."""

    transport_errors = TransportErrors(
        "ListenBrainz", ListenBrainzTimeoutError, ListenBrainzConnectionError, ListenBrainzError
    )

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        max_rate_wait: float = MAX_RATE_WAIT,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.max_rate_wait = max_rate_wait
        self.rate_limit: RateLimit | None = None
        # Monotonic time before which the current window has no request left.
        self._blocked_until = 0.0

    async def _pace(self) -> None:
        wait = self._blocked_until - time.monotonic()
        if wait <= 0:
            return
        if wait > self.max_rate_wait:
            raise ListenBrainzRateLimitError("ListenBrainz's rate limit is used up", wait)
        await asyncio.sleep(wait)

    def _note_limits(self, headers: Any) -> RateLimit:
        limits = RateLimit.from_headers(headers)
        self.rate_limit = limits
        if limits.remaining == 0 and limits.reset_in is not None:
            self._blocked_until = time.monotonic() + limits.reset_in
        return limits

    async def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str | int] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        await self._pace()
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        url = f"{self.base_url}{path}"
        reply = await self._exchange(method, url, params=params, json=body, headers=headers)
        status, text = reply.status, reply.text
        limits = self._note_limits(reply.headers)
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError as err:
            raise ListenBrainzResponseError(
                f"ListenBrainz at {self.base_url} answered {status} with a body that is not JSON",
                status,
            ) from err
        if status < 400:
            return data
        message = str(data.get("error", "")) if isinstance(data, dict) else ""
        if status == 401:
            raise ListenBrainzAuthenticationError(message or "ListenBrainz refused the token")
        if status == 429:
            raise ListenBrainzRateLimitError(
                message or "ListenBrainz rate limit", limits.reset_in or 10.0
            )
        if status == 404:
            raise ListenBrainzNotFoundError(message or "Not found", status)
        if status == 400:
            raise ListenBrainzBadRequestError(message or "Bad request", status)
        raise ListenBrainzResponseError(f"ListenBrainz answered {status}: {message}", status)

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ListenBrainzResponseError("ListenBrainz answered an unexpected body")
        return data

    async def validate_token(self, token: str) -> str | None:
        """The user name behind a token, None when ListenBrainz says it is not valid."""
        data = self._object(await self._request("GET", "/1/validate-token", token=token))
        if "valid" not in data:
            raise ListenBrainzResponseError("That URL did not answer like ListenBrainz")
        return str(data["user_name"]) if data.get("valid") and data.get("user_name") else None

    async def submit(self, token: str, listen_type: str, payload: list[dict[str, Any]]) -> None:
        """POST /1/submit-listens (`single`, `import` or `playing_now`)."""
        data = self._object(
            await self._request(
                "POST",
                "/1/submit-listens",
                token=token,
                body={"listen_type": listen_type, "payload": payload},
            )
        )
        if data.get("status") != "ok":
            raise ListenBrainzResponseError("ListenBrainz did not accept the listens")

    async def listens(
        self, user_name: str, *, max_ts: int | None = None, count: int = MAX_ITEMS_PER_GET
    ) -> ListensPage:
        """A page of a user's listens, newest first, older than max_ts when given."""
        params: dict[str, str | int] = {"count": min(count, MAX_ITEMS_PER_GET)}
        if max_ts is not None:
            params["max_ts"] = max_ts
        data = self._object(
            await self._request("GET", f"/1/user/{user_name}/listens", params=params)
        )
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise ListenBrainzResponseError("ListenBrainz answered listens without a payload")
        listens = []
        for raw in payload.get("listens") or []:
            try:
                listens.append(LBListen.from_dict(raw))
            except (KeyError, TypeError, ValueError):
                continue
        return ListensPage(
            tuple(listens),
            int(payload.get("latest_listen_ts") or 0),
            int(payload.get("oldest_listen_ts") or 0),
        )
