"""Setting and clearing the session cookie with safe flags."""

from __future__ import annotations

from aiohttp import web

from companion import const, keys
from web.dashboard import csrf


def _path(request: web.Request) -> str:
    # Under COMPANION_BASE_PATH the cookies stay with the companion, not every app on the host.
    return request.app[keys.SETTINGS].base_path or "/"


def _secure(request: web.Request) -> bool:
    mode = request.app[keys.SETTINGS].cookie_secure
    if mode == "auto":
        return request.secure
    return mode == "true"


def set_session_cookie(
    request: web.Request,
    response: web.StreamResponse,
    value: str,
    *,
    max_age: int = const.SESSION_TTL_SECONDS,
) -> None:
    """Set the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        const.SESSION_COOKIE,
        value,
        max_age=max_age,
        path=_path(request),
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    # The session's CSRF token, readable by scripts of this origin only (double submit).
    response.set_cookie(
        csrf.COOKIE,
        csrf.token_for(request, value),
        max_age=max_age,
        path=_path(request),
        samesite="Strict",
        secure=_secure(request),
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Remove the session cookie."""
    response.del_cookie(const.SESSION_COOKIE, path=_path(request))
    response.del_cookie(csrf.COOKIE, path=_path(request))
