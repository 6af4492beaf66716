"""FakeLastFm: the Last.fm 2.0 web service methods a scrobbler uses, on 127.0.0.1.

Facts kept from Last.fm's API documentation (last.fm/api: authentication, scrobbling,
track.scrobble, track.updateNowPlaying, user.getRecentTracks, error codes) and the
Last.fm-compatible API of listenbrainz-server (api_compat.py, errors.py):
- every call goes to /2.0/ with `method`, `api_key` and `format=json`; write methods are form
  POSTs; signed calls carry `api_sig`, the MD5 of every parameter but `format` and `callback`,
  sorted by name and concatenated as name+value, followed by the shared secret;
- errors answer `{"error": <code>, "message": "..."}`: 3 invalid method, 4 authentication
  failed, 6 invalid parameters, 9 invalid session key, 10 invalid API key, 11 service offline,
  13 invalid method signature, 14 unauthorized token, 15 token expired, 16 temporarily
  unavailable, 26 suspended API key, 29 rate limit exceeded;
- auth.getToken gives a token the user authorises on last.fm; auth.getSession exchanges it for
  a session `{"session": {"name", "key", "subscriber"}}`; auth.getMobileSession does the same
  from a username and password;
- track.scrobble takes up to 50 scrobbles in array notation (`artist[0]`, `track[0]`,
  `timestamp[0]`, ...); each comes back with `ignoredMessage` code 0 (accepted) or 1 artist
  ignored, 2 track ignored, 3 timestamp too old (more than 14 days), 4 timestamp too new,
  5 daily scrobble limit exceeded; JSON made from XML: one scrobble is an object, several a
  list, numbers are strings except the accepted/ignored counts;
- user.getRecentTracks pages newest first (limit ≤ 200, page from 1, `from`/`to` in UNIX
  seconds); a track playing now comes first with `@attr.nowplaying` and no `date`.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from companion.testing.serving import serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_SCROBBLES = 50
MAX_AGE_SECONDS = 14 * 24 * 3600
MAX_RECENT_LIMIT = 200
ERRORS = {
    3: "Invalid Method - No method with that name in this package",
    4: "Authentication Failed - You do not have permissions to access the service",
    6: "Invalid parameters - Your request is missing a required parameter",
    9: "Invalid session key - Please re-authenticate",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    11: "Service Offline - This service is temporarily offline. Try again later.",
    13: "Invalid method signature supplied",
    14: "Unauthorized Token - This token has not been authorized",
    15: "This token has expired",
    16: "The service is temporarily unavailable, please try again.",
    17: "Login: User requires to be logged in",
    26: "Suspended API key - Access for your account has been suspended, please contact Last.fm",
    29: "Rate Limit Exceded - Your IP has made too many requests in a short period",
}
_STATUS = {3: 400, 6: 400, 4: 403, 9: 403, 10: 403, 13: 403, 14: 403, 15: 403, 26: 403}
_STATUS.update({11: 503, 16: 503, 29: 429})
_SIGNED = {
    "auth.getToken",
    "auth.getSession",
    "auth.getMobileSession",
    "track.scrobble",
    "track.updateNowPlaying",
}
_NEEDS_SESSION = {"track.scrobble", "track.updateNowPlaying"}


def sign(params: Mapping[str, str], secret: str) -> str:
    """Last.fm's api_sig of a call's parameters."""
    text = "".join(
        f"{k}{params[k]}" for k in sorted(params) if k not in ("format", "callback", "api_sig")
    )
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()  # noqa: S324


@dataclass
class LastFmUser:
    """A Last.fm account: password, sessions, scrobbles and what plays now."""

    name: str
    password: str
    sessions: set[str] = field(default_factory=set)
    scrobbles: list[dict[str, Any]] = field(default_factory=list)
    now_playing: dict[str, Any] | None = None
    private: bool = False


class LastFmError(Exception):
    """An error answer."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or ERRORS[code])
        self.code = code
        self.message = message or ERRORS[code]


