"""Downloads ("add to library"): the wanted list, searches, retry/cancel, settings, the webhook."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.db.ids import is_id
from companion.downloads.service import DownloadService
from companion.downloads.wanted import Want, clean_mbid
from companion.errors import InvalidInput
from companion.live.webhook_secrets import WebhookSecret
from companion.providers.downloads import PeerFile
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import DOWNLOAD, OBJ, WEBHOOK, items, obj

router = ApiRouter("downloads")

_ID = r"/api/downloads/{id:\d+}"
_ITEM = (
    "{id, job_id, kind, title, artists, album, provider, state: waiting|searching|queued|"
    "downloading|importing|in_library|failed|cancelled, percent, reason, source, import_id, refs}"
)
_WANT_BODY: dict[str, Any] = {
    "type": "object",
    "description": "A track or album {kind, title, artists, album?, duration_s?, mbid?, "
    "album_mbid?, artist_mbid?, candidate?}, or the waiting rows of an import {import_id, rows?}",
    "properties": {
        "kind": {"type": "string", "enum": ["track", "album"]},
        "title": {"type": "string"},
        "artists": {"type": "array", "items": {"type": "string"}},
        "album": {"type": "string"},
        "duration_s": {"type": "number"},
        "mbid": {"type": "string", "description": "Recording MBID"},
        "album_mbid": {"type": "string", "description": "Release-group MBID (Lidarr's album id)"},
        "artist_mbid": {"type": "string"},
        "candidate": {
            "type": "object",
            "description": "A Soulseek search result to try first {username, filename, size}",
        },
        "import_id": {"type": "integer"},
        "rows": {"type": "array", "items": {"type": "integer"}},
    },
}
_WANT_FIELDS = {
    "kind",
    "title",
    "artists",
    "album",
    "duration_s",
    "mbid",
    "album_mbid",
    "artist_mbid",
    "candidate",
    "source",
}


def _service(request: web.Request) -> DownloadService:
    return request.app[keys.DOWNLOADS]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _mbid(body: dict[str, Any], key: str) -> str | None:
    raw = get_str(body, key, required=False, max_len=64)
    if raw is None or raw == "":
        return None
    value = clean_mbid(raw)
    if value is None:
        raise InvalidInput(f"'{key}' must be a MusicBrainz id.", details={"field": key})
    return value


def want_from(body: dict[str, Any]) -> Want:
    """A Want from a request body, or 400 naming the bad field."""
    unknown = sorted(set(body) - _WANT_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}.", details={"field": unknown[0]})
    kind = body.get("kind", "track")
    if kind not in ("track", "album"):
        raise InvalidInput("'kind' must be track or album.", details={"field": "kind"})
    title = (get_str(body, "title", max_len=512) or "").strip()
    if not title:
        raise InvalidInput("'title' must not be empty.", details={"field": "title"})
    artists = body.get("artists", [])
    if (
        not isinstance(artists, list)
        or len(artists) > 20
        or not all(isinstance(a, str) and 0 < len(a.strip()) <= 512 for a in artists)
    ):
        raise InvalidInput(
            "'artists' must be a list of names (at most 20).", details={"field": "artists"}
        )
    duration = body.get("duration_s")
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0 < duration < 86400
    ):
        raise InvalidInput("'duration_s' must be seconds.", details={"field": "duration_s"})
    album = get_str(body, "album", required=False, max_len=512)
    return Want(
        kind=kind,
        title=title,
        artists=tuple(a.strip() for a in artists),
        album=album.strip() if album and album.strip() else None,
        duration_s=float(duration) if duration is not None else None,
        mbid=_mbid(body, "mbid"),
        album_mbid=_mbid(body, "album_mbid"),
        artist_mbid=_mbid(body, "artist_mbid"),
    )


def candidate_from(value: Any) -> PeerFile | None:
    """A Soulseek file chosen in the dashboard, or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("'candidate' must be an object.", details={"field": "candidate"})
    username, filename, size = value.get("username"), value.get("filename"), value.get("size")
    if (
        not isinstance(username, str)
        or not username
        or not isinstance(filename, str)
        or not filename
        or isinstance(size, bool)
        or not isinstance(size, int)
        or size < 0
    ):
        raise InvalidInput(
            "'candidate' needs username, filename and size.", details={"field": "candidate"}
        )
    known = {f for f in PeerFile.__dataclass_fields__}
    return PeerFile(**{k: v for k, v in value.items() if k in known})


