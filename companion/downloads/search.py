"""The dashboard's searches (Lidarr's album lookup, Soulseek) and the settings' choices."""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict
from pathlib import PurePosixPath
from typing import Any

from companion.downloads.runtime import Runtime
from companion.errors import CompanionError, Conflict, InvalidInput, ServiceUnavailable
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.downloads import DownloadRefused, PeerFile

SOULSEEK_SECONDS = 8.0
MAX_RESULTS = 50
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,3}[\s.\-_]+)(?:-\s*)?")


def _unavailable(name: str, err: Exception) -> CompanionError:
    return ServiceUnavailable(f"{name}: {err}", code="download_source_unavailable")


def guess(file: PeerFile) -> dict[str, Any]:
    """A file as a search result, with artist, album and title guessed from its path."""
    path = PurePosixPath(file.filename.replace("\\", "/"))
    parents = [p for p in path.parent.parts if p not in ("/", "")]
    title = _LEADING_NUMBER.sub("", path.stem).strip() or path.stem
    artist = parents[-2] if len(parents) >= 2 else None
    if " - " in title and artist is None:
        artist, title = (part.strip() for part in title.split(" - ", 1))
    return {
        "title": title,
        "artists": [artist] if artist else [],
        "album": parents[-1] if parents else None,
        "candidate": asdict(file),
    }


class Searches:
    """Searches run for the dashboard, and what the services offer for the settings."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def albums(self, query: str) -> list[dict[str, Any]]:
        """Albums of Lidarr's metadata matching the query."""
        albums = self.rt.providers.albums
        if albums is None:
            raise Conflict("Lidarr is not set up.", code="lidarr_not_set_up")
        try:
            found = await albums.lookup_albums(query, limit=MAX_RESULTS)
        except (ProviderUnavailable, DownloadRefused) as err:
            raise _unavailable("Lidarr", err) from err
        return [asdict(a) for a in found]

    async def soulseek(self, query: str) -> list[dict[str, Any]]:
        """Files on Soulseek matching the query (a short search), best peers first."""
        files = self.rt.providers.files
        if files is None:
            raise Conflict("slskd is not set up.", code="slskd_not_set_up")
        if len(query.split()) > 12:
            raise InvalidInput("Search with fewer words.", details={"field": "q"})
        try:
            search_id = await files.start_search(query, SOULSEEK_SECONDS)
            async with asyncio.timeout(SOULSEEK_SECONDS + 10):
                while not (await files.search_status(search_id)).done:  # noqa: ASYNC110 - polling slskd
                    await asyncio.sleep(0.25)
            found = await files.search_results(search_id)
            await files.delete_search(search_id)
        except TimeoutError as err:
            raise ServiceUnavailable(
                "slskd did not finish the search in time.", code="download_source_unavailable"
            ) from err
        except (ProviderUnavailable, DownloadRefused) as err:
            raise _unavailable("slskd", err) from err
        formats = self.rt.settings.formats
        usable = [f for f in found if not f.locked and (f.extension or "").lower() in formats]
        usable.sort(
            key=lambda f: (not f.free_slot, f.queue_length, -f.upload_speed, -(f.bitrate or 0))
        )
        return [guess(f) for f in usable[:MAX_RESULTS]]

    async def choices(self) -> dict[str, Any]:
        """Jellyfin's music libraries and Lidarr's root folders and profiles, when reachable."""
        providers = self.rt.providers
        out: dict[str, Any] = {
            "services": {
                "jellyfin": providers.library_folders is not None,
                "lidarr": providers.albums is not None,
                "slskd": providers.files is not None,
            },
            "libraries": [],
            "lidarr": None,
            "slskd": None,
            "problems": [],
        }
        if providers.library_folders is not None:
            try:
                out["libraries"] = [
                    {"id": lib.id, "name": lib.name, "locations": list(lib.locations)}
                    for lib in await providers.library_folders.music_libraries()
                ]
            except (ProviderUnavailable, CredentialsRejected) as err:
                out["problems"].append(f"Jellyfin: {err}")
        if providers.albums is not None:
            try:
                offered = await providers.albums.choices()
                out["lidarr"] = {
                    "root_folders": [asdict(c) for c in offered.root_folders],
                    "quality_profiles": [asdict(c) for c in offered.quality_profiles],
                    "metadata_profiles": [asdict(c) for c in offered.metadata_profiles],
                }
            except (ProviderUnavailable, DownloadRefused) as err:
                out["problems"].append(f"Lidarr: {err}")
        if providers.files is not None:
            out["slskd"] = {"downloads_dir": providers.files.downloads_dir}
        return out
