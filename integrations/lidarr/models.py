"""Typed models of Lidarr's v1 answers (camelCase wire names stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


def _int(data: Json, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(data: Json, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class LidarrStatus:
    """GET /api/v1/system/status, reduced."""

    app_name: str
    version: str
    instance_name: str | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrStatus:
        """Parse SystemResource."""
        return cls(
            app_name=_str(data, "appName") or "",
            version=_str(data, "version") or "",
            instance_name=_str(data, "instanceName"),
        )


@dataclass(frozen=True, slots=True)
class LidarrRootFolder:
    """One root folder (RootFolderResource)."""

    id: int
    path: str
    accessible: bool
    free_space: int | None
    default_quality_profile_id: int | None
    default_metadata_profile_id: int | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrRootFolder:
        """Parse RootFolderResource."""
        return cls(
            id=_int(data, "id") or 0,
            path=_str(data, "path") or "",
            accessible=bool(data.get("accessible", True)),
            free_space=_int(data, "freeSpace"),
            default_quality_profile_id=_int(data, "defaultQualityProfileId"),
            default_metadata_profile_id=_int(data, "defaultMetadataProfileId"),
        )


@dataclass(frozen=True, slots=True)
class LidarrProfile:
    """A quality or metadata profile: its id and name."""

    id: int
    name: str

    @classmethod
    def from_dict(cls, data: Json) -> LidarrProfile:
        """Parse QualityProfileResource or MetadataProfileResource."""
        return cls(id=_int(data, "id") or 0, name=_str(data, "name") or "")


@dataclass(frozen=True, slots=True)
class LidarrAlbum:
    """An album (AlbumResource): lookup results have id 0."""

    id: int
    title: str
    foreign_album_id: str
    artist_name: str
    foreign_artist_id: str
    monitored: bool
    album_type: str | None
    year: int | None
    cover_url: str | None
    track_file_count: int
    track_count: int | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrAlbum:
        """Parse AlbumResource (the artist is embedded in lookups and usually in lists)."""
        artist = data.get("artist") if isinstance(data.get("artist"), dict) else {}
        assert isinstance(artist, dict)
        stats = data.get("statistics") if isinstance(data.get("statistics"), dict) else {}
        assert isinstance(stats, dict)
        release = _str(data, "releaseDate")
        year = int(release[:4]) if release and release[:4].isdigit() else None
        cover = _str(data, "remoteCover")
        if cover is None:
            for image in data.get("images") or ():
                if isinstance(image, dict) and image.get("coverType") == "cover":
                    cover = _str(image, "remoteUrl") or _str(image, "url")
                    break
        return cls(
            id=_int(data, "id") or 0,
            title=_str(data, "title") or "",
            foreign_album_id=(_str(data, "foreignAlbumId") or "").lower(),
            artist_name=_str(artist, "artistName") or "",
            foreign_artist_id=(_str(artist, "foreignArtistId") or "").lower(),
            monitored=bool(data.get("monitored", False)),
            album_type=_str(data, "albumType"),
            year=year,
            cover_url=cover,
            track_file_count=_int(stats, "trackFileCount") or 0,
            track_count=_int(stats, "trackCount"),
        )


@dataclass(frozen=True, slots=True)
class LidarrCommand:
    """A command (CommandResource): status is queued|started|completed|failed|aborted|..."""

    id: int
    name: str
    status: str
    message: str | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrCommand:
        """Parse CommandResource."""
        return cls(
            id=_int(data, "id") or 0,
            name=_str(data, "name") or "",
            status=(_str(data, "status") or "queued").lower(),
            message=_str(data, "message"),
        )


@dataclass(frozen=True, slots=True)
class LidarrQueueRecord:
    """One queue record (QueueResource)."""

    id: int
    album_id: int | None
    title: str | None
    size: float
    size_left: float
    status: str
    tracked_download_status: str | None
    tracked_download_state: str | None
    messages: tuple[str, ...]
    error_message: str | None
    download_id: str | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrQueueRecord:
        """Parse QueueResource (enums are camelCase strings)."""
        messages: list[str] = []
        for entry in data.get("statusMessages") or ():
            if isinstance(entry, dict):
                messages.extend(str(m) for m in entry.get("messages") or () if m)
        size = data.get("size")
        left = data.get("sizeleft")
        return cls(
            id=_int(data, "id") or 0,
            album_id=_int(data, "albumId"),
            title=_str(data, "title"),
            size=float(size) if isinstance(size, int | float) else 0.0,
            size_left=float(left) if isinstance(left, int | float) else 0.0,
            status=(_str(data, "status") or "").lower(),
            tracked_download_status=_str(data, "trackedDownloadStatus"),
            tracked_download_state=_str(data, "trackedDownloadState"),
            messages=tuple(messages),
            error_message=_str(data, "errorMessage"),
            download_id=_str(data, "downloadId"),
        )


@dataclass(frozen=True, slots=True)
class LidarrTrackFile:
    """An imported file (TrackFileResource): its absolute path as Lidarr sees it."""

    id: int
    path: str
    album_id: int | None

    @classmethod
    def from_dict(cls, data: Json) -> LidarrTrackFile:
        """Parse TrackFileResource."""
        return cls(
            id=_int(data, "id") or 0, path=_str(data, "path") or "", album_id=_int(data, "albumId")
        )
