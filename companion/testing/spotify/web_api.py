"""The fake's Spotify accounts service (PKCE) and Web API for a user's own playlists.

Per Spotify's authorization-code-with-PKCE guide and the 2026 Dev Mode migration guide
(services.md §7): /authorize redirects back with `code` and `state`; /api/token checks the
S256 `code_verifier` against the challenge and answers {access_token, token_type, expires_in,
refresh_token, scope}; refresh may keep the old refresh token. `/playlists/{id}/items` answers
403 unless the user owns or collaborates on the playlist; items carry the track under `item`
(the 2026 name) on the first page and under `track` afterwards, as clients still see both.
`next` links are absolute api.spotify.com URLs; pages hold 50 items at most.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

REAL_API = "https://api.spotify.com/v1"
PAGE = 50


@dataclass
class AccountState:
    """Users' grants and tokens, and which playlists each user owns."""

    client_id: str = "companion-test-app"
    user: str = "listener"
    owned: dict[str, dict[str, Any]] = field(default_factory=dict)
    followed: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, uri)
    tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    expires_in: int = 3600


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message}}, status=status)


def routes(state: AccountState) -> web.RouteTableDef:
    """The accounts and Web API routes over one state."""
    table = web.RouteTableDef()

    @table.get("/authorize")
    async def authorize(request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != state.client_id or q.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="INVALID_CLIENT")
        code = secrets.token_urlsafe(16)
        state.codes[code] = (q.get("code_challenge", ""), q.get("redirect_uri", ""))
        back = urlencode({"code": code, "state": q.get("state", "")})
        raise web.HTTPFound(f"{q.get('redirect_uri')}?{back}")

    @table.post("/api/token")
    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != state.client_id:
            return web.json_response({"error": "invalid_client"}, status=400)
        if form.get("grant_type") == "authorization_code":
            grant = state.codes.pop(str(form.get("code", "")), None)
            verifier = str(form.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant is None or grant != (challenge, form.get("redirect_uri")):
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Invalid authorization code"},
                    status=400,
                )
            refresh = secrets.token_urlsafe(24)
            state.refresh_tokens.add(refresh)
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in state.refresh_tokens:
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Refresh token revoked"},
                    status=400,
                )
            refresh = None  # Spotify may keep the old refresh token
        else:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        access = secrets.token_urlsafe(24)
        state.tokens.add(access)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "scope": "playlist-read-private playlist-read-collaborative",
            "expires_in": state.expires_in,
        }
        if refresh:
            body["refresh_token"] = refresh
        return web.json_response(body)

    def authorised(request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in state.tokens

    def page(request: web.Request, items: list[dict[str, Any]], path: str) -> dict[str, Any]:
        offset = int(request.query.get("offset", "0") or 0)
        limit = min(PAGE, int(request.query.get("limit", str(PAGE)) or PAGE))
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        return {
            "href": f"{REAL_API}{path}?offset={offset}&limit={limit}",
            "items": chunk,
            "limit": limit,
            "next": f"{REAL_API}{path}?offset={offset + limit}&limit={limit}" if more else None,
            "offset": offset,
            "previous": None,
            "total": len(items),
        }

    @table.get("/v1/me/playlists")
    async def my_playlists(request: web.Request) -> web.Response:
        if not authorised(request):
            return _error(401, "The access token expired")
        listed = [
            {
                "id": pid,
                "name": pl["name"],
                "owner": {"id": state.user if pid in state.owned else "someone-else"},
                "collaborative": False,
                "public": False,
                "items": {"total": len(pl["tracks"])},
            }
            for pid, pl in {**state.owned, **state.followed}.items()
        ]
        return web.json_response(page(request, listed, "/me/playlists"))

    @table.get("/v1/playlists/{id}")
    async def playlist(request: web.Request) -> web.Response:
        if not authorised(request):
            return _error(401, "The access token expired")
        pl = {**state.owned, **state.followed}.get(request.match_info["id"])
        if pl is None:
            return _error(404, "Resource not found")
        return web.json_response({"name": pl["name"]})

    @table.get("/v1/playlists/{id}/items")
    async def items(request: web.Request) -> web.Response:
        if not authorised(request):
            return _error(401, "The access token expired")
        pid = request.match_info["id"]
        if pid in state.followed:
            return _error(403, "Forbidden")
        pl = state.owned.get(pid)
        if pl is None:
            return _error(404, "Resource not found")
        body = page(request, pl["tracks"], f"/playlists/{pid}/items")
        key = "item" if body["offset"] == 0 else "track"
        body["items"] = [
            {"added_at": "2026-01-01T00:00:00Z", "is_local": False, key: t} for t in body["items"]
        ]
        return web.json_response(body)

    return table


def web_track(title: str, artists: list[str], album: str, millis: int, isrc: str) -> dict[str, Any]:
    """A track object of the Web API."""
    tid = hashlib.md5(f"{title}|{artists}".encode(), usedforsecurity=False).hexdigest()[:22]
    return {
        "type": "track",
        "id": tid,
        "uri": f"spotify:track:{tid}",
        "name": title,
        "artists": [{"name": a, "type": "artist"} for a in artists],
        "album": {"name": album, "type": "album"},
        "duration_ms": millis,
        "external_ids": {"isrc": isrc},
        "is_local": False,
    }
