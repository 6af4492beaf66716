"""What "add to library" needs from outside: the media server's library folders and scans,
an album downloader (Lidarr) and a peer-to-peer file source (slskd).

Integrations implement these protocols and register them on `Providers`; the downloads
capability only sees these plain dataclasses. Every method raises
`companion.providers.ProviderUnavailable` when the service is down or too slow, and
`DownloadRefused` when it answered but refused (the message is for users).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol


class DownloadRefused(Exception):
    """The service answered but refused the request; the message is for users."""


# ---------------------------------------------------------------- media server library folders


@dataclass(frozen=True, slots=True)
class MusicLibrary:
    """A music library of the media server and the folders it scans (its paths)."""

    id: str
    name: str
    locations: tuple[str, ...]


class LibraryFolders(Protocol):
    """The media server's libraries, file checks and targeted scans (admin credential)."""

    async def music_libraries(self) -> list[MusicLibrary]:
        """The libraries whose collection type is music."""
        ...

    async def file_exists(self, path: str) -> bool:
        """Whether the server sees a file at path (its own path)."""
        ...

    async def scan_paths(self, paths: Sequence[str]) -> None:
        """Ask the server to look at just these paths (files or folders) for new media."""
        ...


# ---------------------------------------------------------------- album downloader (Lidarr)


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the downloader offers (a root folder, a profile), with its defaults."""

    id: str
    name: str
    # For root folders: the profiles the downloader suggests for it, free space in bytes.
    default_quality: str | None = None
    default_metadata: str | None = None
    free_space: int | None = None
    accessible: bool = True


@dataclass(frozen=True, slots=True)
class DownloaderChoices:
    """Root folders and profiles the album downloader offers."""

    root_folders: tuple[Choice, ...] = ()
    quality_profiles: tuple[Choice, ...] = ()
    metadata_profiles: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class AlbumInfo:
    """An album as the downloader's metadata knows it (lookup result or library album)."""

    album_mbid: str
    title: str
    artist_mbid: str
    artist_name: str
    year: int | None = None
    album_type: str | None = None
    cover_url: str | None = None
    track_count: int | None = None


@dataclass(frozen=True, slots=True)
class AlbumTarget:
    """Where and how the downloader adds an artist (root folder and profile ids)."""

    root_folder: str
    quality_profile: str
    metadata_profile: str


QueueState = Literal["queued", "downloading", "importing", "failed", "imported"]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One download of the album downloader's queue, reduced."""

    album_id: int
    download_id: str | None
    state: QueueState
    percent: float | None = None
    message: str | None = None
    title: str | None = None


CommandStatus = Literal["queued", "started", "completed", "failed", "aborted", "cancelled"]


class AlbumDownloader(Protocol):
    """Lidarr: looks albums up, adds their artist, monitors and searches, reports progress."""

    name: str

    async def choices(self) -> DownloaderChoices:
        """The root folders and profiles to choose from."""
        ...

    async def lookup_albums(self, term: str, limit: int = 20) -> list[AlbumInfo]:
        """Albums matching a search term in the downloader's metadata."""
        ...

    async def album_id(self, album_mbid: str) -> int | None:
        """The downloader's id of an album already in its library, else None."""
        ...

    async def add_artist(self, album: AlbumInfo, target: AlbumTarget) -> None:
        """Add the album's artist (no-op when already added), monitoring only that album."""
        ...

    async def search(self, album_id: int) -> int:
        """Monitor the album and start a search for it; the command id."""
        ...

    async def command_status(self, command_id: int) -> tuple[CommandStatus, str | None]:
        """A command's status and message."""
        ...

    async def queue(self) -> list[QueueEntry]:
        """Every download in the queue."""
        ...

    async def album_files(self, album_id: int) -> list[str]:
        """Paths (as the downloader sees them) of the album's imported files."""
        ...

    async def file_exists(self, path: str) -> bool:
        """Whether the downloader sees a file at path (its own path)."""
        ...


# ---------------------------------------------------------------- peer-to-peer files (slskd)


@dataclass(frozen=True, slots=True)
class PeerFile:
    """A file a peer shares, with what the search response says about the peer."""

    username: str
    filename: str
    size: int
    extension: str = ""
    bitrate: int | None = None
    bit_depth: int | None = None
    sample_rate: int | None = None
    length_s: float | None = None
    free_slot: bool = False
    queue_length: int = 0
    upload_speed: int = 0
    locked: bool = False


@dataclass(frozen=True, slots=True)
class SearchStatus:
    """Where a search is: finished or not, and how much it found so far."""

    done: bool
    state: str
    response_count: int = 0
    file_count: int = 0


TransferPhase = Literal["queued", "downloading", "succeeded", "failed"]


@dataclass(frozen=True, slots=True)
class Transfer:
    """A download transfer and its phase (from the flags string), reduced."""

    id: str
    username: str
    filename: str
    phase: TransferPhase
    state: str
    size: int = 0
    bytes_transferred: int = 0
    percent: float = 0.0
    place_in_queue: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FolderListing:
    """The top of the file source's download folder: its own path and the names in it."""

    path: str
    names: tuple[str, ...] = field(default=())


class FileSource(Protocol):
    """slskd: searches the network, downloads a peer's file, reports transfers."""

    name: str
    # The download folder as the file source sees it (its own path).
    downloads_dir: str

    async def start_search(self, text: str, timeout_s: float) -> str:
        """Start a search; its id. Raises DownloadRefused when not connected to the network."""
        ...

    async def search_status(self, search_id: str) -> SearchStatus:
        """A search's progress."""
        ...

    async def search_results(self, search_id: str) -> list[PeerFile]:
        """Every file of a finished search's responses (locked files flagged)."""
        ...

    async def delete_search(self, search_id: str) -> None:
        """Forget a search (frees the file source's memory)."""
        ...

    async def enqueue(self, file: PeerFile) -> Transfer | None:
        """Queue a download of one file; None when the peer refused or is offline."""
        ...

    async def transfers(self) -> list[Transfer]:
        """Every download transfer the file source knows."""
        ...

    async def cancel(self, username: str, transfer_id: str, *, remove: bool = True) -> None:
        """Cancel a transfer (and drop its record when remove)."""
        ...

    async def listing(self) -> FolderListing:
        """The download folder's own path and the names at its top."""
        ...
