"""Jellyfin items mapped to the companion's media DTOs."""

from __future__ import annotations

from companion.media import (
    Album,
    Artist,
    ImageSource,
    MediaItem,
    NamedRef,
    Track,
    UserFields,
    make_ref,
)
from integrations.jellyfin.const import TICKS_PER_SECOND
from integrations.jellyfin.models import ArtistRef, Item

# The fields each listing asks Jellyfin for; everything else a DTO needs is sent by default.
ITEM_FIELDS = ("Genres",)


def _refs(artists: tuple[ArtistRef, ...]) -> tuple[NamedRef, ...]:
    return tuple(NamedRef(make_ref(a.id) if a.id else None, a.name) for a in artists)


def _seconds(ticks: int | None) -> float | None:
    return None if ticks is None else round(ticks / TICKS_PER_SECOND, 3)


def _user(item: Item) -> UserFields:
    data = item.user_data
    if data is None:
        return UserFields()
    return UserFields(favorite=data.is_favorite, play_count=data.play_count)


def _image(item: Item) -> ImageSource | None:
    if item.primary_image_tag:
        return ImageSource(item.id, item.primary_image_tag)
    # Tracks rarely carry art of their own; Jellyfin names the album's instead.
    if item.album_id and item.album_primary_image_tag:
        return ImageSource(item.album_id, item.album_primary_image_tag)
    return None


def to_track(item: Item) -> Track:
    """Map an Audio item."""
    return Track(
        ref=make_ref(item.id),
        name=item.name,
        artists=_refs(item.artists),
        album=NamedRef(make_ref(item.album_id), item.album or "") if item.album_id else None,
        album_artists=_refs(item.album_artists),
        duration=_seconds(item.run_time_ticks),
        track_number=item.index_number,
        disc_number=item.parent_index_number,
        year=item.production_year,
        genres=item.genres,
        image=_image(item),
        user=_user(item),
    )


def to_album(item: Item) -> Album:
    """Map a MusicAlbum item."""
    return Album(
        ref=make_ref(item.id),
        name=item.name,
        artists=_refs(item.album_artists or item.artists),
        year=item.production_year,
        genres=item.genres,
        track_count=item.child_count,
        duration=_seconds(item.run_time_ticks),
        image=_image(item),
        user=_user(item),
    )


def to_artist(item: Item) -> Artist:
    """Map a MusicArtist item."""
    return Artist(
        ref=make_ref(item.id),
        name=item.name,
        genres=item.genres,
        image=_image(item),
        user=_user(item),
    )


def to_media(item: Item) -> MediaItem | None:
    """Map any music item; None for kinds the music API does not show (playlists, videos)."""
    if item.type == "Audio":
        return to_track(item)
    if item.type == "MusicAlbum":
        return to_album(item)
    if item.type == "MusicArtist":
        return to_artist(item)
    return None


def disc_order(track: Track) -> tuple[int, int, str]:
    """Sort key of an album's tracks: disc, then track number, then name."""
    return (track.disc_number or 1, track.track_number or 0, track.name.casefold())
