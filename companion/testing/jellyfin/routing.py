"""Case-insensitive routing: ASP.NET matches routes ignoring case, aiohttp does not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SEGMENTS: web.AppKey[dict[str, str]] = web.AppKey("fake_jellyfin_segments", dict)


def collect_segments(app: web.Application) -> dict[str, str]:
    """Map lowercased static path segments to their registered spelling."""
    out: dict[str, str] = {}
    for res in app.router.resources():
        for seg in res.canonical.split("/"):
            if seg and "{" not in seg:
                out.setdefault(seg.lower(), seg)
    return out


async def retry_case_insensitive(request: web.Request) -> tuple[web.Request, Handler] | None:
    """When a path did not match, retry with canonical segment casing (e.g. system/info)."""
    if not isinstance(request.match_info, MatchInfoError):
        return None
    if request.match_info.http_exception.status != 404:
        return None
    segments = request.app[SEGMENTS]
    parts = request.path.split("/")
    canon = "/".join(segments.get(p.lower(), p) for p in parts)
    if canon == request.path:
        return None
    clone = request.clone(rel_url=URL.build(path=canon, query_string=request.query_string))
    match = await request.app.router.resolve(clone)
    if isinstance(match, MatchInfoError):
        return None
    match.add_app(request.app)
    match.freeze()
    clone._match_info = match
    return clone, match.handler
