"""Scrobbling: link ListenBrainz and Last.fm, switch sending on or off, backfill, retry, the
delivery log, and "mark played in Jellyfin" for plays Jellyfin never saw."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.accounts.models import User
from companion.errors import Forbidden, InvalidInput
from companion.listening.accounts import ScrobbleAccounts
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import OBJ, SCROBBLE, arr, items, obj

router = ApiRouter("scrobble")

_SERVICE = r"/api/scrobble/{service:listenbrainz|lastfm|jellyfin}"
_LINK_BODY = {
    "type": "object",
    "properties": {
        "token": {"type": "string", "description": "ListenBrainz user token"},
        "username": {"type": "string", "description": "Last.fm user name"},
        "password": {"type": "string", "description": "Last.fm password (used once)"},
        "enabled": {"type": "boolean"},
        "backfill_from": {"type": ["string", "null"], "format": "date-time"},
    },
}


def accounts(request: web.Request) -> ScrobbleAccounts:
    """The app's scrobble accounts."""
    return request.app[keys.LISTENING].accounts


async def _user(request: web.Request) -> User:
    principal = principal_of(request)
    user = await User.get_or_none(id=principal.user_id) if principal.user_id else None
    if user is None or not user.jellyfin_id:
        raise Forbidden("Sign in with Jellyfin to scrobble.", code="jellyfin_sign_in_required")
    return user


@router.get(
    "/api/scrobble",
    summary="Your scrobble services: linked, switched on, sent",
    returns=obj(services=arr(OBJ)),
)
async def services(request: web.Request) -> web.Response:
    """ListenBrainz, Last.fm and Jellyfin (mark played) with the user's state."""
    return json_response({"services": await accounts(request).services(await _user(request))})


@router.put(
    _SERVICE,
    summary="Link an account (checked with the service first; the secret is stored encrypted)",
    body=_LINK_BODY,
    responses={
        "200": "The service's state",
        "400": "The service refused the credentials, or bad input",
        "409": "The service is not set up",
        "503": "The service is unreachable",
    },
    returns=SCROBBLE,
)
async def link(request: web.Request) -> web.Response:
    """Link ListenBrainz (token) or Last.fm (username and password); Jellyfin needs nothing."""
    body = await read_json(request)
    user = await _user(request)
    return json_response(await accounts(request).link(user, request.match_info["service"], body))


@router.patch(
    _SERVICE,
    summary="Switch sending on or off, or backfill from a date",
    body={
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "backfill_from": {"type": "string", "format": "date-time"},
        },
    },
    returns=SCROBBLE,
)
async def update(request: web.Request) -> web.Response:
    """The per-user switch and backfill."""
    body = await read_json(request)
    user = await _user(request)
    return json_response(await accounts(request).update(user, request.match_info["service"], body))


@router.delete(_SERVICE, summary="Unlink (the secret and the outbox are deleted)", returns=None)
async def unlink(request: web.Request) -> web.Response:
    """Forget the link."""
    await accounts(request).unlink(await _user(request), request.match_info["service"])
    return web.Response(status=204)


@router.post(
    _SERVICE + "/retry",
    summary="Send again now (failed listens go back in the queue)",
    returns=SCROBBLE,
)
async def retry(request: web.Request) -> web.Response:
    """Clear the backoff and requeue failed rows."""
    user = await _user(request)
    return json_response(await accounts(request).retry(user, request.match_info["service"]))


@router.get(
    _SERVICE + "/log",
    summary="The latest listens of the outbox and what became of them",
    query=(("limit", "integer", "1-500, default 50"),),
    returns=items(OBJ),
)
async def log(request: web.Request) -> web.Response:
    """The delivery log."""
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise InvalidInput("'limit' must be a whole number.", details={"field": "limit"}) from None
    if not 1 <= limit <= 500:
        raise InvalidInput("'limit' must be between 1 and 500.", details={"field": "limit"})
    user = await _user(request)
    items = await accounts(request).log(user, request.match_info["service"], limit)
    return json_response({"items": items})
