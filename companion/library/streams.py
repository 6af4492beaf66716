"""Audio stream URLs, proxied audio, and cover art with cache validators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from companion.errors import NotFound
from companion.library.resolver import Resolver
from companion.library.upstream import media_of, upstream_errors
from companion.media import MediaNotFound, StreamQuality, Track, UpstreamStream, UserCredential
from companion.providers import Providers

IMMUTABLE = "public, max-age=31536000, immutable"
# Art without a version tag in its URL may change, so caches must come back soon.
REVALIDATE = "public, max-age=300"
MIN_IMAGE_SIZE = 16
MAX_IMAGE_SIZE = 2048
PLACEHOLDER_ETAG = '"placeholder-1"'
PLACEHOLDER_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    b'<rect width="100" height="100" fill="#2b2d31"/>'
    b'<path d="M40 28v34a9 9 0 1 0 5 8V42l22-6v20a9 9 0 1 0 5 8V22z" fill="#8b8f97"/>'
    b"</svg>"
)


@dataclass(frozen=True)
class ImageAnswer:
    """What the image route sends: a body (None for 304) and its cache headers."""

    status: int
    body: bytes | None
    content_type: str
    etag: str
    cache_control: str


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == etag for t in if_none_match.split(","))


def _placeholder(if_none_match: str | None) -> ImageAnswer:
    status = 304 if _matches(if_none_match, PLACEHOLDER_ETAG) else 200
    body = None if status == 304 else PLACEHOLDER_SVG
    return ImageAnswer(status, body, "image/svg+xml", PLACEHOLDER_ETAG, REVALIDATE)


class StreamService:
    """Builds stream redirects, opens proxied streams and serves art for visible items only."""

    def __init__(self, providers: Providers, resolver: Resolver) -> None:
        self._providers = providers
        self._resolver = resolver

    async def _track(self, cred: UserCredential, item_id: str) -> Track:
        # The audio and image endpoints are anonymous in Jellyfin, so access is checked here.
        item = await self._resolver.resolve_one(cred, item_id)
        if not isinstance(item, Track):
            raise NotFound("No such track in Jellyfin.", code="item_not_found")
        return item

    async def redirect_url(self, cred: UserCredential, item_id: str, quality: StreamQuality) -> str:
        """The public Jellyfin URL of a track's audio; no service credential in it."""
        await self._track(cred, item_id)
        return media_of(self._providers).stream_url(cred, item_id, quality)

    @asynccontextmanager
    async def open(
        self, cred: UserCredential, item_id: str, *, method: str, headers: dict[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        """Open a track's original audio for proxying (503 when Jellyfin cannot be reached)."""
        await self._track(cred, item_id)
        media = media_of(self._providers)
        with upstream_errors():
            try:
                async with media.open_stream(
                    cred, item_id, method=method, headers=headers
                ) as upstream:
                    yield upstream
            except MediaNotFound:
                raise NotFound("No such track in Jellyfin.", code="item_not_found") from None

    async def image(
        self,
        cred: UserCredential,
        item_id: str,
        *,
        size: int | None,
        tag: str | None,
        if_none_match: str | None,
    ) -> ImageAnswer:
        """An item's art (a track's is its album's), a 304, or the placeholder."""
        item = await self._resolver.resolve_one(cred, item_id)
        if item is None:
            raise NotFound("No such item in Jellyfin.", code="item_not_found")
        source = item.image
        if source is None:
            return _placeholder(if_none_match)
        etag = f'"{source.item_id[:8]}-{source.tag}-{size or 0}"'
        # Only a URL naming the current tag may be cached for good; the bytes behind it never change.
        cache = IMMUTABLE if tag == source.tag else REVALIDATE
        if _matches(if_none_match, etag):
            return ImageAnswer(304, None, "", etag, cache)
        with upstream_errors():
            data = await media_of(self._providers).fetch_image(source, size)
        if data is None:
            return _placeholder(if_none_match)
        return ImageAnswer(200, data.body, data.content_type, etag, cache)
