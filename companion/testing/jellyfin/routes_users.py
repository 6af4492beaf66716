"""User routes: AuthenticateByName, /Users/Me, /Users, /Users/{id}."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import header_fields, path_id, require
from .dto_users import session_dto, user_dto
from .services import services
from .wire import error_text, json_response, now_utc, problem

routes = web.RouteTableDef()


async def read_json(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body with case-insensitive keys (lowercased); {} when absent."""
    # body_exists, not can_read_body: a body read ahead (slow-server faults) is still there.
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise error_text(400) from None
    if not isinstance(body, dict):
        raise error_text(400)
    return {str(k).lower(): v for k, v in body.items()}


@routes.post("/Users/AuthenticateByName")
async def authenticate(request: web.Request) -> web.Response:
    """Log in with a password; one token per user+DeviceId (older ones are revoked)."""
    svc = services(request)
    st = svc.state
    fields = header_fields(request, st)
    needed = ("Client", "Device", "DeviceId", "Version")
    if any(not fields.get(k) for k in needed):
        raise error_text(400)
    body = await read_json(request)
    username = body.get("username")
    pw = body.get("pw")  # AuthenticateUserByName has only Username and Pw
    user = st.user_by_name(str(username)) if username else None
    if user is None or (pw or "") != user.password:
        raise error_text(401)
    if user.disabled:
        raise error_text(403)
    tok = st.issue_token(
        user, fields["Client"], fields["Device"], fields["DeviceId"], fields["Version"]
    )
    user.last_login = user.last_activity = now_utc()
    session = st.session_for(tok, request.remote or "127.0.0.1")
    session.last_activity = now_utc()
    svc.events.sessions_changed()
    return json_response(
        {
            "User": user_dto(st, user),
            "SessionInfo": session_dto(st, session),
            "AccessToken": tok.token,
            "ServerId": st.server_id,
        }
    )


@routes.get("/Users/Me")
async def me(request: web.Request) -> web.Response:
    """The caller's UserDto; 400 for an API key (no user)."""
    ctx = require(request)
    if ctx.user is None:
        raise problem(400)
    return json_response(user_dto(services(request).state, ctx.user))


@routes.get("/Users")
async def users(request: web.Request) -> web.Response:
    """All users (admin)."""
    require(request, admin=True)
    st = services(request).state
    return json_response([user_dto(st, u) for u in st.users.values()])


@routes.get("/Users/Public")
async def public_users(request: web.Request) -> web.Response:
    """Users shown on the login screen: none (hidden users is the common setup)."""
    return json_response([])


@routes.get("/Users/{id}")
async def user(request: web.Request) -> web.Response:
    """One user: admins see anyone, users themselves."""
    ctx = require(request)
    uid = path_id(request)
    st = services(request).state
    u = st.users.get(uid)
    if u is None:
        raise problem(404)
    if not ctx.is_admin and (ctx.user is None or ctx.user.id != uid):
        raise error_text(403)
    return json_response(user_dto(st, u))
