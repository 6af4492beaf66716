"""Tortoise models of listening: linked scrobble accounts and the outbox of plays to send."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class ScrobbleAccount(Model):
    """A user's link to a service plays are sent to (ListenBrainz, Last.fm, or Jellyfin itself
    for "mark played"), with the switch and from when plays are sent."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="scrobble_accounts", on_delete=fields.CASCADE
    )
    service = fields.CharField(max_length=16, description="listenbrainz, lastfm or jellyfin")
    account_name = fields.CharField(max_length=255, default="", description="Name there")
    secret: str | None = fields.TextField(
        null=True, description="Token or session key, encrypted with the install's key"
    )
    enabled = fields.BooleanField(default=True, description="The user's switch")
    since: datetime = fields.DatetimeField(description="Plays that started from here are sent")
    scan_cursor = fields.BigIntField(default=0, description="Plays scanned up to this id")
    status = fields.CharField(max_length=16, default="ok", description="ok, failing, rejected")
    last_error: str | None = fields.TextField(null=True)
    retry_at: datetime | None = fields.DatetimeField(
        null=True, description="No sending before this (rate limit or outage backoff)"
    )
    failures = fields.IntField(default=0, description="Failed attempts in a row")
    last_sent_at: datetime | None = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "scrobble_accounts"
        unique_together = (("user_id", "service"),)

    def __str__(self) -> str:
        return f"{self.service} account of user {self.user_id}"  # type: ignore[attr-defined]


class ScrobbleOutbox(Model):
    """One play for one account: queued durably, sent once, kept as the delivery log."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[ScrobbleAccount] = fields.ForeignKeyField(
        "models.ScrobbleAccount", related_name="outbox", on_delete=fields.CASCADE
    )
    play_id = fields.BigIntField(description="The companion play (plays.id)")
    listened_at: datetime = fields.DatetimeField(description="When the play started")
    status = fields.CharField(
        max_length=16, default="pending", description="pending, sending, sent, ignored, failed"
    )
    attempts = fields.IntField(default=0)
    last_error: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "scrobble_outbox"
        unique_together = (("account_id", "play_id"),)
        indexes = (("account_id", "status", "listened_at"),)

    def __str__(self) -> str:
        return f"play {self.play_id} → account {self.account_id} ({self.status})"  # type: ignore[attr-defined]


class ReviewPlaylist(Model):
    """The companion playlist a user's "Top of <year>" was made into (refreshed in place)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="review_playlists", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    playlist_id = fields.IntField(description="playlists.id")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_playlists"
        unique_together = (("user_id", "year"),)

    def __str__(self) -> str:
        return f"Top of {self.year} → playlist {self.playlist_id}"
