"""Signing in to a playlist service (Spotify, OAuth with PKCE) to import your own playlists."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import CompanionError
from companion.imports.accounts import AccountLinks
from web.json import json_response
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import BOOL, OBJ, STR, items, obj

router = ApiRouter("imports")

_SOURCE = "/api/imports/accounts/{source:[a-z]{1,16}}"


def _links(request: web.Request) -> AccountLinks:
    return request.app[keys.IMPORTS].accounts


def _redirect_uri(request: web.Request, source: str) -> str:
    # The URI registered in the user's Spotify app: the companion's public address.
    base = request.app[keys.SETTINGS].public_url or f"{request.scheme}://{request.host}"
    return f"{base.rstrip('/')}/api/imports/accounts/{source}/callback"


@router.get(
    "/api/imports/accounts",
    summary="Playlist services you can sign in to, and your status",
    returns=items(obj(source=STR, connected=BOOL)),
)
async def accounts(request: web.Request) -> web.Response:
    """[{source, label, connected}]."""
    return json_response({"items": await _links(request).status(principal_of(request))})


@router.post(
    _SOURCE + "/connect",
    summary="Start signing in to the service: answers the authorisation URL to open",
    responses={"200": "{url}", "400": "The service's app Client ID is not configured"},
    returns=obj(url=STR),
)
async def connect(request: web.Request) -> web.Response:
    """PKCE: a fresh verifier is kept (encrypted) until the service calls back."""
    source = request.match_info["source"]
    result = await _links(request).connect(
        principal_of(request), source, _redirect_uri(request, source)
    )
    return json_response(result)


@router.get(
    _SOURCE + "/callback",
    summary="Where the service sends the browser back; redirects to the imports page",
    query=(("code", "string", "authorisation code"), ("state", "string", "the sign-in's state")),
    responses={"302": "Back to /imports", "400": "Unknown state or access denied"},
    returns=None,
)
async def callback(request: web.Request) -> web.StreamResponse:
    """Exchange the code for tokens, then go back to the dashboard."""
    source = request.match_info["source"]
    q = request.query
    try:
        await _links(request).callback(
            principal_of(request), source, q.get("code"), q.get("state"), q.get("error")
        )
    except CompanionError as err:
        if "application/json" in request.headers.get("Accept", ""):
            raise
        raise web.HTTPFound(f"/imports?account_error={err.code}") from None
    raise web.HTTPFound(f"/imports?connected={source}")


@router.get(
    _SOURCE + "/playlists",
    summary="Your own playlists at the service (import one with POST /api/imports {url})",
    responses={"404": "Not signed in to the service", "401": "Access expired"},
    returns=items(OBJ),
)
async def playlists(request: web.Request) -> web.Response:
    """[{id, name, item_count}]."""
    source = request.match_info["source"]
    return json_response({"items": await _links(request).playlists(principal_of(request), source)})


@router.delete(
    _SOURCE, summary="Forget your sign-in at the service", responses={"204": "Gone"}, returns=None
)
async def disconnect(request: web.Request) -> web.Response:
    """Delete the stored tokens."""
    await _links(request).disconnect(principal_of(request), request.match_info["source"])
    return web.Response(status=204)
