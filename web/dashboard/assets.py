"""The dashboard's static files: fingerprinted names, gzip, and a year of caching.

Every file under static/ is read once at startup. Its URL carries a hash of its bytes
(`app.js` → `/static/app.3f9a2c1b0d.js`), so it can be cached for a year as immutable and a new
release is fetched at once; the plain name keeps working with revalidation. Text files are
served gzipped to browsers that accept it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".txt", ".html", "LICENSE")
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file in memory: its bytes, gzipped bytes (or None), type and hash."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    digest: str


def fingerprinted(name: str, digest: str) -> str:
    """`vendor/htmx.min.js` → `vendor/htmx.min.<digest>.js` (hash before the last suffix)."""
    head, dot, ext = name.rpartition(".")
    return f"{head}.{digest}.{ext}" if dot and "/" not in ext else f"{name}.{digest}"


class StaticAssets:
    """Every static file by plain and fingerprinted name."""

    def __init__(self, root: Path) -> None:
        self._by_name: dict[str, Asset] = {}
        self._by_print: dict[str, Asset] = {}
        self.urls: dict[str, str] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:10]
            packed = gzip.compress(body, 9, mtime=0) if name.endswith(_COMPRESSIBLE) else None
            suffix = path.suffix
            kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "text/plain"
            asset = Asset(
                body,
                packed if packed is not None and len(packed) < len(body) else None,
                kind,
                digest,
            )
            self._by_name[name] = asset
            printed = fingerprinted(name, digest)
            self._by_print[printed] = asset
            self.urls[name] = printed

    def path(self, name: str) -> str:
        """The fingerprinted path of a file (under /static/); KeyError for an unknown one."""
        return "/static/" + self.urls[name]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one file: immutable by fingerprint, revalidated by plain name; gzip if taken."""
        name = request.match_info["path"]
        asset = self._by_print.get(name)
        cache = IMMUTABLE
        if asset is None:
            asset = self._by_name.get(name)
            cache = REVALIDATE
        if asset is None:
            raise web.HTTPNotFound()
        etag = f'"{asset.digest}"'
        headers = {"Cache-Control": cache, "ETag": etag, "Vary": "Accept-Encoding"}
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers, content_type=asset.content_type)
