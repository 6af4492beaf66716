"""Imports by URL: which service a playlist URL belongs to, and its errors as HTTP answers."""

from __future__ import annotations

from urllib.parse import urlsplit

from companion.errors import CompanionError, InvalidInput, NotFound
from companion.providers import Providers, ProviderUnavailable
from companion.providers.sources import (
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
    SourcePlaylistPrivate,
)


async def fetch_url(providers: Providers, url: str, progress: Progress | None) -> SourcePlaylist:
    """The playlist behind a URL, from the service that claims it; 4xx/503 that say why."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("'url' must be an http(s) URL of a playlist.", code="import_bad_url")
    for source in providers.playlist_sources.values():
        playlist_id = source.playlist_id(url.strip())
        if playlist_id is None:
            continue
        try:
            return await source.fetch(playlist_id, progress)
        except SourcePlaylistMissing as err:
            raise NotFound(str(err), code="import_playlist_not_found") from err
        except SourcePlaylistPrivate as err:
            raise CompanionError(str(err), code="import_playlist_private", status=403) from err
        except ProviderUnavailable as err:
            raise CompanionError(str(err), code="import_source_unreachable", status=503) from err
    names = ", ".join(s.label for s in providers.playlist_sources.values()) or "none set up"
    raise InvalidInput(
        f"That URL is not a playlist of a supported service ({names}). "
        "For other services, export the playlist as CSV (e.g. with Exportify or TuneMyMusic).",
        code="import_unsupported_url",
    )
