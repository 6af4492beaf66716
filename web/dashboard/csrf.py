"""CSRF tokens bound to the session cookie: `X-CSRF-Token` header or `csrf_token` form field."""

from __future__ import annotations

import hmac

from aiohttp import web

from companion import const, keys
from companion.errors import Forbidden

HEADER = "X-CSRF-Token"
FORM_FIELD = "csrf_token"
# Readable by the page's script (not HttpOnly) so cookie-based API clients can echo it.
COOKIE = "companion_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE = "Missing or wrong CSRF token. Reload the page and try again."


def token_for(request: web.Request, session_cookie: str) -> str:
    """The CSRF token of one session: an HMAC of its cookie under the app's secret key."""
    return request.app[keys.SECRET_BOX].sign(f"csrf:{session_cookie}")


def session_token(request: web.Request) -> str | None:
    """The token of the request's session cookie, or None without one."""
    cookie = request.cookies.get(const.SESSION_COOKIE)
    return token_for(request, cookie) if cookie else None


def check(request: web.Request, sent: str | None) -> None:
    """Refuse (403 csrf_failed) unless `sent` is the token of the request's session."""
    expected = session_token(request)
    if expected is None or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden(MESSAGE, code="csrf_failed")


def needs_check(request: web.Request, *, bearer_authenticated: bool) -> bool:
    """Tell whether a request is cookie-authenticated and state-changing."""
    if request.method in SAFE_METHODS:
        return False
    # A request that authenticated with a bearer token cannot have been forged by another
    # site. The exemption follows how it authenticated, not the header's look: an empty or
    # blank "Bearer " header beside the cookie authenticates with the cookie and is checked.
    if bearer_authenticated:
        return False
    return const.SESSION_COOKIE in request.cookies


def check_header(request: web.Request, *, bearer_authenticated: bool) -> None:
    """Check the header of a cookie-authenticated, state-changing API request."""
    if needs_check(request, bearer_authenticated=bearer_authenticated):
        check(request, request.headers.get(HEADER))
