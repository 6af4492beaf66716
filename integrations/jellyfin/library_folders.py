"""Jellyfin's music libraries, file checks and targeted scans, for "add to library"."""

from __future__ import annotations

from collections.abc import Sequence

from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.downloads import MusicLibrary
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
)

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
NOT_ADMIN = (
    "Jellyfin refused: reading libraries and checking files needs an API key or an "
    "administrator's sign-in in the Jellyfin integration."
)


class JellyfinLibraryFolders:
    """`companion.providers.downloads.LibraryFolders` over the service credential."""

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client

    async def music_libraries(self) -> list[MusicLibrary]:
        """Libraries of collection type music with their folders (/Library/VirtualFolders)."""
        try:
            libraries = await self._client.virtual_folders()
        except JellyfinError as err:
            raise _mapped(err) from err
        return [
            MusicLibrary(id=lib.id, name=lib.name, locations=lib.locations)
            for lib in libraries
            if lib.collection_type == "music"
        ]

    async def file_exists(self, path: str) -> bool:
        """POST /Environment/ValidatePath with IsFile: 204 when Jellyfin sees it, 404 when not."""
        try:
            return await self._client.path_exists(path, is_file=True)
        except JellyfinError as err:
            raise _mapped(err) from err

    async def scan_paths(self, paths: Sequence[str]) -> None:
        """POST /Library/Media/Updated: the library monitor looks at just these paths."""
        if not paths:
            return
        try:
            await self._client.media_updated(paths)
        except JellyfinError as err:
            raise _mapped(err) from err


def _mapped(err: JellyfinError) -> Exception:
    if isinstance(err, JellyfinAuthenticationError):
        return CredentialsRejected(NOT_ADMIN)
    if isinstance(err, JellyfinConnectionError):
        return ProviderUnavailable(UNREACHABLE)
    return ProviderUnavailable(f"Jellyfin answered an error: {err}")
