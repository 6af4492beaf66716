"""Signed artwork URLs for Home Assistant: cover art without a session, until the URL expires."""

from __future__ import annotations

import time

from aiohttp import web

from companion import keys
from companion.automation.artwork import IMAGE_SIZE, PATH, check, viewer
from companion.errors import Forbidden
from web.api.music_support import music, path_ref
from web.routing import ApiRouter
from web.schemas import IMAGE

router = ApiRouter("artwork")

_MESSAGES = {
    "invalid_signature": "This artwork link is not valid.",
    "expired": "This artwork link has expired; a newer one is published with the next track.",
}


@router.get(
    PATH,
    summary="Cover art behind a signed, expiring link (what Home Assistant's image entity fetches)",
    auth="public",
    query=(
        ("u", "string", "The Jellyfin user whose access fetches the art."),
        ("exp", "integer", "Expiry, Unix seconds."),
        ("sig", "string", "HMAC-SHA256 of the link under the install key."),
    ),
    responses={
        "200": "The image",
        "304": "Not modified",
        "403": "Bad or expired signature, or the user is gone",
        "404": "No such item",
    },
    returns=IMAGE,
)
async def artwork(request: web.Request) -> web.Response:
    """Serve an item's art to whoever holds a valid signed link."""
    item_id = path_ref(request)
    user_id = request.query.get("u", "")
    problem = check(
        request.app[keys.SECRET_BOX],
        item_id,
        user_id,
        request.query.get("exp", ""),
        request.query.get("sig", ""),
        time.time(),
    )
    if problem is not None:
        raise Forbidden(_MESSAGES[problem], code=problem)
    principal = await viewer(user_id)
    if principal is None:
        raise Forbidden("The user of this artwork link has signed out.", code="user_gone")
    services = music(request)
    answer = await services.streams.image(
        await services.credential(principal),
        item_id,
        size=IMAGE_SIZE,
        tag=None,
        if_none_match=request.headers.get("If-None-Match"),
    )
    # The link is personal and expires: caches may keep it, but not share it.
    headers = {"ETag": answer.etag, "Cache-Control": "private, max-age=3600"}
    if answer.status == 304:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = answer.content_type
    return web.Response(body=answer.body, headers=headers)
