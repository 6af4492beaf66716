"""`POST /webhooks/lidarr`: Lidarr's Connect → Webhook, with a secret of its own.

Every payload has `eventType` (PascalCase: Test, Grab, Download, DownloadFailure, ImportFailure,
Rename, Retag, ArtistAdd, ArtistDelete, AlbumDelete, Health, HealthRestored,
ApplicationUpdate). `Download` means imported and carries `album.mbId` (also seen as `mBId`)
and `trackFiles[].path`; failures carry only the `downloadId` of their `Grab`. The effect is
recorded on the download jobs before the answer, so nothing is lost if the companion stops.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import web

from companion import keys
from companion.downloads.lidarr import LidarrNotice
from companion.errors import BadRequest, CompanionError, Unauthorized
from companion.live.webhook_secrets import WebhookSecret
from web.json import json_response, loads
from web.schemas import OK
from webhooks.routes import router

MAX_BODY = 2 * 1024 * 1024
SOURCE = "lidarr"
EVENT_TYPES = frozenset(
    {
        "Test",
        "Grab",
        "Download",
        "DownloadFailure",
        "ImportFailure",
        "Rename",
        "Retag",
        "ArtistAdd",
        "ArtistDelete",
        "AlbumDelete",
        "Health",
        "HealthRestored",
        "ApplicationUpdate",
        "ManualInteractionRequired",
    }
)
ACTED_ON = frozenset({"Grab", "Download", "DownloadFailure", "ImportFailure"})


class PayloadError(ValueError):
    """The body is not a Lidarr webhook payload."""


def _mbid(album: dict[str, Any]) -> str | None:
    # C#'s MBId camel-cased by Newtonsoft is "mbId"; tolerate the other spellings.
    for key in ("mbId", "mBId", "MBId", "foreignAlbumId"):
        value = album.get(key)
        if isinstance(value, str) and value:
            return value.lower()
    return None


def _albums(payload: dict[str, Any]) -> list[dict[str, Any]]:
    albums = payload.get("albums")
    out = [a for a in albums if isinstance(a, dict)] if isinstance(albums, list) else []
    album = payload.get("album")
    if isinstance(album, dict):
        out.append(album)
    return out


def parse(body: bytes) -> LidarrNotice:
    """A webhook body as a notice; PayloadError when it is not one."""
    try:
        payload = loads(body)
    except json.JSONDecodeError as err:
        raise PayloadError(f"The body is not JSON: {err}") from None
    if not isinstance(payload, dict):
        raise PayloadError("The body must be a JSON object.")
    event_type = payload.get("eventType")
    if not isinstance(event_type, str) or not event_type:
        raise PayloadError("'eventType' is missing.")
    download_id = payload.get("downloadId")
    if download_id is not None and not isinstance(download_id, str):
        raise PayloadError("'downloadId' must be a string.")
    albums = _albums(payload)
    album_ids = tuple(a["id"] for a in albums if isinstance(a.get("id"), int) and a["id"] > 0)
    mbids = tuple(m for m in (_mbid(a) for a in albums) if m)
    files = payload.get("trackFiles")
    paths = tuple(
        f["path"]
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, dict) and isinstance(f.get("path"), str) and f["path"]
    )
    title = payload.get("releaseTitle")
    return LidarrNotice(
        event_type=event_type,
        download_id=download_id or None,
        album_ids=album_ids,
        album_mbids=mbids,
        paths=paths,
        release_title=title if isinstance(title, str) else None,
    )


def _authorized(request: web.Request, secret: WebhookSecret) -> bool:
    # Compared in constant time on bytes; header values that are not UTF-8 (or a Basic value
    # that is not ASCII base64 of UTF-8) are simply wrong, never a 500.
    sent = request.headers.get(secret.header)
    if sent is not None:
        return secret.matches(sent)
    # Lidarr's webhook has Username/Password (Basic) on every version, headers only on newer.
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            _, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except ValueError:  # binascii.Error, non-ASCII text, UnicodeDecodeError
            return False
        return secret.matches(password)
    return False


async def _read_limited(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise CompanionError(
            "The webhook body is larger than 2 MB.", code="body_too_large", status=413
        )
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise CompanionError(
            "The webhook body is larger than 2 MB.", code="body_too_large", status=413
        )
    return body


@router.post("/webhooks/lidarr", summary="Receiver for Lidarr's webhook", auth="public", returns=OK)
async def receive(request: web.Request) -> web.Response:
    """Authenticate, parse, record the effect on the download jobs, answer."""
    secret = await request.app[keys.LIVE].secrets.get(SOURCE)
    if not _authorized(request, secret):
        raise Unauthorized(
            f"Missing or wrong {secret.header} header (or Basic password).",
            code="invalid_webhook_secret",
        )
    body = await _read_limited(request)
    try:
        notice = parse(body)
    except PayloadError as err:
        raise BadRequest(str(err), code="invalid_payload") from None
    if notice.event_type not in ACTED_ON:
        known = notice.event_type in EVENT_TYPES
        return json_response({"ok": True, "ignored": notice.event_type, "known": known})
    changed = await request.app[keys.DOWNLOADS].receive_lidarr(notice)
    return json_response({"ok": True, "jobs": changed})
