"""Tortoise models of listening history: plays and each user's playback state."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


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
