"""Track audio: a redirect to Jellyfin (default) or a proxied stream with Range support."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from companion import keys
from companion.accounts.preferences import STREAM_MODES, get_preferences, stream_quality
from companion.errors import CompanionError, InvalidInput
from companion.media import UserCredential
from web.api.music_support import credential, music, path_ref
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import AUDIO

_LOGGER = logging.getLogger(__name__)

router = ApiRouter("tracks")

# Small enough to keep memory flat per listener, big enough to keep syscalls few.
CHUNK_BYTES = 64 * 1024
_FORWARDED = ("Range", "If-Range")
_QUERY = (("mode", "string", "redirect (default, or the user's stream_mode preference) | proxy"),)
_RESPONSES = {
    "302": "Redirect to the audio on the public Jellyfin URL (no service credential in it)",
    "200": "Proxied audio",
    "206": "Proxied partial content for a Range request",
    "404": "No such track",
    "503": "Jellyfin is slow or unreachable",
}


async def _stream(request: web.Request) -> web.StreamResponse:
    item_id = path_ref(request)
    cred = await credential(request)
    prefs = await get_preferences(principal_of(request).user_id or 0)
    mode = request.query.get("mode") or prefs["stream_mode"]
    if mode not in STREAM_MODES:
        raise InvalidInput("'mode' must be redirect or proxy.", details={"field": "mode"})
    if mode == "proxy":
        return await _proxy(request, cred, item_id)
    url = await music(request).streams.redirect_url(cred, item_id, stream_quality(prefs))
    return web.Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})


async def _proxy(request: web.Request, cred: UserCredential, item_id: str) -> web.StreamResponse:
    forwarded = {h: request.headers[h] for h in _FORWARDED if h in request.headers}
    streams = music(request).streams
    async with streams.open(cred, item_id, method=request.method, headers=forwarded) as upstream:
        response = web.StreamResponse(status=upstream.status, headers=upstream.headers)
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        task = asyncio.current_task()
        running = request.app[keys.STREAMS]
        if task is not None:
            running.add(task)
        try:
            async for chunk in upstream.chunks(CHUNK_BYTES):
                # write() waits while the client's socket buffer is full: that is the backpressure.
                await response.write(chunk)
        except ConnectionResetError:
            # The player went away; leaving the block closes the upstream request too.
            return response
        except CompanionError as err:
            # Headers are gone already; cutting the connection tells the player to skip.
            _LOGGER.warning("Proxied stream of %s broke off: %s", item_id, err.message)
            if request.transport is not None:
                request.transport.close()
            return response
        finally:
            if task is not None:
                running.discard(task)
        await response.write_eof()
        return response


async def cancel_streams(app: web.Application) -> None:
    """Cut every proxied stream (on shutdown): a stalled player would hold it to the timeout."""
    running: set[asyncio.Task[Any]] = app[keys.STREAMS]
    for task in list(running):
        task.cancel()


@router.get(
    "/api/tracks/{ref}/stream",
    summary="Play a track: 302 to Jellyfin, or proxied with ?mode=proxy",
    query=_QUERY,
    responses=_RESPONSES,
    returns=AUDIO,
)
async def stream(request: web.Request) -> web.StreamResponse:
    """Redirect to (or proxy) the track's audio as the user's preferences say."""
    return await _stream(request)


@router.route(
    "HEAD",
    "/api/tracks/{ref}/stream",
    summary="Headers of a track's audio (size, ranges, type)",
    query=_QUERY,
    responses=_RESPONSES,
    returns=None,
)
async def stream_head(request: web.Request) -> web.StreamResponse:
    """HEAD of the stream route (redirect or proxied headers)."""
    return await _stream(request)
