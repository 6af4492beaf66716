"""Middlewares: trusted proxies, metrics, JSON errors, authentication, security headers."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import MutableMapping

from aiohttp import web
from aiohttp.typedefs import Handler

from companion import const, keys
from companion.accounts.auth import Principal
from companion.errors import MESSAGES, BadRequest, CompanionError, Forbidden, Unauthorized
from web.dashboard import csrf
from web.json import json_response
from web.proxies import forwarded_client
from web.routing import route_meta

_LOGGER = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def _wants_json(request: web.Request) -> bool:
    path = request.path
    return path.startswith(("/api", "/webhooks")) or "application/json" in request.headers.get(
        "Accept", ""
    )


@web.middleware
async def proxy_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Honour X-Forwarded-For/Proto/Host, but only from COMPANION_TRUSTED_PROXIES."""
    networks = request.app[keys.SETTINGS].trusted_proxies
    if networks and request.remote:
        try:
            peer = ipaddress.ip_address(request.remote)
        except ValueError:
            peer = None
        if peer is not None and any(peer in net for net in networks):
            changes: dict[str, str] = {}
            forwarded_for = request.headers.get("X-Forwarded-For")
            if forwarded_for:
                changes["remote"] = forwarded_client(request.remote, forwarded_for, networks)
            proto = request.headers.get("X-Forwarded-Proto")
            if proto in ("http", "https"):
                changes["scheme"] = proto
            host = request.headers.get("X-Forwarded-Host")
            if host:
                changes["host"] = host
            if changes:
                request = request.clone(**changes)  # type: ignore[arg-type]
    return await handler(request)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count requests by route template and status."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        request.app[keys.METRICS].observe_request(
            request.method, route, status, time.perf_counter() - started
        )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into `{"error": {"code", "message"}}`; never leak a stack trace."""
    try:
        return await handler(request)
    except CompanionError as err:
        return json_response(err.as_dict(), status=err.status)
    except web.HTTPException as exc:
        if exc.status < 400 or not _wants_json(request):
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = MESSAGES.get(code, exc.reason)
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return json_response(
            {"error": {"code": code, "message": message}}, status=exc.status, headers=headers
        )
    except UnicodeError as err:
        # Text that cannot be encoded or decoded (a lone surrogate, bytes that are not UTF-8)
        # is the client's: a 400, with the handler's transaction rolled back by the raise.
        _LOGGER.warning("Undecodable text on %s %s: %s", request.method, request.path, err)
        return json_response(
            {"error": {"code": "invalid_text", "message": MESSAGES["invalid_text"]}}, status=400
        )
    except Exception:
        _LOGGER.exception("Unhandled error on %s %s", request.method, request.path)
        return json_response(
            {"error": {"code": "internal_error", "message": MESSAGES["internal_error"]}}, status=500
        )


# Headers and cookies that carry the companion's own credentials. Everything it issues is
# ASCII, and they are hashed and compared as ASCII: other text is refused at the door with a
# clear 400 instead of failing deep inside a comparison. (A Basic credential is Lidarr's
# webhook secret: its receiver answers bad encodings with 401 itself.)
_CREDENTIAL_HEADERS = ("X-CSRF-Token", "X-Automation-Token")
_COOKIE_PREFIX = "companion_"


@web.middleware
async def credentials_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse (400) non-ASCII credentials and cookies of ours, and NUL in an API URL."""
    for name in _CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if value is not None and not value.isascii():
            raise BadRequest(f"The {name} header must be ASCII.", code="invalid_header")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and not token.isascii():
        raise BadRequest("The Authorization header must be ASCII.", code="invalid_header")
    for name, value in request.cookies.items():
        if name.startswith(_COOKIE_PREFIX) and not value.isascii():
            raise BadRequest(f"The {name} cookie must be ASCII.", code="invalid_cookie")
    # NUL cannot be stored in PostgreSQL text nor searched for; no API parameter needs it.
    # (Pages treat a bad parameter as absent, e.g. a sign-in's "next".)
    if request.path.startswith(("/api", "/webhooks")) and (
        "\x00" in request.path or any("\x00" in k + v for k, v in request.query.items())
    ):
        raise BadRequest("The URL must not contain NUL characters.", code="invalid_url")
    return await handler(request)


def bearer_token(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer` header, or None (absent or blank)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def resolve_principal(request: web.Request) -> Principal | None:
    """Find who is calling, from a bearer token or the session cookie."""
    auth = request.app[keys.AUTH]
    token = bearer_token(request)
    if token is not None:
        return await auth.resolve_token(token)
    cookie = request.cookies.get(const.SESSION_COOKIE)
    if cookie:
        return await auth.resolve_cookie(cookie)
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Enforce each route's auth level; every /api route needs a user unless marked public."""
    meta = route_meta(request.match_info.handler)
    level = (
        meta.auth if meta is not None else ("user" if request.path.startswith("/api") else "public")
    )
    if level == "public":
        principal = (
            await resolve_principal(request) if bearer_token(request) or request.cookies else None
        )
        if principal is not None:
            request[keys.PRINCIPAL] = principal
        return await handler(request)
    principal = await resolve_principal(request)
    if principal is None:
        if bearer_token(request) is not None:
            raise Unauthorized("That API token is not valid or was revoked.")
        raise Unauthorized()
    if level == "admin" and not principal.is_admin:
        raise Forbidden("Only administrators can do that.")
    if level == "user" and principal.kind == "setup":
        raise Forbidden("The setup token only allows setting up the companion; sign in first.")
    await request.app[keys.SIGNIN].ensure_still_valid(principal)
    # Cookie-authenticated writes must carry the session's CSRF token; bearer tokens need not.
    # resolve_principal used the bearer token alone whenever one was sent (a bad one is 401).
    csrf.check_header(request, bearer_authenticated=bearer_token(request) is not None)
    request[keys.PRINCIPAL] = principal
    return await handler(request)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add defensive headers to every answer, redirects and error pages included."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Redirects and aiohttp's own 404/405 pages are raised, not returned.
        _secure(exc.headers, request)
        raise
    _secure(response.headers, request)
    return response


# The dashboard uses none of these browser features; a page that never asks cannot be
# tricked into asking.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "hid=(), midi=(), display-capture=()"
)


def _secure(headers: MutableMapping[str, str], request: web.Request) -> None:
    settings = request.app[keys.SETTINGS]
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; media-src 'self' http: https:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {' '.join(settings.frame_ancestors)}",
    )


def principal_of(request: web.Request) -> Principal:
    """Return the authenticated principal (the auth middleware guarantees one)."""
    principal = request[keys.PRINCIPAL]
    assert isinstance(principal, Principal)
    return principal
