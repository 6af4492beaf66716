"""Case-insensitive routing: ASP.NET matches route templates ignoring case, aiohttp does not."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


class Templates:
    """Every route template of the app as a case-insensitive pattern, literal-richest first.

    ASP.NET prefers templates with more literal segments (`/Items/Latest` over `/Items/{id}`);
    ordering by literal length gives the same choice for this fake's routes.
    """

    def __init__(self, app: web.Application) -> None:
        found: dict[str, re.Pattern[str]] = {}
        for res in app.router.resources():
            # Sub-applications (the control plane) are not Jellyfin routes: never matched here.
            if not isinstance(res, web.PrefixedSubAppResource):
                found.setdefault(res.canonical, _compile(res.canonical))
        self.templates = sorted(found.items(), key=lambda kv: -len(_PARAM.sub("", kv[0])))

    def canonical(self, path: str) -> str | None:
        """The path respelled with the registered template's casing, or None if none fits."""
        for canon, pattern in self.templates:
            m = pattern.fullmatch(path)
            if m is not None:
                return _fill(canon, m.groupdict())
        return None


def _fill(template: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda p: values[p.group(1)], template)


def _compile(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>[^/]+)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.IGNORECASE)


TEMPLATES: web.AppKey[Templates] = web.AppKey("fake_jellyfin_templates", Templates)


async def retry_case_insensitive(request: web.Request) -> tuple[web.Request, Handler] | None:
    """When a path did not match, retry with the template's casing (e.g. /system/info)."""
    if not isinstance(request.match_info, MatchInfoError):
        return None
    if request.match_info.http_exception.status != 404:
        return None
    # ASP.NET routing also ignores a trailing slash (/Library/MediaFolders/).
    path = request.path.rstrip("/") or "/"
    canon = request.app[TEMPLATES].canonical(path)
    if canon is None or canon == request.path:
        return None
    clone = request.clone(rel_url=URL.build(path=canon, query_string=request.query_string))
    match = await request.app.router.resolve(clone)
    if isinstance(match, MatchInfoError) and match.http_exception.status == 404:
        return None
    match.add_app(request.app)
    match.freeze()
    clone._match_info = match
    return clone, match.handler
