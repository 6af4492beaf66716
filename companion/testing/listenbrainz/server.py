"""FakeListenBrainz: the parts of ListenBrainz's API v1 a scrobbler uses, on 127.0.0.1.

Facts kept from metabrainz/listenbrainz-server (webserver/views/api.py, api_tools.py,
errors.py, docs/users/api/index.rst):
- `Authorization: Token <user token>`; a missing header is 401 "You need to provide an
  Authorization header.", an unknown token 401 "Invalid authorization token.";
- errors are JSON `{"code": <status>, "error": "<message>"}`;
- POST /1/submit-listens takes `{"listen_type": "single"|"import"|"playing_now", "payload":
  [...]}`: at most 1000 listens, exactly one for single/playing_now, `listened_at` an int
  from 2002-10-01 on and at most an hour ahead, no `listened_at` for playing_now,
  `track_metadata.artist_name` and `track_name` non-empty strings, not both `duration` and
  `duration_ms`; answers `{"status": "ok"}`; a listen is stored once per (listened_at, user,
  recording_msid);
- GET /1/validate-token (header, or `?token=` for old clients): 200 with `valid` true and
  `user_name`, or `valid` false; 400 without a token;
- GET /1/user/<name>/listens?max_ts=&min_ts=&count= (count ≤ 1000, default 25): newest first,
  max_ts/min_ts exclusive, `{"payload": {"count", "listens", "latest_listen_ts",
  "oldest_listen_ts", "user_id"}}`, each listen with `listened_at`, `track_metadata`,
  `recording_msid`, `user_name`, `inserted_at`; 404 "Cannot find user: <name>";
- every answer carries X-RateLimit-Limit, -Remaining, -Reset-In and -Reset; past the limit,
  429 "Too Many Requests".
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from companion.testing.serving import serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_LISTENS_PER_REQUEST = 1000
MAX_ITEMS_PER_GET = 1000
DEFAULT_ITEMS_PER_GET = 25
LISTEN_MINIMUM_TS = 1033410600
ALLOWED_SKEW = 3600
RATE_LIMITED = (
    "You have exceeded your rate limit. See the X-RateLimit-* response headers for more "
    "information on your current rate limit."
)


@dataclass
class LBUser:
    """A ListenBrainz account: its token, listens and what it plays now."""

    name: str
    token: str
    listens: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    playing_now: dict[str, Any] | None = None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"code": status, "error": message}, status=status)


def recording_msid(track_metadata: dict[str, Any]) -> str:
    """A stable id of the recording's text (MessyBrainz gives one per artist/track/release)."""
    key = "\x1f".join(
        str(track_metadata.get(k) or "").lower()
        for k in ("artist_name", "track_name", "release_name")
    )
    return str(uuid.UUID(hashlib.md5(key.encode()).hexdigest()))  # noqa: S324


