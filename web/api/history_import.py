"""History imports: preview then import your old plays (Jellyfin, ListenBrainz, Last.fm)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.errors import Forbidden, InvalidInput
from companion.history import stats
from companion.history.import_jellyfin import JellyfinOptions
from companion.history.imports import HistoryImports, Stager
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import HISTORY_IMPORT, OBJ, items, page

router = ApiRouter("history")

_ID = r"/api/history/imports/{id:\d+}"
_MODES = ("auto", "on", "off")
_START_BODY = {
    "type": "object",
    "properties": {
        "source": {"type": "string", "enum": ["jellyfin", "listenbrainz", "lastfm"]},
        "playback_reporting": {"type": "string", "enum": list(_MODES)},
        "plugin_utc_offset_minutes": {"type": ["integer", "null"]},
        "user_name": {"type": "string"},
    },
    "required": ["source"],
}


def imports(request: web.Request) -> HistoryImports:
    """The app's import jobs."""
    return request.app[keys.HISTORY_IMPORTS]


def _user(request: web.Request) -> str:
    principal = principal_of(request)
    if principal.jellyfin_id is None:
        raise Forbidden(
            "Sign in with Jellyfin to have a history.", code="jellyfin_sign_in_required"
        )
    return principal.jellyfin_id


def _int_query(request: web.Request, name: str, default: int, high: int) -> int:
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


def jellyfin_options(body: dict[str, Any]) -> JellyfinOptions:
    """Validate the Jellyfin import's options."""
    mode = body.get("playback_reporting", "auto")
    if mode not in _MODES:
        raise InvalidInput(
            "'playback_reporting' must be auto, on or off.",
            details={"field": "playback_reporting"},
        )
    offset = body.get("plugin_utc_offset_minutes")
    if offset is not None and (
        isinstance(offset, bool) or not isinstance(offset, int) or not -840 <= offset <= 840
    ):
        raise InvalidInput(
            "'plugin_utc_offset_minutes' must be a whole number of minutes from -840 to 840.",
            details={"field": "plugin_utc_offset_minutes"},
        )
    return JellyfinOptions(playback_reporting=mode, plugin_utc_offset=offset)


async def _stager(request: web.Request, source: str, body: dict[str, Any]) -> Stager:
    principal = principal_of(request)
    if source == "jellyfin":
        cred = await request.app[keys.MUSIC].credential(principal)
        return imports(request).jellyfin(cred, jellyfin_options(body))
    if source in ("listenbrainz", "lastfm"):
        return await request.app[keys.LISTENING].history_stager(principal, source, body)
    raise InvalidInput(
        "'source' must be jellyfin, listenbrainz or lastfm.", details={"field": "source"}
    )


@router.post(
    "/api/history/imports",
    summary="Preview an import of your old plays (the import itself is a second step)",
    body=_START_BODY,
    responses={
        "202": "The job, previewing; progress comes as history.import events",
        "400": "Bad options",
        "409": "An import runs already, or the Playback Reporting plugin is missing",
        "503": "The source is unreachable",
    },
    returns=HISTORY_IMPORT,
)
async def start_preview(request: web.Request) -> web.Response:
    """Check the source, create a job and stage what would be added."""
    user = _user(request)
    body = await read_json(request)
    source = body.get("source")
    if not isinstance(source, str):
        raise InvalidInput("'source' is required.", details={"field": "source"})
    stager = await _stager(request, source, body)
    options = {k: v for k, v in body.items() if k != "source"}
    job = await imports(request).preview(user, source, options, stager)
    return json_response(job, status=202)


@router.get(
    "/api/history/imports",
    summary="Your history imports, newest first",
    returns=items(HISTORY_IMPORT),
)
async def list_imports(request: web.Request) -> web.Response:
    """Every import job of the signed-in user."""
    return json_response({"items": await imports(request).list(_user(request))})


@router.get(
    _ID,
    summary="One history import: its preview summary, progress or result",
    returns=HISTORY_IMPORT,
)
async def get_import(request: web.Request) -> web.Response:
    """One import job."""
    job_id = int(request.match_info["id"])
    return json_response(await imports(request).get(_user(request), job_id))


@router.post(
    _ID + "/import",
    summary="Import what the preview staged (additive; re-running adds nothing)",
    responses={"202": "The job, importing", "409": "Not a finished preview, or one runs"},
    returns=HISTORY_IMPORT,
)
async def commit(request: web.Request) -> web.Response:
    """Commit a previewed job (additive; importing it again adds nothing)."""
    job_id = int(request.match_info["id"])
    return json_response(await imports(request).commit(_user(request), job_id), status=202)


@router.delete(_ID, summary="Forget an import job (never the plays it added)", returns=None)
async def discard(request: web.Request) -> web.Response:
    """Delete a job that is not running, with its staged rows."""
    await imports(request).discard(_user(request), int(request.match_info["id"]))
    return web.Response(status=204)


@router.get(
    _ID + "/unmatched",
    summary="Listens of an import that matched no library track",
    query=(("offset", "integer", "Skip this many"), ("limit", "integer", "1-500")),
    returns=page(OBJ),
)
async def unmatched(request: web.Request) -> web.Response:
    """The listens kept aside."""
    body = await imports(request).unmatched(
        _user(request),
        int(request.match_info["id"]),
        _int_query(request, "offset", 0, 10**9),
        max(1, _int_query(request, "limit", 100, 500)),
    )
    return json_response(body)


@router.get(
    "/api/history/undated",
    summary="Plays imported without a date (Jellyfin's play counts beyond dated plays)",
    query=(("offset", "integer", "Skip this many"), ("limit", "integer", "1-500")),
    returns=page(OBJ),
)
async def undated(request: web.Request) -> web.Response:
    """Undated play counts per track, marked as such."""
    body = await stats.undated(
        _user(request),
        _int_query(request, "offset", 0, 10**9),
        max(1, _int_query(request, "limit", 100, 500)),
    )
    return json_response(body)
