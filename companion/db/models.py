"""Tortoise models of the companion's own tables (the overlay; Jellyfin stays the truth)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person who signs in; linked to a Jellyfin user once Jellyfin sign-in is used."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, description="Display name (the Jellyfin user name)")
    jellyfin_id = fields.CharField(
        max_length=32, null=True, unique=True, description="Jellyfin user id, 32 hex"
    )
    is_admin = fields.BooleanField(default=False, description="Companion administrator")
    is_active = fields.BooleanField(default=True, description="False once signed out for good")
    jellyfin_token = fields.TextField(
        null=True, description="The user's Jellyfin access token, Fernet-encrypted"
    )
    device_id = fields.CharField(
        max_length=64, null=True, description="Stable Jellyfin DeviceId used for this user"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return self.name


class UserSession(Model):
    """A browser session; the cookie holds a random id whose hash is stored here."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True, description="SHA-256 of the id")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(description="Absolute expiry")
    user_agent = fields.CharField(max_length=255, default="")

    class Meta:
        table = "user_sessions"
        indexes = (("expires_at",),)

    def __str__(self) -> str:
        return f"session {self.id}"


class ApiToken(Model):
    """An API token for scripts and automations; shown once, stored hashed, revocable."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100, description="What the owner called it")
    token_hash = fields.CharField(max_length=64, unique=True, description="SHA-256 of the token")
    prefix = fields.CharField(max_length=16, description="First characters, to recognise it")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ConfigEntry(Model):
    """One configured instance of an integration; secret fields are encrypted."""

    id = fields.IntField(primary_key=True)
    entry_id = fields.CharField(max_length=32, unique=True, description="Public id, 32 hex")
    domain = fields.CharField(max_length=64, description="Integration domain")
    title = fields.CharField(max_length=255)
    data: dict[str, Any] = fields.JSONField(
        default=dict, description="Non-secret configuration values"
    )
    secrets: str | None = fields.TextField(
        null=True, description="Fernet-encrypted JSON of secret values"
    )
    options: dict[str, Any] = fields.JSONField(default=dict, description="User options")
    source = fields.CharField(max_length=16, default="user", description="user | environment")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "config_entries"
        indexes = (("domain",),)

    def __str__(self) -> str:
        return f"{self.domain}: {self.title}"


class Setting(Model):
    """A key/value setting stored by the service (values may be encrypted by the caller)."""

    key = fields.CharField(max_length=128, primary_key=True)
    value: Any = fields.JSONField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "settings"

    def __str__(self) -> str:
        return self.key


class EventCursor(Model):
    """What was seen last from one event source, so catch-up starts from there."""

    source = fields.CharField(max_length=128, primary_key=True)
    position = fields.CharField(max_length=255, description="Opaque cursor value")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_cursors"

    def __str__(self) -> str:
        return f"{self.source}@{self.position}"


class WebhookInbox(Model):
    """A received webhook body, stored before the 2xx answer and processed afterwards."""

    id = fields.BigIntField(primary_key=True)
    source = fields.CharField(max_length=32, description="Which receiver took it, e.g. jellyfin")
    received_at = fields.DatetimeField(auto_now_add=True)
    payload = fields.TextField(description="The body as received (UTF-8 text)")
    processed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error: str | None = fields.TextField(null=True)

    class Meta:
        table = "webhook_inbox"
        indexes = (("processed_at", "id"),)

    def __str__(self) -> str:
        return f"{self.source} webhook {self.id}"


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


class PlaybackState(Model):
    """What a user is playing on one Jellyfin session (device)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=32, description="Jellyfin user id")
    session_id = fields.CharField(max_length=64, description="Jellyfin session id")
    device_id = fields.CharField(max_length=128, default="")
    device_name = fields.CharField(max_length=255, default="")
    client = fields.CharField(max_length=255, default="")
    item_id = fields.CharField(max_length=32, null=True, description="Now playing")
    runtime_ticks = fields.BigIntField(default=0)
    position_ticks = fields.BigIntField(default=0)
    is_paused = fields.BooleanField(default=False)
    state = fields.CharField(
        max_length=16, default="stopped", description="playing, paused, stopped"
    )
    started_at = fields.DatetimeField(null=True, description="When the current item started")
    updated_at = fields.DatetimeField(description="Time of the last fact applied")
    source = fields.CharField(max_length=16, default="")

    class Meta:
        table = "playback_states"
        unique_together = (("user_id", "session_id"),)

    def __str__(self) -> str:
        return f"{self.user_id}@{self.device_name}: {self.state}"


class Play(Model):
    """One listen: counted when long enough, otherwise kept as a skip."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=32, description="Jellyfin user id")
    item_id = fields.CharField(max_length=32, description="Jellyfin item id")
    started_at = fields.DatetimeField()
    # started_at in whole minutes: with the neighbour check it makes duplicates impossible.
    bucket = fields.BigIntField(description="started_at // 60 s")
    ended_at = fields.DatetimeField()
    position_ticks = fields.BigIntField(default=0)
    runtime_ticks = fields.BigIntField(default=0)
    counted = fields.BooleanField(description="≥ 50 %, ≥ 4 min, or played to completion")
    completed = fields.BooleanField(default=False)
    device_name = fields.CharField(max_length=255, default="")
    client = fields.CharField(max_length=255, default="")
    source = fields.CharField(max_length=16, default="")

    class Meta:
        table = "plays"
        unique_together = (("user_id", "item_id", "bucket"),)
        indexes = (("user_id", "started_at"),)

    def __str__(self) -> str:
        return f"{self.user_id} played {self.item_id}"


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
    indexed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "library_tracks"
        indexes = (("album_id",), ("mbid_recording",), ("isrc",))

    def __str__(self) -> str:
        return f"{self.title} ({self.item_id})"
