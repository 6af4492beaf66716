"""The signed-in principal, logout, and API tokens."""

from __future__ import annotations

from aiohttp import web

from companion import const, keys
from companion.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import BOOL, ID, OK, STR, TOKEN, USER, arr, obj
from web.session import clear_session_cookie, set_session_cookie

router = ApiRouter("auth")

_LOGIN_BODY = {
    "type": "object",
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    "required": ["username", "password"],
}


@router.post(
    "/api/auth/login",
    summary="Sign in with your Jellyfin username and password",
    auth="public",
    body=_LOGIN_BODY,
    responses={
        "200": "Signed in; the session cookie is set",
        "401": "Wrong credentials",
        "429": "Too many attempts",
    },
    returns=obj(id=ID, name=STR, jellyfin_id=STR, is_admin=BOOL),
)
async def login(request: web.Request) -> web.Response:
    """Authenticate against Jellyfin, then set the session cookie."""
    limiter = request.app[keys.LOGIN_LIMITER]
    client = request.remote or "unknown"
    limiter.check(client)
    body = await read_json(request)
    username = (get_str(body, "username", max_len=255) or "").strip()
    password = get_str(body, "password", max_len=1024) or ""
    if not username:
        raise InvalidInput("'username' is required.", details={"field": "username"})
    with limiter.attempt(client):
        try:
            user, cookie = await request.app[keys.SIGNIN].sign_in(
                username, password, request.headers.get("User-Agent", "")
            )
        except Unauthorized:
            limiter.failed(client)
            raise
    response = json_response(
        {
            "id": user.id,
            "name": user.name,
            "jellyfin_id": user.jellyfin_id,
            "is_admin": user.is_admin,
        }
    )
    set_session_cookie(request, response, cookie)
    return response


@router.get("/api/auth/me", summary="Who is signed in", returns=USER)
async def me(request: web.Request) -> web.Response:
    """Return the signed-in user (name, Jellyfin id, admin flag)."""
    return json_response(principal_of(request).as_dict())


@router.post("/api/auth/logout", summary="Sign out of this session", auth="public", returns=OK)
async def logout(request: web.Request) -> web.Response:
    """End the session behind the cookie, if any, and clear it."""
    cookie = request.cookies.get(const.SESSION_COOKIE)
    if cookie:
        await request.app[keys.AUTH].end_session(cookie)
    response = json_response({"ok": True})
    clear_session_cookie(request, response)
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
    returns=obj(token=STR, **TOKEN["properties"]),
)
async def create_token(request: web.Request) -> web.Response:
    """Create a token for the signed-in user and return its secret this one time."""
    body = await read_json(request)
    name = get_str(body, "name", max_len=100) or ""
    token, plaintext = await request.app[keys.AUTH].issue_token(_user_id(request), name)
    return json_response({**_token_dict(token), "token": plaintext}, status=201)


@router.get(
    "/api/tokens",
    summary="List your API tokens (without their secret)",
    returns=obj(tokens=arr(TOKEN)),
)
async def list_tokens(request: web.Request) -> web.Response:
    """List the signed-in user's live tokens."""
    tokens = await request.app[keys.AUTH].list_tokens(_user_id(request))
    return json_response({"tokens": [_token_dict(t) for t in tokens]})


@router.delete(
    "/api/tokens/{token_id}",
    summary="Revoke an API token",
    responses={"204": "Revoked"},
    returns=None,
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
