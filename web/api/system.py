"""Health, metrics and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from companion import __version__, keys
from companion.media import ref_scheme
from companion.providers.capabilities import server_capabilities
from web.json import json_response
from web.routing import ApiRouter, openapi_document

router = ApiRouter("system")


@router.get("/healthz", summary="Liveness probe", auth="public")
async def healthz(request: web.Request) -> web.Response:
    """Answer 200 with the status and version while the process serves requests."""
    return json_response({"status": "ok", "version": __version__})


@router.get("/metrics", summary="Prometheus metrics", auth="public")
async def metrics(request: web.Request) -> web.Response:
    """Return metrics in the Prometheus text format."""
    body = request.app[keys.METRICS].render()
    return web.Response(
        text=body,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get("/api/openapi.json", summary="This API's OpenAPI document", auth="public")
async def openapi(request: web.Request) -> web.Response:
    """Return the OpenAPI 3.1 document covering every /api route."""
    document = openapi_document(request.app[keys.ROUTERS], __version__)
    base = request.app[keys.SETTINGS].base_path
    if base:
        # Paths are the routes'; behind a sub-path proxy, clients put them under the prefix.
        document["servers"] = [{"url": base}]
    return json_response(document)


@router.get(
    "/api/server/capabilities",
    summary="What the configured media server can do, and why not where it cannot",
)
async def capabilities(request: web.Request) -> web.Response:
    """The media server's name, how live events arrive (push or polled) and its capabilities."""
    body = server_capabilities(request.app[keys.PROVIDERS])
    body["ref_scheme"] = ref_scheme()
    return json_response(body)