class FakeLastFm:
    """A real aiohttp server speaking Last.fm's JSON web service."""

    def __init__(self, *, rate_limit: int = 1000, window_s: float = 10.0) -> None:
        self.api_keys: dict[str, str] = {}
        self.users: dict[str, LastFmUser] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.rate_limit = rate_limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}
        self.requests: list[dict[str, str]] = []
        # Timestamps of every scrobble an accepted track.scrobble carried (duplicates included).
        self.received: list[int] = []
        # Fault switch: answer every call with this error code (e.g. 11 or 16) while set.
        self.fail_code: int | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/2.0/", self.handle)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The web service root (…/2.0/)."""
        return f"http://127.0.0.1:{self.port}/2.0/"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; returns the web service root."""
        self._runner, self.port = await serve(self.app, host, port)
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_api_account(self, key: str | None = None, secret: str | None = None) -> tuple[str, str]:
        """Register an API account; returns (api key, shared secret)."""
        key = key or uuid.uuid4().hex
        secret = secret or uuid.uuid4().hex
        self.api_keys[key] = secret
        return key, secret

    def add_user(self, name: str, password: str) -> LastFmUser:
        """Create a Last.fm account."""
        user = LastFmUser(name, password)
        self.users[name.lower()] = user
        return user

    def authorize(self, token: str, name: str) -> None:
        """The user approves the application on last.fm (the web auth flow's middle step)."""
        self.tokens[token]["user"] = name.lower()

    def revoke_sessions(self, name: str) -> None:
        """The user revokes the application's access: its session keys stop working."""
        self.users[name.lower()].sessions.clear()

    def add_scrobble(self, name: str, artist: str, track: str, ts: int, album: str = "") -> None:
        """Store a scrobble directly (history to import)."""
        self.users[name.lower()].scrobbles.append(
            {"artist": artist, "track": track, "album": album, "timestamp": ts, "mbid": ""}
        )

    # -- plumbing ----------------------------------------------------------------------------

    def _limit(self, key: str) -> None:
        now = time.monotonic()
        started, used = self._windows.get(key, (now, 0))
        if now - started >= self.window_s:
            started, used = now, 0
        self._windows[key] = (started, used + 1)
        if used + 1 > self.rate_limit:
            raise LastFmError(29)

    async def handle(self, request: web.Request) -> web.Response:
        """Dispatch one call."""
        params: dict[str, str] = {k: v for k, v in request.query.items()}
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.requests.append({**params, "_http_method": request.method})
        try:
            body = self._dispatch(request.method, params)
        except LastFmError as err:
            return web.json_response(
                {"error": err.code, "message": err.message}, status=_STATUS.get(err.code, 400)
            )
        return web.json_response(body)

    def _dispatch(self, http_method: str, params: dict[str, str]) -> dict[str, Any]:
        if self.fail_code is not None:
            raise LastFmError(self.fail_code)
        method = params.get("method", "")
        api_key = params.get("api_key", "")
        if api_key not in self.api_keys:
            raise LastFmError(10)
        self._limit(api_key)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            raise LastFmError(3)
        if method in _SIGNED and params.get("api_sig") != sign(params, self.api_keys[api_key]):
            raise LastFmError(13)
        user: LastFmUser | None = None
        if method in _NEEDS_SESSION:
            if http_method != "POST":
                raise LastFmError(
                    3, "Invalid Method - write methods can only be accessed using POST"
                )
            user = self._session_user(params.get("sk", ""))
        result: dict[str, Any] = handler(params, user)
        return result

    def _session_user(self, sk: str) -> LastFmUser:
        user = next((u for u in self.users.values() if sk and sk in u.sessions), None)
        if user is None:
            raise LastFmError(9)
        return user

    def _new_session(self, user: LastFmUser) -> dict[str, Any]:
        key = uuid.uuid4().hex
        user.sessions.add(key)
        return {"session": {"name": user.name, "key": key, "subscriber": 0}}

    @staticmethod
    def _required(params: dict[str, str], *names: str) -> None:
        if any(not params.get(n) for n in names):
            raise LastFmError(6)

    # -- methods -----------------------------------------------------------------------------

    def _auth_getToken(self, params: dict[str, str], _: Any) -> dict[str, Any]:
        token = uuid.uuid4().hex
        self.tokens[token] = {"api_key": params["api_key"], "user": None, "at": time.time()}
        return {"token": token}

    def _auth_getSession(self, params: dict[str, str], _: Any) -> dict[str, Any]:
        self._required(params, "token")
        token = self.tokens.get(params["token"])
        if token is None or time.time() - token["at"] > 3600:
            raise LastFmError(15)
        if token["user"] is None:
            raise LastFmError(14)
        del self.tokens[params["token"]]
        return self._new_session(self.users[token["user"]])

    def _auth_getMobileSession(self, params: dict[str, str], _: Any) -> dict[str, Any]:
        self._required(params, "username", "password")
        user = self.users.get(params["username"].lower())
        if user is None or user.password != params["password"]:
            raise LastFmError(4)
        return self._new_session(user)

    def _track_updateNowPlaying(self, params: dict[str, str], user: Any) -> dict[str, Any]:
        self._required(params, "artist", "track")
        user.now_playing = {k: params.get(k, "") for k in ("artist", "track", "album")}
        return {
            "nowplaying": {
                "track": {"corrected": "0", "#text": params["track"]},
                "artist": {"corrected": "0", "#text": params["artist"]},
                "album": {"corrected": "0", "#text": params.get("album", "")},
                "albumArtist": {"corrected": "0", "#text": params.get("albumArtist", "")},
                "ignoredMessage": {"code": "0", "#text": ""},
            }
        }

    def _track_scrobble(self, params: dict[str, str], user: Any) -> dict[str, Any]:
        batch = _array(params)
        if not batch or len(batch) > MAX_SCROBBLES:
            raise LastFmError(6)
        now = int(time.time())
        out: list[dict[str, Any]] = []
        accepted = 0
        for entry in batch:
            if not entry.get("artist") or not entry.get("track") or not entry.get("timestamp"):
                raise LastFmError(6)
            ts = int(entry["timestamp"])
            code = 3 if ts < now - MAX_AGE_SECONDS else 4 if ts > now + 300 else 0
            if code == 0:
                accepted += 1
                self.received.append(ts)
                duplicate = any(
                    s["timestamp"] == ts and s["track"] == entry["track"] for s in user.scrobbles
                )
                if not duplicate:
                    user.scrobbles.append(
                        {
                            "artist": entry["artist"],
                            "track": entry["track"],
                            "album": entry.get("album", ""),
                            "timestamp": ts,
                            "mbid": entry.get("mbid", ""),
                        }
                    )
            message = {3: "Timestamp was too old", 4: "Timestamp was too new"}.get(code, "")
            out.append(
                {
                    "artist": {"corrected": "0", "#text": entry["artist"]},
                    "album": {"corrected": "0", "#text": entry.get("album", "")},
                    "track": {"corrected": "0", "#text": entry["track"]},
                    "albumArtist": {"corrected": "0", "#text": entry.get("albumArtist", "")},
                    "timestamp": str(ts),
                    "ignoredMessage": {"code": str(code), "#text": message},
                }
            )
        return {
            "scrobbles": {
                "scrobble": out[0] if len(out) == 1 else out,
                "@attr": {"accepted": accepted, "ignored": len(out) - accepted},
            }
        }

    def _user_getRecentTracks(self, params: dict[str, str], _: Any) -> dict[str, Any]:
        self._required(params, "user")
        user = self.users.get(params["user"].lower())
        if user is None:
            raise LastFmError(6, "User not found")
        if user.private:
            raise LastFmError(17)
        try:
            limit = min(int(params.get("limit", 50)), MAX_RECENT_LIMIT)
            page = max(int(params.get("page", 1)), 1)
            start = int(params["from"]) if params.get("from") else None
            end = int(params["to"]) if params.get("to") else None
        except ValueError as err:
            raise LastFmError(6) from err
        every = sorted(user.scrobbles, key=lambda s: -int(s["timestamp"]))
        chosen = [
            s
            for s in every
            if (start is None or s["timestamp"] >= start) and (end is None or s["timestamp"] <= end)
        ]
        total = len(chosen)
        rows = [_recent(s) for s in chosen[(page - 1) * limit : page * limit]]
        if user.now_playing and page == 1 and end is None:
            rows.insert(0, _now_playing(user.now_playing))
        pages = max(1, -(-total // limit))
        return {
            "recenttracks": {
                "track": rows,
                "@attr": {
                    "user": user.name,
                    "totalPages": str(pages),
                    "page": str(page),
                    "perPage": str(limit),
                    "total": str(total),
                },
            }
        }

    def _user_getInfo(self, params: dict[str, str], _: Any) -> dict[str, Any]:
        if params.get("sk"):
            user = self._session_user(params["sk"])
        else:
            self._required(params, "user")
            found = self.users.get(params["user"].lower())
            if found is None:
                raise LastFmError(6, "User not found")
            user = found
        return {"user": {"name": user.name, "playcount": str(len(user.scrobbles))}}


def _array(params: dict[str, str]) -> list[dict[str, str]]:
    """Scrobbles from array notation (`artist[0]`), or the one scrobble without it."""
    if "artist" in params or "track" in params:
        return [params]
    entries: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        if key.endswith("]") and "[" in key:
            name, index = key[:-1].split("[", 1)
            if index.isdigit():
                entries.setdefault(int(index), {})[name] = value
    return [entries[i] for i in sorted(entries)]


def _recent(s: dict[str, Any]) -> dict[str, Any]:
    when = datetime.fromtimestamp(int(s["timestamp"]), UTC)
    return {
        "artist": {"mbid": "", "#text": s["artist"]},
        "streamable": "0",
        "image": [{"size": "small", "#text": ""}],
        "mbid": s.get("mbid", ""),
        "album": {"mbid": "", "#text": s.get("album", "")},
        "name": s["track"],
        "url": "https://www.last.fm/music/x/_/y",
        "date": {"uts": str(s["timestamp"]), "#text": when.strftime("%d %b %Y, %H:%M")},
    }


def _now_playing(np: dict[str, Any]) -> dict[str, Any]:
    return {
        "artist": {"mbid": "", "#text": np["artist"]},
        "streamable": "0",
        "image": [{"size": "small", "#text": ""}],
        "mbid": "",
        "album": {"mbid": "", "#text": np.get("album", "")},
        "name": np["track"],
        "url": "https://www.last.fm/music/x/_/y",
        "@attr": {"nowplaying": "true"},
    }
