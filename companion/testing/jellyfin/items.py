"""Library item dataclasses (MusicArtist, MusicAlbum, Audio) and static sort keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from .assets import WAV_HEADER, wav_size


def sort_name_of(name: str) -> str:
    """Jellyfin-style sort name: lowercased with a leading article removed."""
    low = name.strip().lower()
    for art in ("the ", "a ", "an "):
        if low.startswith(art) and len(low) > len(art):
            return low[len(art) :]
    return low


@dataclass(slots=True, eq=False)
class Item:
    """Common fields of every library item (used by sorting and filtering)."""

    id: str
    name: str
    sort_name: str
    date_created: datetime
    year: int | None
    genres: list[str]
    image_tag: str | None
    date_last_saved: datetime
    KIND: ClassVar[str] = ""


@dataclass(slots=True, eq=False)
class Artist(Item):
    """A MusicArtist."""

    KIND: ClassVar[str] = "MusicArtist"


@dataclass(slots=True, eq=False)
class Album(Item):
    """A MusicAlbum with its album artists and ordered tracks."""

    album_artist_ids: list[str] = field(default_factory=list)
    track_ids: list[str] = field(default_factory=list)
    KIND: ClassVar[str] = "MusicAlbum"


@dataclass(slots=True, eq=False)
class Track(Item):
    """An Audio item."""

    album_id: str = ""
    artist_ids: list[str] = field(default_factory=list)
    album_artist_ids: list[str] = field(default_factory=list)
    index_number: int | None = None
    disc_number: int | None = None
    runtime_ticks: int = 0
    container: str = "flac"
    bitrate: int = 900_000
    size_bytes: int | None = None  # None: the size bitrate x duration gives
    KIND: ClassVar[str] = "Audio"

    def file_size(self) -> int:
        """The served (and declared MediaSources.Size) byte size of the track's file."""
        if self.size_bytes and self.size_bytes > WAV_HEADER:
            return self.size_bytes
        return wav_size(self.bitrate, self.runtime_ticks)


SortSpec = tuple[tuple[str, bool], ...]  # ((SortBy, descending), ...)
STATIC_SORTS = {
    "SortName",
    "Name",
    "DateCreated",
    "ProductionYear",
    "Album",
    "AlbumArtist",
    "Artist",
    "IndexNumber",
    "ParentIndexNumber",
    "Runtime",
    "Default",
    "PremiereDate",
    "IsFolder",
}
