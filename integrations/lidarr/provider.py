"""Lidarr as the core's album downloader: lookups, adding artists, searches, queue, files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from companion.providers import ProviderUnavailable
from companion.providers.downloads import (
    AlbumInfo,
    AlbumTarget,
    Choice,
    CommandStatus,
    DownloaderChoices,
    DownloadRefused,
    QueueEntry,
    QueueState,
)
from integrations.lidarr.client import LidarrClient
from integrations.lidarr.const import ALREADY_ADDED
from integrations.lidarr.exceptions import (
    LidarrAuthenticationError,
    LidarrConnectionError,
    LidarrError,
    LidarrValidationError,
)
from integrations.lidarr.models import LidarrAlbum, LidarrQueueRecord

_T = TypeVar("_T")

UNREACHABLE = "Lidarr is slow or unreachable. Check your Lidarr instance."
REJECTED = "Lidarr returned 401. Check the API key in the Lidarr integration."
_COMMAND_STATES: dict[str, CommandStatus] = {
    "queued": "queued",
    "started": "started",
    "completed": "completed",
    "failed": "failed",
    "aborted": "aborted",
    "cancelled": "cancelled",
    "orphaned": "aborted",
}
# trackedDownloadState (camelCase enum strings, TrackedDownload.cs) to the core's states.
_TRACKED: dict[str, QueueState] = {
    "downloading": "downloading",
    "importpending": "importing",
    "importing": "importing",
    "imported": "imported",
    "importfailed": "failed",
    "importblocked": "failed",
    "downloadfailed": "failed",
    "downloadfailedpending": "failed",
    "ignored": "failed",
}
_WAITING_STATUSES = frozenset({"queued", "paused", "delay", "downloadclientunavailable"})


async def _call(action: Callable[[], Awaitable[_T]]) -> _T:
    try:
        return await action()
    except LidarrAuthenticationError as err:
        raise DownloadRefused(REJECTED) from err
    except LidarrConnectionError as err:
        raise ProviderUnavailable(UNREACHABLE) from err
    except LidarrValidationError as err:
        raise DownloadRefused(f"Lidarr refused: {err}") from err
    except LidarrError as err:
        raise ProviderUnavailable(f"Lidarr answered an error: {err}") from err


def _info(album: LidarrAlbum) -> AlbumInfo:
    return AlbumInfo(
        album_mbid=album.foreign_album_id,
        title=album.title,
        artist_mbid=album.foreign_artist_id,
        artist_name=album.artist_name,
        year=album.year,
        album_type=album.album_type,
        cover_url=album.cover_url,
        track_count=album.track_count,
    )


def queue_entry(record: LidarrQueueRecord) -> QueueEntry | None:
    """One queue record as the core sees it (None for records without an album)."""
    if record.album_id is None:
        return None
    tracked = (record.tracked_download_state or "downloading").lower()
    state = _TRACKED.get(tracked, "downloading")
    message = record.error_message or ("; ".join(record.messages) or None)
    if state == "downloading" and record.status in _WAITING_STATUSES:
        state = "queued"
    # Import pending with a warning waits for a person in Lidarr (e.g. no eligible files).
    if state == "importing" and (record.tracked_download_status or "").lower() == "warning":
        state = "failed"
    percent = None
    if record.size > 0:
        percent = round(100.0 * (record.size - record.size_left) / record.size, 1)
    return QueueEntry(
        album_id=record.album_id,
        download_id=record.download_id,
        state=state,
        percent=percent,
        message=message,
        title=record.title,
    )


class LidarrAlbums:
    """`companion.providers.downloads.AlbumDownloader` over a LidarrClient."""

    name = "lidarr"

    def __init__(self, client: LidarrClient) -> None:
        self.client = client

    async def choices(self) -> DownloaderChoices:
        """Root folders (with their default profiles) and both kinds of profile."""
        folders = await _call(self.client.root_folders)
        quality = await _call(self.client.quality_profiles)
        metadata = await _call(self.client.metadata_profiles)
        return DownloaderChoices(
            root_folders=tuple(
                Choice(
                    id=f.path,
                    name=f.path,
                    default_quality=str(f.default_quality_profile_id)
                    if f.default_quality_profile_id
                    else None,
                    default_metadata=str(f.default_metadata_profile_id)
                    if f.default_metadata_profile_id
                    else None,
                    free_space=f.free_space,
                    accessible=f.accessible,
                )
                for f in folders
            ),
            quality_profiles=tuple(Choice(id=str(p.id), name=p.name) for p in quality),
            metadata_profiles=tuple(Choice(id=str(p.id), name=p.name) for p in metadata),
        )

    async def lookup_albums(self, term: str, limit: int = 20) -> list[AlbumInfo]:
        """Albums of Lidarr's metadata server matching term."""
        found = await _call(lambda: self.client.lookup_albums(term))
        return [_info(a) for a in found if a.foreign_album_id][:limit]

    async def album_id(self, album_mbid: str) -> int | None:
        """Lidarr's id of the album when it is in the library."""
        found = await _call(lambda: self.client.albums_by_foreign_id(album_mbid))
        return next((a.id for a in found if a.id), None)

    async def add_artist(self, album: AlbumInfo, target: AlbumTarget) -> None:
        """POST /artist; "has already been added" is success (the album may then be listed)."""

        async def add() -> None:
            try:
                await self.client.add_artist(
                    foreign_artist_id=album.artist_mbid,
                    artist_name=album.artist_name,
                    root_folder_path=target.root_folder,
                    quality_profile_id=int(target.quality_profile),
                    metadata_profile_id=int(target.metadata_profile),
                    albums_to_monitor=[album.album_mbid],
                )
            except LidarrValidationError as err:
                if not any(ALREADY_ADDED in m for m in err.messages):
                    raise DownloadRefused(
                        f"Lidarr refused to add {album.artist_name}: {err}"
                    ) from err
                # The artist is there but not this album (new, or refreshed long ago): a
                # refresh lists it.
                for artist_id in await self.client.artist_ids(album.artist_mbid):
                    await self.client.command("RefreshArtist", artistId=artist_id)

        await _call(add)

    async def search(self, album_id: int) -> int:
        """Monitor the album, then POST /command AlbumSearch; the command id."""
        await _call(lambda: self.client.monitor_albums([album_id], True))
        command = await _call(lambda: self.client.command("AlbumSearch", albumIds=[album_id]))
        return command.id

    async def command_status(self, command_id: int) -> tuple[CommandStatus, str | None]:
        """GET /command/{id}."""
        command = await _call(lambda: self.client.get_command(command_id))
        return _COMMAND_STATES.get(command.status, "started"), command.message

    async def queue(self) -> list[QueueEntry]:
        """Every queue record that belongs to an album."""
        records = await _call(self.client.queue)
        return [e for e in map(queue_entry, records) if e is not None]

    async def album_files(self, album_id: int) -> list[str]:
        """Paths of the album's track files, as Lidarr sees them."""
        files = await _call(lambda: self.client.track_files(album_id))
        return [f.path for f in files if f.path]

    async def file_exists(self, path: str) -> bool:
        """GET /filesystem/type: Lidarr answers "file" only for an existing file."""
        return await _call(lambda: self.client.path_type(path)) == "file"