class FakeListenBrainz:
    """A real aiohttp server speaking ListenBrainz's wire format."""

    def __init__(self, *, rate_limit: int = 1000, window_s: int = 10) -> None:
        self.users: dict[str, LBUser] = {}
        self.rate_limit = rate_limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}
        self.requests: list[dict[str, Any]] = []
        # listened_at of every listen an accepted submission carried (duplicates included).
        self.received: list[int] = []
        # Fault switch: answer every API call with this status (e.g. 503) while set.
        self.fail_status: int | None = None
        self.app = web.Application(middlewares=[self._middleware])
        self.app.router.add_post("/1/submit-listens", self.submit_listens)
        self.app.router.add_get("/1/validate-token", self.validate_token)
        self.app.router.add_get("/1/user/{user}/listens", self.get_listens)
        self.app.router.add_get("/1/user/{user}/playing-now", self.get_playing_now)
        self.app.router.add_get("/1/user/{user}/listen-count", self.get_listen_count)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL (the API root; routes start with /1/)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; returns the base URL."""
        self._runner, self.port = await serve(self.app, host, port)
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_user(self, name: str, token: str | None = None) -> LBUser:
        """Create an account and return it (its token is a UUID like ListenBrainz's)."""
        user = LBUser(name, token or str(uuid.uuid4()))
        self.users[name.lower()] = user
        return user

    def revoke(self, name: str) -> None:
        """Give a user a new token: the old one stops working (like "reset token")."""
        self.users[name.lower()].token = str(uuid.uuid4())

    def add_listen(self, name: str, listened_at: int, track_metadata: dict[str, Any]) -> None:
        """Store a listen directly (history to import)."""
        user = self.users[name.lower()]
        msid = recording_msid(track_metadata)
        user.listens[(listened_at, msid)] = {
            "listened_at": listened_at,
            "track_metadata": track_metadata,
            "recording_msid": msid,
            "inserted_at": int(time.time()),
        }

    def listens_of(self, name: str) -> list[dict[str, Any]]:
        """A user's listens, newest first."""
        user = self.users[name.lower()]
        return sorted(user.listens.values(), key=lambda x: -int(x["listened_at"]))

    # -- plumbing ----------------------------------------------------------------------------

    def _user_by_token(self, token: str) -> LBUser | None:
        return next((u for u in self.users.values() if u.token == token), None)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(
            {"method": request.method, "path": request.path, "query": dict(request.query)}
        )
        key = request.headers.get("Authorization") or request.remote or "anonymous"
        now = time.monotonic()
        started, used = self._windows.get(key, (now, 0))
        if now - started >= self.window_s:
            started, used = now, 0
        used += 1
        self._windows[key] = (started, used)
        reset_in = max(0, int(started + self.window_s - now))
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - used)),
            "X-RateLimit-Reset-In": str(reset_in),
            "X-RateLimit-Reset": str(int(time.time()) + reset_in),
        }
        if used > self.rate_limit:
            response: web.StreamResponse = _error(429, RATE_LIMITED)
        elif self.fail_status is not None:
            response = _error(self.fail_status, "Service Unavailable")
        else:
            response = await handler(request)
        response.headers.update(headers)
        return response

    def _auth(self, request: web.Request) -> LBUser | web.Response:
        header = request.headers.get("Authorization")
        if not header:
            return _error(401, "You need to provide an Authorization header.")
        parts = header.split(" ")
        if len(parts) < 2:
            return _error(401, "Provided Authorization header is invalid.")
        user = self._user_by_token(parts[1])
        if user is None:
            return _error(401, "Invalid authorization token.")
        return user

    # -- routes ------------------------------------------------------------------------------

    async def submit_listens(self, request: web.Request) -> web.Response:
        """POST /1/submit-listens."""
        user = self._auth(request)
        if isinstance(user, web.Response):
            return user
        raw = await request.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            return _error(400, f"Cannot parse JSON document: {err}")
        if not isinstance(data, dict):
            return _error(
                400,
                "Invalid JSON document submitted. Top level of JSON document should be a json "
                "object.",
            )
        if "payload" not in data or "listen_type" not in data:
            return _error(400, "Invalid JSON document submitted.")
        payload = data["payload"]
        if not isinstance(payload, list):
            return _error(400, "The payload in the JSON document should be a list of listens.")
        if not payload:
            return _error(400, "JSON document does not contain any listens")
        if len(payload) > MAX_LISTENS_PER_REQUEST:
            return _error(
                400,
                f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} "
                "listens at once.",
            )
        listen_type = data["listen_type"]
        if listen_type not in ("playing_now", "single", "import"):
            return _error(400, "JSON document requires a valid listen_type key.")
        if listen_type in ("single", "playing_now") and len(payload) > 1:
            return _error(
                400,
                "JSON document contains more than listen for a single/playing_now. It should "
                "contain only one.",
            )
        for listen in payload:
            problem = _validate(listen, listen_type)
            if problem:
                return _error(400, problem)
        if listen_type == "playing_now":
            user.playing_now = payload[0]["track_metadata"]
        else:
            for listen in payload:
                self.received.append(int(listen["listened_at"]))
                self.add_listen(user.name, int(listen["listened_at"]), listen["track_metadata"])
        return web.json_response({"status": "ok"})

    async def validate_token(self, request: web.Request) -> web.Response:
        """GET /1/validate-token."""
        header = request.headers.get("Authorization")
        if header and header.lower().startswith("token "):
            token = header.split(" ")[1]
        else:
            token = request.query.get("token", "")
        if not token:
            return _error(400, "You need to provide an Authorization token.")
        user = self._user_by_token(token)
        if user is None:
            return web.json_response({"code": 200, "message": "Token invalid.", "valid": False})
        return web.json_response(
            {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.name}
        )

    def _user(self, request: web.Request) -> LBUser | web.Response:
        name = request.match_info["user"]
        user = self.users.get(name.lower())
        if user is None:
            return _error(404, f"Cannot find user: {name}")
        return user

    async def get_listens(self, request: web.Request) -> web.Response:
        """GET /1/user/<name>/listens."""
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        try:
            max_ts = int(request.query["max_ts"]) if "max_ts" in request.query else None
            min_ts = int(request.query["min_ts"]) if "min_ts" in request.query else None
            count = int(request.query.get("count", DEFAULT_ITEMS_PER_GET))
        except ValueError:
            return _error(400, "Invalid parameter")
        if max_ts is not None and min_ts is not None and max_ts <= min_ts:
            return _error(400, "max_ts should be greater than min_ts")
        if count < 0:
            return _error(400, "Number of items requested should be positive")
        count = min(count, MAX_ITEMS_PER_GET)
        every = self.listens_of(user.name)
        chosen = [
            listen
            for listen in every
            if (max_ts is None or listen["listened_at"] < max_ts)
            and (min_ts is None or listen["listened_at"] > min_ts)
        ]
        if min_ts is not None and max_ts is None:
            # Listens just after min_ts, still answered newest first.
            chosen = sorted(chosen, key=lambda x: x["listened_at"])[:count][::-1]
        else:
            chosen = chosen[:count]
        listens = [{**listen, "user_name": user.name} for listen in chosen]
        return web.json_response(
            {
                "payload": {
                    "count": len(listens),
                    "listens": listens,
                    "latest_listen_ts": every[0]["listened_at"] if every else 0,
                    "oldest_listen_ts": every[-1]["listened_at"] if every else 0,
                    "user_id": user.name,
                }
            }
        )

    async def get_playing_now(self, request: web.Request) -> web.Response:
        """GET /1/user/<name>/playing-now."""
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        listens = [{"track_metadata": user.playing_now}] if user.playing_now else []
        return web.json_response(
            {
                "payload": {
                    "count": len(listens),
                    "user_id": user.name,
                    "playing_now": True,
                    "listens": listens,
                }
            }
        )

    async def get_listen_count(self, request: web.Request) -> web.Response:
        """GET /1/user/<name>/listen-count."""
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        return web.json_response({"payload": {"count": len(user.listens)}})


