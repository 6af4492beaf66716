"""Playlist imports: upload or link a playlist, review its matches, fix rows, commit it."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from companion import keys
from companion.errors import BadRequest, CompanionError, InvalidInput
from companion.imports.service import MAX_FILE_BYTES, ImportService
from web.json import get_str, json_response, loads, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import IMPORT, OBJ, items

router = ApiRouter("imports")

_ID = r"/api/imports/{id:\d+}"
_CREATE_BODY: dict[str, Any] = {
    "type": "object",
    "description": "JSON {url} or {source, text, name?, mapping?}; or multipart/form-data with "
    "a 'file' part (and optional 'mapping' JSON and 'name' fields).",
    "properties": {
        "url": {"type": "string", "description": "A Deezer, YouTube Music or Spotify playlist"},
        "source": {"type": "string", "enum": ["auto", "csv", "exportify", "m3u", "jspf", "xspf"]},
        "text": {"type": "string"},
        "name": {"type": "string"},
        "mapping": {
            "type": "object",
            "description": "CSV columns by field: {title, artist, album?, duration?, isrc?}",
        },
    },
}


def _service(request: web.Request) -> ImportService:
    return request.app[keys.IMPORTS]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _mapping(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = loads(value)
        except json.JSONDecodeError:
            raise InvalidInput(
                "'mapping' must be a JSON object.", details={"field": "mapping"}
            ) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(
            "'mapping' must map fields to column names, e.g. {'title': 'Song'}.",
            details={"field": "mapping"},
        )
    return value


async def _read_part(part: BodyPartReader) -> bytes:
    """A part's body, refused with 413 past MAX_FILE_BYTES (without reading the rest)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise CompanionError(
                f"The file is too large: playlists up to {MAX_FILE_BYTES // (1024 * 1024)} MB "
                "are accepted.",
                code="import_file_too_large",
                status=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _from_multipart(request: web.Request) -> dict[str, Any]:
    fields: dict[str, str] = {}
    filename: str | None = None
    data: bytes | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file":
                filename = part.filename or "playlist"
                data = await _read_part(part)
            elif part.name in ("mapping", "name"):
                raw = (await part.read(decode=True))[:65536]
                fields[part.name] = raw.decode("utf-8", "replace")
    except ValueError as err:
        # aiohttp's reader raises ValueError (or its subclasses) for a missing boundary and
        # malformed parts: the client's mistake, not ours.
        raise BadRequest(
            f"The multipart body is malformed: {err}.", code="invalid_multipart"
        ) from None
    if data is None or filename is None:
        raise InvalidInput("Send the playlist file in a 'file' part.", details={"field": "file"})
    if not data.strip():
        raise InvalidInput("The file is empty.", code="import_empty")
    result = await _service(request).from_file(
        principal_of(request), filename, data, _mapping(fields.get("mapping"))
    )
    return result


@router.post(
    "/api/imports",
    summary="Import a playlist (file, pasted text or URL) and match it to library tracks",
    body=_CREATE_BODY,
    responses={
        "201": "The import {id, name, source, notice, state, counts, rows: [{index, title, "
        "artists, album, duration_s, state, ref, confidence, candidates, reason}]}",
        "400": "Unknown format, unreadable file, unsupported URL",
        "403": "The playlist is private",
        "404": "The playlist does not exist (removed)",
        "413": "The file is too large",
        "422": "CSV columns not recognised: details.headers to map (send 'mapping')",
        "503": "The playlist's service is unreachable or over its quota",
    },
    returns=IMPORT,
)
async def create_import(request: web.Request) -> web.Response:
    """Read, store and match a playlist; progress goes out as import.progress events."""
    principal = principal_of(request)
    if request.content_type.startswith("multipart/"):
        result = await _from_multipart(request)
        return json_response(result, status=201)
    body = await read_json(request)
    unknown = set(body) - {"url", "source", "text", "name", "mapping"}
    if unknown:
        raise InvalidInput(f"Unknown field {sorted(unknown)[0]!r}.")
    service = _service(request)
    if body.get("url") is not None:
        url = get_str(body, "url", max_len=2000) or ""
        return json_response(await service.from_url(principal, url), status=201)
    if body.get("text") is None:
        raise BadRequest(
            "Send a file (multipart 'file'), {'url': ...} or {'source': ..., 'text': ...}.",
            code="import_nothing",
        )
    text = get_str(body, "text", max_len=MAX_FILE_BYTES) or ""
    result = await service.from_text(
        principal,
        get_str(body, "source", required=False, max_len=32),
        text,
        get_str(body, "name", required=False, max_len=255),
        _mapping(body.get("mapping")),
    )
    return json_response(result, status=201)


@router.get("/api/imports", summary="Your imports, newest first", returns=items(OBJ))
async def list_imports(request: web.Request) -> web.Response:
    """The user's imports (without rows)."""
    return json_response({"items": await _service(request).recent(principal_of(request))})


@router.get(
    _ID, summary="One import with its rows", responses={"404": "No such import"}, returns=IMPORT
)
async def get_import(request: web.Request) -> web.Response:
    """An import with every row's state, ref, confidence and candidates."""
    return json_response(await _service(request).get(principal_of(request), _id(request)))


@router.patch(
    _ID + r"/rows/{index:\d+}",
    summary="Pick a track for a row ({ref}) or skip it ({skip: true})",
    body={
        "type": "object",
        "properties": {
            "ref": {"type": "string", "pattern": "^(jellyfin|navidrome):[0-9a-f]{32}$"},
            "skip": {"type": "boolean"},
        },
    },
    responses={"200": "The import", "400": "Bad ref", "404": "No such import or row"},
    returns=IMPORT,
)
async def patch_row(request: web.Request) -> web.Response:
    """A person's pick is remembered and reused by their later imports."""
    body = await read_json(request)
    index = int(request.match_info["index"])
    result = await _service(request).patch_row(principal_of(request), _id(request), index, body)
    return json_response(result)


@router.post(
    _ID + "/commit",
    summary="Make the import a companion playlist (pushed to Jellyfin); waiting rows fill in later",
    body={"type": "object", "properties": {"name": {"type": "string"}}},
    responses={"201": "The import with its playlist", "409": "Already committed"},
    returns=IMPORT,
)
async def commit(request: web.Request) -> web.Response:
    """Create the playlist from the matched rows, in order."""
    body = await read_json(request) if request.can_read_body else {}
    name = get_str(body, "name", required=False, max_len=255)
    result = await _service(request).commit(principal_of(request), _id(request), name)
    return json_response(result, status=201)
