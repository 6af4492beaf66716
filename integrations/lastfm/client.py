"""An async client for the Last.fm 2.0 web service (signed calls, JSON answers, pacing)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.lastfm.const import (
    API_KEY_CODES,
    AUTH_CODES,
    DEFAULT_TIMEOUT,
    DEFAULT_URL,
    INVALID_PARAMETERS,
    MAX_RECENT_LIMIT,
    MIN_INTERVAL,
    RATE_LIMIT_CODE,
    UNAVAILABLE_CODES,
)
from integrations.lastfm.exceptions import (
    LastFmApiKeyError,
    LastFmAuthenticationError,
    LastFmConnectionError,
    LastFmError,
    LastFmInvalidParametersError,
    LastFmRateLimitError,
    LastFmResponseError,
    LastFmTimeoutError,
)
from integrations.lastfm.models import RecentPage, RecentTrack, ScrobbleOutcome, as_list
from integrations.lastfm.signing import api_sig


class LastFmClient(SessionOwner):
    """One Last.fm API account (key and shared secret); user sessions go per call."""

    transport_errors = TransportErrors(
        "Last.fm", LastFmTimeoutError, LastFmConnectionError, LastFmError
    )

    def __init__(
        self,
        api_key: str,
        shared_secret: str,
        *,
        base_url: str = DEFAULT_URL,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._api_key = api_key
        self._secret = shared_secret
        self.request_timeout = request_timeout
        self.min_interval = min_interval
        self._pace_lock = asyncio.Lock()
        self._last_call = 0.0

    def __repr__(self) -> str:
        return f"LastFmClient({self.base_url!r})"

    async def _pace(self) -> None:
        async with self._pace_lock:
            wait = self._last_call + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_call = time.monotonic()

    async def call(
        self, method: str, params: dict[str, str], *, signed: bool = False, post: bool = False
    ) -> dict[str, Any]:
        """Call one method; signed calls carry api_sig; writes are form POSTs."""
        query = {**params, "method": method, "api_key": self._api_key}
        if signed:
            query["api_sig"] = api_sig(query, self._secret)
        query["format"] = "json"
        await self._pace()
        if post:
            reply = await self._exchange("POST", self.base_url, data=query)
        else:
            reply = await self._exchange("GET", self.base_url, params=query)
        status, text = reply.status, reply.text
        try:
            data = json.loads(text) if text else None
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            if status >= 500:
                raise LastFmConnectionError(f"Last.fm answered {status}")
            raise LastFmResponseError(f"Last.fm answered {status} with a body that is not JSON")
        if "error" in data:
            raise _error(data)
        return data

    # -- auth --------------------------------------------------------------------------------

    async def get_token(self) -> str:
        """auth.getToken: a token for the web auth flow (also proves key and secret work)."""
        data = await self.call("auth.getToken", {}, signed=True)
        return str(data["token"])

    async def get_session(self, token: str) -> tuple[str, str]:
        """auth.getSession: (user name, session key) once the user authorised the token."""
        data = await self.call("auth.getSession", {"token": token}, signed=True)
        return _session(data)

    async def get_mobile_session(self, username: str, password: str) -> tuple[str, str]:
        """auth.getMobileSession: (user name, session key) from a username and password."""
        data = await self.call(
            "auth.getMobileSession",
            {"username": username, "password": password},
            signed=True,
            post=True,
        )
        return _session(data)

    async def user_name(self, session_key: str) -> str:
        """user.getInfo of the session's user."""
        # POST keeps the session key out of URLs (and so out of any log that prints one).
        data = await self.call("user.getInfo", {"sk": session_key}, post=True)
        user = data.get("user")
        if not isinstance(user, dict) or not user.get("name"):
            raise LastFmResponseError("Last.fm answered user.getInfo without a user")
        return str(user["name"])

    # -- scrobbling --------------------------------------------------------------------------

    async def update_now_playing(self, session_key: str, fields: dict[str, str]) -> None:
        """track.updateNowPlaying."""
        await self.call(
            "track.updateNowPlaying", {**fields, "sk": session_key}, signed=True, post=True
        )

    async def scrobble(
        self, session_key: str, scrobbles: Sequence[dict[str, str]]
    ) -> list[ScrobbleOutcome]:
        """track.scrobble of up to 50 scrobbles in array notation; one outcome per scrobble."""
        params: dict[str, str] = {"sk": session_key}
        for i, fields in enumerate(scrobbles):
            for key, value in fields.items():
                params[f"{key}[{i}]"] = value
        data = await self.call("track.scrobble", params, signed=True, post=True)
        block = data.get("scrobbles")
        if not isinstance(block, dict):
            raise LastFmResponseError("Last.fm answered track.scrobble without scrobbles")
        outcomes = [ScrobbleOutcome.from_dict(s) for s in as_list(block.get("scrobble"))]
        if len(outcomes) != len(scrobbles):
            raise LastFmResponseError("Last.fm answered a different number of scrobbles")
        return outcomes

    async def recent_tracks(
        self, user: str, *, page: int = 1, limit: int = MAX_RECENT_LIMIT, to_ts: int | None = None
    ) -> RecentPage:
        """user.getRecentTracks, newest first (the track playing now is dropped)."""
        params = {"user": user, "page": str(page), "limit": str(min(limit, MAX_RECENT_LIMIT))}
        if to_ts is not None:
            params["to"] = str(to_ts)
        data = await self.call("user.getRecentTracks", params)
        block = data.get("recenttracks")
        if not isinstance(block, dict):
            raise LastFmResponseError("Last.fm answered user.getRecentTracks without tracks")
        attr = block.get("@attr") or {}
        tracks = tuple(
            t
            for t in (RecentTrack.from_dict(raw) for raw in as_list(block.get("track")))
            if t.uts is not None
        )
        return RecentPage(
            tracks,
            int(attr.get("page") or page),
            int(attr.get("totalPages") or 1),
            int(attr.get("total") or 0),
        )


def _session(data: dict[str, Any]) -> tuple[str, str]:
    session = data.get("session")
    if not isinstance(session, dict) or not session.get("key"):
        raise LastFmResponseError("Last.fm answered without a session")
    return str(session.get("name") or ""), str(session["key"])


def _error(data: dict[str, Any]) -> LastFmError:
    try:
        code = int(data["error"])
    except (TypeError, ValueError):
        code = -1
    message = str(data.get("message") or f"Last.fm error {code}")
    if code in AUTH_CODES:
        return LastFmAuthenticationError(message, code)
    if code in API_KEY_CODES:
        return LastFmApiKeyError(message, code)
    if code == RATE_LIMIT_CODE:
        return LastFmRateLimitError(message, code)
    if code in UNAVAILABLE_CODES:
        return LastFmConnectionError(message, code)
    if code == INVALID_PARAMETERS:
        return LastFmInvalidParametersError(message, code)
    return LastFmResponseError(message, code)
