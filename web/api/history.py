"""Current playback states and listening history from the overlay."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import Forbidden, InvalidInput
from companion.history import service as history
from web.json import json_response
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import INT, OBJ, STR, arr, obj, page

router = ApiRouter("history")


def _int(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a whole number.", details={"field": name}) from None
    if not 0 <= value <= high:
        raise InvalidInput(f"'{name}' must be between 0 and {high}.", details={"field": name})
    return value


def _jellyfin_user(request: web.Request) -> str:
    principal = principal_of(request)
    if principal.jellyfin_id is None:
        raise Forbidden(
            "Sign in with Jellyfin to have a history.", code="jellyfin_sign_in_required"
        )
    return principal.jellyfin_id


@router.get(
    "/api/playback",
    summary="What is playing now (yours; administrators see everyone's)",
    returns=obj(sessions=arr(OBJ)),
)
async def playback(request: web.Request) -> web.Response:
    """Current playback states from the live overlay."""
    principal = principal_of(request)
    user = None if principal.is_admin else _jellyfin_user(request)
    return json_response({"sessions": await history.playback_states(user)})


@router.get(
    "/api/history",
    summary="Your plays, newest first",
    query=(
        ("offset", "integer", "Skip this many"),
        ("limit", "integer", "Page size (1-500, default 50)"),
        ("counted", "boolean", "Only counted plays (not skips)"),
    ),
    returns=page(OBJ),
)
async def plays(request: web.Request) -> web.Response:
    """The signed-in user's listening history, paged."""
    limit = max(1, _int(request, "limit", 50, 500))
    counted = request.query.get("counted", "false").lower() in ("1", "true", "yes")
    body = await history.history(
        _jellyfin_user(request), _int(request, "offset", 0, 10**9), limit, counted_only=counted
    )
    return json_response(body)


@router.get(
    "/api/history/top",
    summary="Your most played tracks and artists this week, month or year",
    query=(
        ("period", "string", "week, month or year (default week)"),
        ("limit", "integer", "How many (1-100, default 10)"),
    ),
    returns=obj(period=STR, plays=INT, tracks=arr(OBJ), artists=arr(OBJ)),
)
async def top(request: web.Request) -> web.Response:
    """Play counts per track and per artist over a period."""
    period = request.query.get("period", "week")
    if period not in history.PERIODS:
        raise InvalidInput("'period' must be week, month or year.", details={"field": "period"})
    limit = max(1, _int(request, "limit", 10, 100))
    return json_response(await history.top(_jellyfin_user(request), period, limit))  # type: ignore[arg-type]


@router.get(
    "/api/live/status",
    summary="The live event sources and what they cover",
    auth="admin",
    returns=obj(facts_applied=INT, inbox_processed=INT, sockets=OBJ, sources=OBJ),
)
async def live_status(request: web.Request) -> web.Response:
    """Socket states and, with only an API key, which live events need the Webhook plugin."""
    live = request.app[keys.LIVE]
    return json_response(
        {
            **live.sockets.status(),
            "inbox_processed": live.inbox.processed,
            "facts_applied": live.pipeline.applied,
        }
    )
