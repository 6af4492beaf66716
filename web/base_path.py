"""COMPANION_BASE_PATH: serve the app under a URL prefix, stripped by the proxy or not.

The routes stay where they are (`/api/...`, `/library`, `/static/...`). A reverse proxy that
serves the companion at `https://host/companion/` normally strips the prefix before passing the
request on; one that does not is served too (so is a visitor who opens the port directly and
follows the prefixed links): `PrefixAlias` routes `/companion/x` to the route of `/x`, and the
middleware hands every handler the path without the prefix. On the way out, root-relative
redirects get the prefix back. Pages render it through the `base_path` template global and the
dashboard's script reads it from `<body data-base-path>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import (
    AbstractResource,
    AbstractRoute,
    UrlDispatcher,
    UrlMappingMatchInfo,
)
from yarl import URL

from companion import keys

# Headers whose root-relative value is a place the browser goes next.
_LOCATION_HEADERS = ("Location", "X-Location")


def strip(base: str, raw_path: str) -> str | None:
    """The path without the prefix, or None when the path does not carry it."""
    if not base:
        return None
    if raw_path == base:
        return "/"
    if raw_path.startswith(base + "/"):
        return raw_path[len(base) :]
    return None


def prefixed(base: str, location: str) -> str:
    """Add the prefix to a root-relative URL that does not carry it yet."""
    if not base or not location.startswith("/") or location.startswith("//"):
        return location
    if location == base or location.startswith((base + "/", base + "?")):
        return location
    return base + location


def _without_prefix(request: web.Request, path: str) -> URL:
    return URL.build(path=path, query_string=request.rel_url.raw_query_string, encoded=True)


class PrefixAlias(AbstractResource):
    """Resolves `<base>/anything` to the route that serves `/anything`."""

    def __init__(self, base: str, router: UrlDispatcher) -> None:
        super().__init__()
        self._base = base
        self._router = router

    @property
    def canonical(self) -> str:
        """The prefix: the router indexes this resource under it."""
        return self._base

    def url_for(self, **kwargs: str) -> URL:
        """The prefix itself (nothing builds URLs from this resource)."""
        return URL.build(path=self._base)

    async def resolve(self, request: web.Request) -> tuple[UrlMappingMatchInfo | None, set[str]]:
        """Match the unprefixed path against every other route."""
        path = strip(self._base, request.rel_url.raw_path)
        if path is None:
            return None, set()
        match = await self._router.resolve(request.clone(rel_url=_without_prefix(request, path)))
        error = match.http_exception
        if error is None:
            return match, set()
        return None, set(getattr(error, "allowed_methods", ()) or ())

    def add_prefix(self, prefix: str) -> None:
        """Sub-applications are not used; the prefix is this resource's whole job."""
        raise NotImplementedError

    def get_info(self) -> dict[str, Any]:  # type: ignore[override]
        """Introspection, as aiohttp's own resources offer it."""
        return {"prefix": self._base}

    def raw_match(self, path: str) -> bool:
        """Never the same as a route added by path."""
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(())


@web.middleware
async def base_path_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Hand handlers the path without the prefix; put it back on redirects."""
    base = request.app[keys.SETTINGS].base_path
    if not base:
        return await handler(request)
    path = strip(base, request.rel_url.raw_path)
    if path is not None:
        # The match was made by PrefixAlias; clone() keeps it.
        request = request.clone(rel_url=_without_prefix(request, path))
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _prefix_locations(base, exc)
        raise
    _prefix_locations(base, response)
    return response


def _prefix_locations(base: str, response: web.StreamResponse) -> None:
    if response.prepared:
        return
    for name in _LOCATION_HEADERS:
        value = response.headers.get(name)
        if value is not None:
            response.headers[name] = prefixed(base, value)


def install(app: web.Application) -> None:
    """Accept prefixed requests too (call after every route is added)."""
    base = app[keys.SETTINGS].base_path
    if base:
        app.router.register_resource(PrefixAlias(base, app.router))
