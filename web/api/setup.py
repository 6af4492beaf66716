"""First-start setup: a one-time token printed to the log guards a fresh install."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import CompanionError
from web.json import get_str, json_response, read_json
from web.routing import ApiRouter
from web.schemas import BOOL, OBJ, STR, arr, obj
from web.session import set_session_cookie

router = ApiRouter("setup")


@router.get(
    "/api/setup/status",
    summary="Whether first-start setup is still open",
    auth="public",
    returns=obj(setup_required=BOOL, integrations_configured=arr(STR)),
)
async def setup_status(request: web.Request) -> web.Response:
    """Tell a client whether it must use the setup token or sign in."""
    auth = request.app[keys.AUTH]
    entries = request.app[keys.ENTRIES]
    return json_response(
        {
            "setup_required": not await auth.admin_exists(),
            "integrations_configured": sorted({e.domain for e in entries.entries()}),
        }
    )


@router.post(
    "/api/setup/login",
    summary="Exchange the setup token from the log for a setup session",
    auth="public",
    body={"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]},
    returns=OBJ,
)
async def setup_login(request: web.Request) -> web.Response:
    """Start a setup session when the token matches and no administrator exists yet."""
    body = await read_json(request)
    token = get_str(body, "token", max_len=200) or ""
    auth = request.app[keys.AUTH]
    if await auth.admin_exists():
        raise CompanionError(code="setup_complete", status=409)
    if not await auth.check_setup_token(token.strip()):
        raise CompanionError(code="setup_token_invalid", status=401)
    response = json_response({"ok": True})
    set_session_cookie(request, response, auth.setup_cookie(), max_age=12 * 3600)
    return response
