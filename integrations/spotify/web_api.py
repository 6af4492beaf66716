"""Spotify's accounts service (OAuth 2 with PKCE) and Web API, for a user's own playlists.

Since the February 2026 Dev Mode changes, `GET /playlists/{id}/items` (formerly `/tracks`)
answers only for playlists the user owns or collaborates on (others: 403), and items may carry
`item` instead of `track` (services.md §7; both are accepted).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import socket
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from companion.integration.http_session import SessionOwner
from integrations.spotify.const import ACCOUNTS_URL, API_URL, DEFAULT_TIMEOUT, SCOPES
from integrations.spotify.exceptions import (
    SpotifyAuthenticationError,
    SpotifyConnectionError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyResponseError,
)

API_PAGE = 50


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class SpotifyWebClient(SessionOwner):
    """One app's client id (the user's own Spotify app) against accounts and the Web API."""

    def __init__(
        self,
        client_id: str,
        *,
        session: aiohttp.ClientSession | None = None,
        accounts_url: str = ACCOUNTS_URL,
        api_url: str = API_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(session)
        self.client_id = client_id
        self.accounts_url = accounts_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.request_timeout = request_timeout

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        """The authorisation page for the user's browser."""
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "code_challenge_method": "S256",
            "code_challenge": code_challenge,
            "scope": SCOPES,
            "state": state,
        }
        return f"{self.accounts_url}/authorize?{urlencode(query)}"

    async def _send(
        self, method: str, url: str, *, token: str | None = None, form: dict[str, str] | None = None
    ) -> dict[str, Any]:
        session = self._ensure_session()
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with asyncio.timeout(self.request_timeout):
                async with session.request(method, url, data=form, headers=headers) as resp:
                    status, text = resp.status, await resp.text()
        except TimeoutError as err:
            raise SpotifyConnectionError("Spotify timed out") from err
        except (aiohttp.ClientConnectionError, socket.gaierror) as err:
            raise SpotifyConnectionError("Could not reach Spotify") from err
        except aiohttp.ClientError as err:
            raise SpotifyError(f"Request to Spotify failed: {err}") from err
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError as err:
            raise SpotifyResponseError(f"Spotify answered HTTP {status} without JSON") from err
        if status in (400, 401) and (form is not None or status == 401):
            raise SpotifyAuthenticationError(_message(data, status))
        if status == 403:
            raise SpotifyForbiddenError(_message(data, status))
        if status == 404:
            raise SpotifyNotFoundError(_message(data, status))
        if status >= 400 or not isinstance(data, dict):
            raise SpotifyResponseError(_message(data, status))
        return data

    async def _token(self, form: dict[str, str]) -> dict[str, Any]:
        return await self._send("POST", f"{self.accounts_url}/api/token", form=form)

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str
    ) -> tuple[str, str | None, float]:
        """(access token, refresh token, expiry time) for an authorisation code."""
        data = await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "code_verifier": code_verifier,
            }
        )
        return _tokens(data, None)

    async def refresh(self, refresh_token: str) -> tuple[str, str | None, float]:
        """New tokens; Spotify may or may not rotate the refresh token."""
        data = await self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            }
        )
        return _tokens(data, refresh_token)

    async def _pages(self, token: str, url: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            page = await self._send("GET", self._local(next_url), token=token)
            items.extend(i for i in page.get("items") or () if isinstance(i, dict))
            following = page.get("next")
            next_url = following if isinstance(following, str) and following else None
        return items

    def _local(self, url: str) -> str:
        # `next` links name api.spotify.com; keep our configured base (and host).
        parts = urlsplit(url)
        if not parts.netloc:
            return f"{self.api_url}{url}"
        return f"{self.api_url}{parts.path.removeprefix('/v1')}" + (
            f"?{parts.query}" if parts.query else ""
        )

    async def my_playlists(self, token: str) -> list[dict[str, Any]]:
        """`GET /me/playlists`, every page."""
        return await self._pages(token, f"{self.api_url}/me/playlists?limit={API_PAGE}")

    async def playlist_name(self, token: str, playlist_id: str) -> str:
        """A playlist's name."""
        data = await self._send(
            "GET", f"{self.api_url}/playlists/{playlist_id}?fields=name", token=token
        )
        return str(data.get("name") or "")

    async def playlist_items(self, token: str, playlist_id: str) -> list[dict[str, Any]]:
        """`GET /playlists/{id}/items`, every page (403 unless the user owns or collaborates)."""
        return await self._pages(
            token, f"{self.api_url}/playlists/{playlist_id}/items?limit={API_PAGE}"
        )


def _message(data: Any, status: int) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return f"Spotify {status}: {error.get('message', '')}"
    if isinstance(error, str):
        return f"Spotify {status}: {data.get('error_description') or error}"
    return f"Spotify answered HTTP {status}"


def _tokens(data: dict[str, Any], old_refresh: str | None) -> tuple[str, str | None, float]:
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise SpotifyResponseError("Spotify's token answer has no access_token")
    expires = float(data.get("expires_in") or 3600)
    refresh = (
        data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else old_refresh
    )
    return access, refresh, time.time() + expires