@router.get(
    "/api/downloads",
    summary="Your wanted list, newest first (administrators: ?all=true for everyone's)",
    query=(("all", "boolean", "Everyone's items (administrators)"),),
    responses={"200": "{items: [" + _ITEM + "]}"},
    returns=items(DOWNLOAD),
)
async def list_items(request: web.Request) -> web.Response:
    """The wanted items with their download's live state."""
    everyone = request.query.get("all", "false").lower() == "true"
    items = await _service(request).items(principal_of(request), everyone)
    return json_response({"items": items})


@router.post(
    "/api/downloads",
    summary="Want a track or album (one download however many ask), or an import's waiting rows",
    body=_WANT_BODY,
    responses={"201": "{items: [" + _ITEM + "]}", "400": "Bad field", "404": "No such import"},
    returns=items(DOWNLOAD),
)
async def want(request: web.Request) -> web.Response:
    """Add to the wanted list; the worker starts at once."""
    body = await read_json(request)
    service = _service(request)
    principal = principal_of(request)
    if "import_id" in body:
        import_id, rows = body.get("import_id"), body.get("rows")
        if not is_id(import_id):
            raise InvalidInput("'import_id' must be an import id.", details={"field": "import_id"})
        if rows is not None and (
            not isinstance(rows, list)
            or not all(isinstance(r, int) and not isinstance(r, bool) for r in rows)
        ):
            raise InvalidInput("'rows' must list row indexes.", details={"field": "rows"})
        if set(body) - {"import_id", "rows"}:
            raise InvalidInput("Send {import_id, rows?} alone.", details={"field": "import_id"})
        items = await service.want_import_rows(principal, import_id, rows)
        return json_response({"items": items}, status=201)
    source = service.validate_source(str(body.get("source") or "search"))
    item = await service.want(
        principal, want_from(body), source=source, candidate=candidate_from(body.get("candidate"))
    )
    return json_response({"items": [item]}, status=201)


@router.get(
    "/api/downloads/search",
    summary="Search Lidarr's album lookup (source=lidarr) or Soulseek (source=soulseek)",
    query=(
        ("q", "string", "What to look for"),
        ("source", "string", "lidarr | soulseek"),
    ),
    responses={
        "200": "{items: [...]}",
        "409": "The service is not set up",
        "503": "The service is unreachable",
    },
    returns=items(OBJ),
)
async def search(request: web.Request) -> web.Response:
    """Albums (with their MBIDs) or files (with a guessed artist and title) to add."""
    q = request.query.get("q", "").strip()
    if not q or len(q) > 200:
        raise InvalidInput("'q' must be 1 to 200 characters.", details={"field": "q"})
    source = request.query.get("source", "lidarr")
    searches = _service(request).searches
    if source == "lidarr":
        items = await searches.albums(q)
    elif source == "soulseek":
        items = await searches.soulseek(q)
    else:
        raise InvalidInput("'source' must be lidarr or soulseek.", details={"field": "source"})
    return json_response({"source": source, "items": items})


@router.get(
    "/api/downloads/settings",
    summary="Download settings and what Jellyfin and Lidarr offer to choose from",
    auth="admin",
    returns=obj(settings=OBJ, services=OBJ),
)
async def get_settings(request: web.Request) -> web.Response:
    """The library folder, the path mapping, Lidarr's choices and slskd's folder."""
    return json_response(await _service(request).settings_view())