def _validate(listen: Any, listen_type: str) -> str | None:
    """The first problem ListenBrainz's validate_listen would report, else None."""
    if not isinstance(listen, dict):
        return "Listen is empty and cannot be validated."
    if listen_type in ("single", "import"):
        if "listened_at" not in listen:
            return "JSON document must contain the key listened_at at the top level."
        value = listen["listened_at"]
        if isinstance(value, bool) or not isinstance(value, int | str):
            return "JSON document must contain an int value for listened_at."
        try:
            ts = int(value)
        except ValueError:
            return "JSON document must contain an int value for listened_at."
        if ts >= int(time.time()) + ALLOWED_SKEW:
            return "Value for key listened_at is too high."
        if ts < LISTEN_MINIMUM_TS:
            return (
                "Value for key listened_at is too low. listened_at timestamp should be greater "
                "than 1033410600 (2002-10-01 00:00:00 UTC)."
            )
        if "track_metadata" not in listen:
            return "JSON document must contain the key track_metadata at the top level."
        if len(listen) > 2:
            return "JSON document may only contain listened_at and track_metadata top level keys"
    else:
        if "listened_at" in listen:
            return "JSON document must not contain listened_at while submitting playing_now."
        if "track_metadata" not in listen:
            return "JSON document must contain the key track_metadata at the top level."
        if len(listen) > 1:
            return (
                "JSON document may only contain track_metadata as top level key when submitting "
                "playing_now."
            )
    meta = listen["track_metadata"]
    if not isinstance(meta, dict):
        return "JSON document may not have track_metadata with null value."
    for key in ("track_name", "artist_name"):
        if key not in meta:
            return f"JSON document does not contain required field track_metadata.{key}."
        if not isinstance(meta[key], str):
            return f"track_metadata.{key} must be a single string."
        if not meta[key].strip():
            return f"field track_metadata.{key} is empty."
    info = meta.get("additional_info") or {}
    if isinstance(info, dict) and "duration" in info and "duration_ms" in info:
        return "JSON document should not contain both duration and duration_ms."
    return None
