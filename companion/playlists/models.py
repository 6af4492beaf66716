"""Tortoise models of companion playlists and their durable push outbox to Jellyfin."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class Playlist(Model):
    """A user's music playlist; the companion's copy is the truth, Jellyfin gets a twin."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="playlists", on_delete=fields.CASCADE
    )
    kind = fields.CharField(
        max_length=16, default="user", description="user, or favorites (the live Favorites twin)"
    )
    name = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    item_ids: list[str] = fields.JSONField(
        default=list, description="Jellyfin item ids (32 hex) in order; duplicates allowed"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now_add=True, description="Last companion edit")
    version = fields.IntField(default=1, description="Bumped by every change")
    deleted = fields.BooleanField(
        default=False, description="Deleted by the user; kept until its Jellyfin twin is gone"
    )
    # Push state.
    jellyfin_id = fields.CharField(
        max_length=32, null=True, description="The Jellyfin twin's id once known"
    )
    create_marker = fields.CharField(
        max_length=32,
        null=True,
        description="Written before creating the twin; its name carries it until renamed",
    )
    sync_state = fields.CharField(
        max_length=16, default="pending", description="synced|pending|failing"
    )
    last_error: str | None = fields.TextField(null=True)
    synced_at: datetime | None = fields.DatetimeField(null=True)
    synced_version = fields.IntField(default=0, description="The version Jellyfin holds")
    pushed_name = fields.CharField(max_length=255, null=True)
    pushed_items: list[str] = fields.JSONField(
        default=list, description="The item ids Jellyfin held after the last push"
    )
    drift = fields.BooleanField(default=False, description="Edited inside Jellyfin since the push")

    class Meta:
        table = "playlists"
        indexes = (("owner_id", "kind"), ("jellyfin_id",))

    def __str__(self) -> str:
        return f"{self.name} ({len(self.item_ids)} items)"


class PlaylistPush(Model):
    """The outbox: one pending push per playlist, retried with exponential backoff."""

    id = fields.IntField(primary_key=True)
    playlist: fields.OneToOneRelation[Playlist] = fields.OneToOneField(
        "models.Playlist", related_name="push", on_delete=fields.CASCADE
    )
    version = fields.IntField(description="The playlist version that asked for this push")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(description="Not before this time")
    last_error: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "playlist_pushes"
        indexes = (("next_attempt_at",),)

    def __str__(self) -> str:
        return f"push of playlist {self.playlist_id} v{self.version}"  # type: ignore[attr-defined]
