"""Shared plumbing of the music routes: the services, the caller's credential, path refs."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import InvalidInput
from companion.library.music import MusicServices
from companion.media import UserCredential, parse_ref, ref_scheme
from web.middlewares import principal_of


def music(request: web.Request) -> MusicServices:
    """The app's music services."""
    return request.app[keys.MUSIC]


async def credential(request: web.Request) -> UserCredential:
    """The caller's own Jellyfin credential."""
    return await music(request).credential(principal_of(request))


def path_ref(request: web.Request, name: str = "ref") -> str:
    """The item id of a ref in the path; 400 naming the ref when it is malformed."""
    raw = request.match_info[name]
    iid = parse_ref(raw)
    if iid is None:
        raise InvalidInput(
            f"Not a valid ref: {raw[:80]!r} (expected {ref_scheme()}:<32 hex>).",
            details={"ref": raw[:80]},
        )
    return iid
