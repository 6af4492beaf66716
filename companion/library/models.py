"""Tortoise models of the library capability: the light index, sync cursors, the favorites mirror."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class LibraryTrack(Model):
    """The light track index (design §5): for matching and search, never served as truth."""

    item_id = fields.CharField(max_length=32, primary_key=True)
    title = fields.CharField(max_length=512)
    artists = fields.TextField(description="Artist names joined by ' / '")
    artist_ids = fields.TextField(description="Artist ids joined by ','")
    album = fields.CharField(max_length=512, null=True)
    album_id = fields.CharField(max_length=32, null=True)
    album_artist = fields.CharField(max_length=512, null=True)
    duration_s = fields.FloatField(default=0)
    track_number: int | None = fields.IntField(null=True)
    disc_number: int | None = fields.IntField(null=True)
    year: int | None = fields.IntField(null=True)
    isrc = fields.CharField(max_length=32, null=True)
    mbid_recording = fields.CharField(max_length=36, null=True)
    mbid_track = fields.CharField(max_length=36, null=True)
    date_created: Any = fields.DatetimeField(null=True)
    date_last_saved: Any = fields.DatetimeField(null=True)
    search_key = fields.TextField(description="Lower-case, accent-free title, artists and album")
    # Matching keys (companion.library.track_keys): playlist imports look candidates up by them.
    match_title = fields.CharField(
        max_length=512, default="", description="Core title words, without versions or feat."
    )
    match_artist = fields.CharField(
        max_length=512, default="", description="First artist as a key (folded, no 'The')"
    )
    match_album = fields.CharField(max_length=512, default="", description="Core album words")
    path = fields.TextField(null=True, description="The file's path as the media server sees it")
    path_hash = fields.CharField(
        max_length=40, null=True, description="SHA-1 of path, indexed for exact path lookups"
    )
    indexed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "library_tracks"
        indexes = (
            ("album_id",),
            ("mbid_recording",),
            ("isrc",),
            ("mbid_track",),
            ("match_title",),
            ("match_artist",),
            ("path_hash",),
        )

    def __str__(self) -> str:
        return f"{self.title} ({self.item_id})"


class EventCursor(Model):
    """What was seen last from one event source, so catch-up starts from there."""

    source = fields.CharField(max_length=128, primary_key=True)
    position = fields.CharField(max_length=255, description="Opaque cursor value")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_cursors"

    def __str__(self) -> str:
        return f"{self.source}@{self.position}"


class Favorite(Model):
    """The live mirror of one user's Jellyfin favorite (a row exists while it is a favorite)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=32, description="Jellyfin user id")
    item_id = fields.CharField(max_length=32, description="Jellyfin item id")
    item_type = fields.CharField(
        max_length=32, default="Audio", description="Audio, MusicAlbum, MusicArtist"
    )
    source = fields.CharField(max_length=16, description="socket, webhook, reconcile or companion")
    favorited_at = fields.DatetimeField(description="When it became a favorite")

    class Meta:
        table = "favorites"
        unique_together = (("user_id", "item_id"),)
        indexes = (("user_id", "favorited_at"),)

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.item_id}"
