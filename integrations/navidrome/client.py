"""A Subsonic (OpenSubsonic) client for Navidrome: salted-token auth per call, JSON envelope."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from integrations.navidrome.const import (
    API_VERSION,
    CLIENT_NAME,
    DEFAULT_TIMEOUT,
    ERR_AUTH,
    ERR_NOT_AUTHORIZED,
    ERR_NOT_FOUND,
    ERR_TOKEN_UNSUPPORTED,
    MIN_VERSION,
)
from integrations.navidrome.exceptions import (
    NavidromeApiError,
    NavidromeAuthError,
    NavidromeConnectionError,
    NavidromeNotAuthorized,
    NavidromeNotFound,
    NavidromeVersionError,
    NotSubsonicError,
)

Params = Sequence[tuple[str, str | int]]
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
# Methods that change state go as a form POST (Navidrome's formPost extension), so ids and
# names never sit in proxy logs and long id lists fit.
_WRITES = frozenset(
    {
        "star",
        "unstar",
        "scrobble",
        "createPlaylist",
        "updatePlaylist",
        "deletePlaylist",
        "startScan",
    }
)


@dataclass(frozen=True, slots=True)
class Login:
    """A Navidrome user name and password (the password only ever leaves as a salted token)."""

    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Login(username={self.username!r})"

    def pack(self) -> str:
        """The form stored (encrypted) as the companion user's media-server token."""
        return json.dumps({"u": self.username, "p": self.password})

    @classmethod
    def unpack(cls, token: str) -> Login:
        """The login a stored token holds; CredentialsRejected-worthy ValueError if garbled."""
        try:
            raw = json.loads(token)
            return cls(str(raw["u"]), str(raw["p"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError("not a Navidrome login") from err


def auth_params(login: Login, salt: str | None = None) -> list[tuple[str, str]]:
    """u, t = md5(password + salt) as lower-case hex, s, v, c (a fresh salt per call)."""
    salt = salt or secrets.token_hex(6)
    token = hashlib.md5((login.password + salt).encode(), usedforsecurity=False).hexdigest()
    return [
        ("u", login.username),
        ("t", token),
        ("s", salt),
        ("v", API_VERSION),
        ("c", CLIENT_NAME),
    ]


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ping says about the server."""

    type: str
    server_version: str
    protocol_version: str
    open_subsonic: bool

    @property
    def version(self) -> tuple[int, int, int]:
        """The numeric Navidrome version ((0, 0, 0) when it cannot tell)."""
        m = _VERSION.match(self.server_version)
        return (int(m[1]), int(m[2]), int(m[3])) if m else (0, 0, 0)


def check_version(info: ServerInfo) -> None:
    """Refuse servers other than Navidrome, and Navidrome older than MIN_VERSION."""
    if info.type != "navidrome":
        raise NavidromeVersionError(
            f"This Subsonic server is {info.type or 'not Navidrome'}; the companion supports "
            "Navidrome only."
        )
    if info.version < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise NavidromeVersionError(
            f"Navidrome {info.server_version} is too old: the companion needs {wanted} or newer."
        )


def _raise_for(code: int, message: str) -> None:
    if code in (ERR_AUTH, ERR_TOKEN_UNSUPPORTED):
        raise NavidromeAuthError(code, message)
    if code == ERR_NOT_AUTHORIZED:
        raise NavidromeNotAuthorized(code, message)
    if code == ERR_NOT_FOUND:
        raise NavidromeNotFound(code, message)
    raise NavidromeApiError(code, message)


def _envelope(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError as err:
        raise NotSubsonicError("The server did not answer with a Subsonic response.") from err
    inner = body.get("subsonic-response") if isinstance(body, dict) else None
    if not isinstance(inner, dict) or "status" not in inner:
        raise NotSubsonicError("The server did not answer with a Subsonic response.")
    if inner["status"] != "ok":
        error = inner.get("error") or {}
        _raise_for(int(error.get("code", 0)), str(error.get("message", "unknown error")))
    return inner


class SubsonicClient:
    """Calls /rest/<method> as one login; every call carries a fresh salt."""

    def __init__(
        self,
        base_url: str,
        login: Login,
        *,
        session: aiohttp.ClientSession,
        timeout: float = DEFAULT_TIMEOUT,
        on_outcome: Callable[[bool, str | None], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.login = login
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._on_outcome = on_outcome

    @property
    def host(self) -> str:
        """The server's host:port, for log lines (never the query)."""
        return urlsplit(self.base_url).netloc

    def as_user(self, login: Login) -> SubsonicClient:
        """The same server, as another user."""
        return SubsonicClient(
            self.base_url,
            login,
            session=self._session,
            on_outcome=self._on_outcome,
            timeout=self._timeout.total or DEFAULT_TIMEOUT,
        )

    def _report(self, ok: bool, reason: str | None = None) -> None:
        if self._on_outcome is not None:
            self._on_outcome(ok, reason)

    def url(self, method: str, params: Params = ()) -> str:
        """A signed URL for a player (it holds a salted token of this login, not the password)."""
        query = [*auth_params(self.login), *((k, str(v)) for k, v in params)]
        return f"{self.base_url}/rest/{method}?{urlencode(query)}"

    async def call(self, method: str, params: Params = ()) -> dict[str, Any]:
        """Call a method and return the envelope's content (raises on `failed`)."""
        body, _ = await self.call_with_headers(method, params)
        return body

    async def call_with_headers(
        self, method: str, params: Params = ()
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The envelope and the response headers (getAlbumList2's total is in x-total-count)."""
        query = [*auth_params(self.login), ("f", "json"), *((k, str(v)) for k, v in params)]
        url = f"{self.base_url}/rest/{method}"
        try:
            if method in _WRITES:
                request = self._session.post(url, data=query, timeout=self._timeout)
            else:
                request = self._session.get(url, params=query, timeout=self._timeout)
            async with request as resp:
                if resp.status >= 500 or resp.status == 429:
                    raise NavidromeConnectionError(f"Navidrome answered HTTP {resp.status}.")
                text = await resp.text()
                headers = {k.lower(): v for k, v in resp.headers.items()}
        except (aiohttp.ClientError, TimeoutError) as err:
            self._report(False, "unreachable")
            # The aiohttp message may hold the URL; only the kind of failure is kept.
            raise NavidromeConnectionError(
                f"Could not reach Navidrome at {self.host} ({type(err).__name__})."
            ) from None
        except NavidromeConnectionError as err:
            self._report(False, str(err))
            raise
        self._report(True)
        return _envelope(text), headers

    async def ping(self) -> ServerInfo:
        """Check the credentials and read the server's type and version."""
        body = await self.call("ping")
        return ServerInfo(
            type=str(body.get("type", "")),
            server_version=str(body.get("serverVersion", "")),
            protocol_version=str(body.get("version", "")),
            open_subsonic=bool(body.get("openSubsonic", False)),
        )

    @asynccontextmanager
    async def open(
        self, method: str, params: Params, headers: dict[str, str] | None = None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A binary response (stream, getCoverArt); an envelope in its place raises."""
        query = [*auth_params(self.login), ("f", "json"), *((k, str(v)) for k, v in params)]
        try:
            ctx = self._session.get(
                f"{self.base_url}/rest/{method}",
                params=query,
                headers=headers or {},
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=DEFAULT_TIMEOUT),
            )
            resp = await ctx.__aenter__()
        except (aiohttp.ClientError, TimeoutError) as err:
            self._report(False, "unreachable")
            raise NavidromeConnectionError(
                f"Could not reach Navidrome at {self.host} ({type(err).__name__})."
            ) from None
        try:
            if resp.status >= 500:
                raise NavidromeConnectionError(f"Navidrome answered HTTP {resp.status}.")
            # Errors come back as an envelope with HTTP 200; audio and images never are JSON/XML.
            if resp.content_type in ("application/json", "text/xml", "application/xml"):
                _envelope(await resp.text())
                raise NotSubsonicError("Navidrome sent a document instead of media.")
            self._report(True)
            yield resp
        finally:
            await ctx.__aexit__(None, None, None)
