"""Rendering a dashboard page: who is signed in, the layout or a fragment, Jellyfin-down."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.errors import MESSAGES, CompanionError
from companion.media import ref_scheme
from companion.providers.capabilities import server_capabilities
from web.base_path import prefixed
from web.dashboard import csrf

Build = Callable[[Principal], Awaitable[dict[str, Any]]]
# Errors a page shows in place of its content, with a Retry button, instead of failing.
_SHOWN_CODES = frozenset({"jellyfin_unreachable", "service_unavailable"})
# Entry states in which Jellyfin calls fail: loaded but failing, or waiting to set up again.
_DOWN_STATES = frozenset({"unavailable", "setup_retry"})

NAV: tuple[tuple[str, str, str, bool], ...] = (
    # (key, label, href, administrators only)
    ("library", "Library", "/library", False),
    ("favorites", "Favorites", "/favorites", False),
    ("playlists", "Playlists", "/playlists", False),
    ("imports", "Import", "/imports", False),
    ("downloads", "Downloads", "/downloads", False),
    ("flows", "Flows", "/flows", False),
    ("vibe", "Vibe", "/vibe", False),
    ("player", "Queue", "/player", False),
    ("now", "Now playing", "/now-playing", False),
    ("history", "History", "/history", False),
    ("review", "Year in review", "/review", False),
    ("activity", "Activity", "/activity", False),
    ("automation", "Automation", "/automation", False),
    ("integrations", "Integrations", "/integrations", True),
    ("webhooks", "Webhooks", "/settings/webhooks", True),
)


def install_base_path(env: jinja2.Environment, base: str) -> None:
    """Make every template (macros included) render URLs under COMPANION_BASE_PATH.

    `base_path` goes before every literal path (`href="{{ base_path }}/library"`); the `url`
    filter prefixes a path that comes from data (`{{ t.image_url|url }}`) and leaves absolute
    URLs alone. The dashboard's script reads the same prefix from `<body data-base-path>`.
    """

    def url(path: object) -> str:
        return prefixed(base, str(path or ""))

    env.globals["base_path"] = base
    env.filters["url"] = url


def principal_or_none(request: web.Request) -> Principal | None:
    """The signed-in principal the auth middleware found from the cookie, if any."""
    principal = request.get(keys.PRINCIPAL)
    return principal if isinstance(principal, Principal) else None


async def sign_in_path(app: web.Application) -> str:
    """Where someone not signed in goes: setup until Jellyfin is connected, then sign-in."""
    if app[keys.ENTRIES].media_server_entries() or await app[keys.AUTH].admin_exists():
        return "/login"
    return "/setup"


def jellyfin_down(app: web.Application) -> bool:
    """Tell whether the Jellyfin entry is failing (the banner on every page says so)."""
    entries = app.get(keys.ENTRIES)
    if entries is None:
        return False
    return any(e.state.value in _DOWN_STATES for e in entries.media_server_entries())


def is_fragment(request: web.Request) -> bool:
    """Tell whether the page's script asked for the content only (Retry, live refresh)."""
    return request.headers.get("X-Fragment") == "1"


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    started: float | None = None,
) -> web.Response:
    """Render a template with the common context; report the server time in Server-Timing."""
    started = started if started is not None else time.perf_counter()
    principal = principal_or_none(request)
    base = {
        "principal": principal,
        "csrf_token": csrf.session_token(request) or "",
        "nav": [n for n in NAV if not n[3] or (principal is not None and principal.is_admin)],
        "layout": "fragment.html" if is_fragment(request) else "base.html",
        "unreachable": None,
        "jellyfin_down": jellyfin_down(request.app),
        # The media server's name and limits: banners and hints say what it cannot do.
        "server": server_capabilities(request.app[keys.PROVIDERS]),
        "ref_scheme": ref_scheme(),
        "skip_list": False,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    elapsed = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    response.headers["Cache-Control"] = "no-store"
    return response


async def user_page(
    request: web.Request, template: str, build: Build, *, admin: bool = False
) -> web.StreamResponse:
    """A page for signed-in users: sign-in redirect, data from `build`, Jellyfin-down message."""
    started = time.perf_counter()
    principal = principal_or_none(request)
    if principal is None or principal.kind == "setup":
        target = await sign_in_path(request.app)
        if is_fragment(request):
            # A fragment request cannot follow a redirect into a full page; tell the script.
            raise web.HTTPUnauthorized(headers={"X-Location": target})
        raise web.HTTPFound(target)
    if admin and not principal.is_admin:
        return render(
            request,
            "message.html",
            {"title": "Administrators only", "message": MESSAGES["forbidden"]},
            status=403,
            started=started,
        )
    try:
        context = await build(principal)
    except CompanionError as err:
        if err.status == 404:
            return render(
                request,
                "message.html",
                {"title": "Not found", "message": err.message},
                status=404,
                started=started,
            )
        if err.code not in _SHOWN_CODES and err.code != "jellyfin_sign_in_required":
            raise
        context = {"unreachable": err.message, "error_code": err.code}
        return render(request, template, context, status=err.status, started=started)
    return render(request, template, context, started=started)