@router.put(
    "/api/downloads/settings",
    summary="Save download settings after checking the path mapping with probe files",
    auth="admin",
    body={
        "type": "object",
        "properties": {
            "library_id": {"type": "string"},
            "library_name": {"type": "string"},
            "jellyfin_folder": {"type": "string"},
            "companion_folder": {"type": "string"},
            "lidarr_folder": {"type": "string"},
            "quality_profile": {"type": "string"},
            "metadata_profile": {"type": "string"},
            "slskd_folder": {"type": "string"},
            "formats": {"type": "array", "items": {"type": "string"}},
            "min_bitrate": {"type": "integer"},
            "stall_minutes": {"type": "number"},
        },
    },
    responses={
        "200": "{settings, checks: [{name, ok, message}]}",
        "400": "A bad value, or downloads_mapping_failed with details.checks (nothing saved)",
    },
    returns=obj(settings=OBJ),
)
async def put_settings(request: web.Request) -> web.Response:
    """Check that every service sees the folders under the names given, then save."""
    body = await read_json(request)
    return json_response(await _service(request).save_settings(body))


@router.get(
    _ID,
    summary="One wanted item",
    responses={"200": _ITEM, "404": "No such item"},
    returns=DOWNLOAD,
)
async def get_item(request: web.Request) -> web.Response:
    """One wanted item and its download's state."""
    return json_response(await _service(request).get(principal_of(request), _id(request)))


@router.post(
    _ID + "/retry",
    summary="Try a failed or cancelled download again",
    responses={"200": _ITEM, "409": "Already in the library"},
    returns=DOWNLOAD,
)
async def retry(request: web.Request) -> web.Response:
    """Start over (or, while it waits for a service, look again now)."""
    return json_response(await _service(request).retry(principal_of(request), _id(request)))


@router.post(
    _ID + "/cancel",
    summary="Stop wanting it (the download stops when nobody else wants it)",
    responses={"200": _ITEM, "409": "Already in the library"},
    returns=DOWNLOAD,
)
async def cancel(request: web.Request) -> web.Response:
    """Cancel the wanted item."""
    return json_response(await _service(request).cancel(principal_of(request), _id(request)))


def _describe_webhook(request: web.Request, secret: WebhookSecret) -> dict[str, Any]:
    public = request.app[keys.SETTINGS].public_url
    url = f"{public or f'{request.scheme}://{request.host}'}/webhooks/lidarr"
    return {
        "url": url,
        "header": secret.header,
        "secret": secret.secret,
        "instructions": [
            "In Lidarr: Settings → Connect → + → Webhook.",
            "Notification triggers: On Grab, On Release Import, On Upgrade, On Download Failure, "
            "On Import Failure (the others are accepted and ignored).",
            f"URL: {url}, Method: POST.",
            f"Headers: add “{secret.header}” with the value “{secret.secret}”. On a Lidarr "
            "without headers, put the secret in the Password field instead (any username).",
            "Test, then Save. The companion answers 401 to any request without the secret.",
        ],
    }


@router.get(
    "/api/settings/webhooks/lidarr",
    summary="The Lidarr webhook URL, header and secret",
    auth="admin",
    returns=WEBHOOK,
)
async def get_lidarr_webhook(request: web.Request) -> web.Response:
    """Show the receiver URL and its own secret, with the steps in Lidarr."""
    secret = await request.app[keys.LIVE].secrets.get("lidarr")
    return json_response(_describe_webhook(request, secret))


@router.post(
    "/api/settings/webhooks/lidarr/rotate",
    summary="Generate a new Lidarr webhook secret",
    auth="admin",
    returns=WEBHOOK,
)
async def rotate_lidarr_webhook(request: web.Request) -> web.Response:
    """Replace the secret; the old one stops working at once."""
    secret = await request.app[keys.LIVE].secrets.rotate("lidarr")
    return json_response(_describe_webhook(request, secret))
