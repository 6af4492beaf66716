"""Whether a browser request comes from a page of the companion itself (its Origin)."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from companion import keys


def _origin(url: str) -> str | None:
    # An origin is scheme://host[:port]; a base path (COMPANION_PUBLIC_URL's) is not part of it.
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_own_origin(request: web.Request, origin: str) -> bool:
    """Tell whether `origin` is the companion's: its public URL's, or the one this request reached.

    The request's own host is compared without the scheme: behind a proxy that terminates TLS
    and sends no trusted X-Forwarded-Proto, the companion sees http while the page is https.
    Another site cannot make a browser send this host with its own origin.
    """
    seen = _origin(origin)
    if seen is None:
        return False
    public = request.app[keys.SETTINGS].public_url
    if public and _origin(public) == seen:
        return True
    return urlsplit(seen).netloc == request.host.lower()
