"""Sign-in, sign-out, first-run setup and the integrations page."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from companion import const, keys
from companion.accounts.auth import Principal
from web.dashboard import csrf
from web.dashboard.redirects import safe_next
from web.dashboard.render import principal_or_none, render, sign_in_path, user_page
from web.session import clear_session_cookie


async def root(request: web.Request) -> web.StreamResponse:
    """Send people where they belong: setup, sign-in or the library."""
    principal = principal_or_none(request)
    if principal is not None and principal.kind != "setup":
        raise web.HTTPFound("/library")
    raise web.HTTPFound(await sign_in_path(request.app))


async def login_page(request: web.Request) -> web.StreamResponse:
    """The sign-in form (Jellyfin credentials)."""
    started = time.perf_counter()
    if await sign_in_path(request.app) == "/setup":
        raise web.HTTPFound("/setup")
    principal = principal_or_none(request)
    target = safe_next(request.query.get("next"))
    if principal is not None and principal.kind != "setup":
        raise web.HTTPFound(target)
    return render(request, "login.html", {"title": "Sign in", "next": target}, started=started)


async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out (a form post carrying the CSRF token) and go to the sign-in page."""
    form = await request.post()
    sent = form.get(csrf.FORM_FIELD)
    csrf.check(request, sent if isinstance(sent, str) and sent.isascii() else None)
    cookie = request.cookies.get(const.SESSION_COOKIE)
    if cookie:
        await request.app[keys.AUTH].end_session(cookie)
    response = web.HTTPSeeOther("/login")
    clear_session_cookie(request, response)
    raise response


SETUP_SERVERS = ("jellyfin", "navidrome")


async def setup_page(request: web.Request) -> web.StreamResponse:
    """First run: setup token, then the media server (Jellyfin or Navidrome), then its steps."""
    started = time.perf_counter()
    app = request.app
    if await app[keys.AUTH].admin_exists():
        raise web.HTTPFound("/login")
    principal = principal_or_none(request)
    entries = app[keys.ENTRIES]
    configured = entries.media_server_entries()
    # The configured server, else the one asked for (?server=navidrome), else Jellyfin.
    asked = request.query.get("server", "jellyfin")
    domain = configured[0].domain if configured else asked if asked in SETUP_SERVERS else "jellyfin"
    integration = entries.integration(domain)
    context: dict[str, Any] = {
        "title": "Set up",
        "step": "token",
        "jellyfin_configured": bool(configured),
        "server_domain": domain,
        "server_name": integration.manifest.name,
        "other_server": next(s for s in SETUP_SERVERS if s != domain),
    }
    if principal is not None and principal.kind == "setup":
        env = entries.env_values(integration)
        context.update(
            step="connected" if configured else "jellyfin",
            schema=integration.describe()["schema"],
            env_fields=sorted(env),
            env_vars={f: integration.manifest.env[f] for f in env},
            entry=entries.describe(configured[0]) if configured else None,
        )
    return render(request, "setup.html", context, started=started)


async def integrations(request: web.Request) -> web.StreamResponse:
    """Integration cards with state badges, add forms from each config flow's schema."""

    async def build(principal: Principal) -> dict[str, Any]:
        entries = request.app[keys.ENTRIES]
        available = []
        for integration in sorted(entries.integrations.values(), key=lambda i: i.manifest.name):
            try:
                description = integration.describe()
            except (ImportError, AttributeError):
                continue
            description["env_values"] = sorted(entries.env_values(integration))
            description["configured"] = bool(entries.entries(integration.domain))
            available.append(description)
        return {
            "title": "Integrations",
            "active": "integrations",
            "entries": [entries.describe(e) for e in entries.entries()],
            "available": available,
            "live": "integration.state",
        }

    return await user_page(request, "integrations.html", build, admin=True)
