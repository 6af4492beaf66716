"""Health, metrics and the OpenAPI document."""

from __future__ import annotations

import hmac

from aiohttp import web

from companion import __version__, keys
from companion.errors import Unauthorized
from companion.media import ref_scheme
from companion.providers.capabilities import server_capabilities
from web.json import json_response
from web.routing import ApiRouter, openapi_document
from web.schemas import OBJ, STR, TEXT, null, obj

router = ApiRouter("system")


@router.get(
    "/healthz", summary="Liveness probe", auth="public", returns=obj(status=STR, version=STR)
)
async def healthz(request: web.Request) -> web.Response:
    """Answer 200 with the status and version while the process serves requests."""
    return json_response({"status": "ok", "version": __version__})


@router.get("/metrics", summary="Prometheus metrics", auth="public", returns=TEXT)
async def metrics(request: web.Request) -> web.Response:
    """Return metrics in the Prometheus text format (bearer COMPANION_METRICS_TOKEN if set)."""
    expected = request.app[keys.SETTINGS].metrics_token
    if expected is not None:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        given = sent.strip().encode("utf-8", "surrogateescape")
        # Constant time: the comparison must not tell how much of a guess was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected.encode()):
            error = Unauthorized(
                "Send the metrics token as a bearer token.", code="metrics_token_required"
            )
            return json_response(
                error.as_dict(), status=401, headers={"WWW-Authenticate": "Bearer"}
            )
    body = request.app[keys.METRICS].render()
    return web.Response(
        text=body,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/api/openapi.json",
    summary="This API's OpenAPI document",
    auth="public",
    returns=obj(openapi=STR, paths=OBJ),
)
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
    returns=obj(
        server=null(STR),
        live=null(STR),
        poll_interval_s={"type": ["number", "null"]},
        capabilities=OBJ,
        descriptions=OBJ,
        unsupported=OBJ,
        ref_scheme=STR,
    ),
)
async def capabilities(request: web.Request) -> web.Response:
    """The media server's name, how live events arrive (push or polled) and its capabilities."""
    body = server_capabilities(request.app[keys.PROVIDERS])
    body["ref_scheme"] = ref_scheme()
    return json_response(body)
