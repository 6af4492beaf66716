"""The signed-in principal, logout, and API tokens."""

from __future__ import annotations

from aiohttp import web

from companion import const, keys
from companion.errors import Forbidden, NotFound
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.session import clear_session_cookie

router = ApiRouter("auth")


@router.get("/api/auth/me", summary="Who is signed in")
async def me(request: web.Request) -> web.Response:
    """Return the signed-in user (name, Jellyfin id, admin flag)."""
    return json_response(principal_of(request).as_dict())


@router.post("/api/auth/logout", summary="Sign out of this session", auth="public")
async def logout(request: web.Request) -> web.Response:
    """End the session behind the cookie, if any, and clear it."""
    cookie = request.cookies.get(const.SESSION_COOKIE)
    if cookie:
        await request.app[keys.AUTH].end_session(cookie)
    response = json_response({"ok": True})
    clear_session_cookie(response)
    return response


def _user_id(request: web.Request) -> int:
    principal = principal_of(request)
    if principal.user_id is None:
        raise Forbidden("API tokens belong to users; sign in first.")
    return principal.user_id


def _token_dict(token: object) -> dict[str, object]:
    return {
        "id": getattr(token, "id"),  # noqa: B009
        "name": getattr(token, "name"),  # noqa: B009
        "prefix": getattr(token, "prefix"),  # noqa: B009
        "created_at": getattr(token, "created_at"),  # noqa: B009
        "last_used_at": getattr(token, "last_used_at"),  # noqa: B009
    }


@router.post(
    "/api/tokens",
    summary="Issue an API token (the secret is shown once)",
    body={"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    responses={"201": "Created"},
)
async def create_token(request: web.Request) -> web.Response:
    """Create a token for the signed-in user and return its secret this one time."""
    body = await read_json(request)
    name = get_str(body, "name", max_len=100) or ""
    token, plaintext = await request.app[keys.AUTH].issue_token(_user_id(request), name)
    return json_response({**_token_dict(token), "token": plaintext}, status=201)


@router.get("/api/tokens", summary="List your API tokens (without their secret)")
async def list_tokens(request: web.Request) -> web.Response:
    """List the signed-in user's live tokens."""
    tokens = await request.app[keys.AUTH].list_tokens(_user_id(request))
    return json_response({"tokens": [_token_dict(t) for t in tokens]})


@router.delete(
    "/api/tokens/{token_id}", summary="Revoke an API token", responses={"204": "Revoked"}
)
async def revoke_token(request: web.Request) -> web.Response:
    """Revoke one of the user's tokens; it stops working at once."""
    try:
        token_id = int(request.match_info["token_id"])
    except ValueError:
        raise NotFound("No such API token.") from None
    principal = principal_of(request)
    await request.app[keys.AUTH].revoke_token(
        _user_id(request), token_id, is_admin=principal.is_admin
    )
    return web.Response(status=204)
