"""Tortoise model of the player: one queue per user, with who plays it and where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class PlayerQueue(Model):
    """A user's play queue and playback state, shared by every tab and device they use."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.OneToOneField(
        "models.User", related_name="player_queue", on_delete=fields.CASCADE
    )
    entries: list[dict[str, Any]] = fields.JSONField(
        default=list, description="[{id, item}] in play order; item is a Jellyfin id (32 hex)"
    )
    current = fields.CharField(
        max_length=32, null=True, description="Entry id of the current track"
    )
    shuffle = fields.BooleanField(default=False)
    repeat = fields.CharField(max_length=8, default="off", description="off, all or one")
    unshuffled: list[str] = fields.JSONField(
        default=list, description="Entry ids in the order before shuffle (restored when off)"
    )
    position = fields.FloatField(default=0, description="Seconds into the current track")
    paused = fields.BooleanField(default=True)
    active_player = fields.CharField(
        max_length=64, null=True, description="The browser tab that plays (one at a time)"
    )
    active_device = fields.CharField(
        max_length=64, null=True, description="The browser that tab runs in"
    )
    active_name = fields.CharField(max_length=128, default="", description="That browser's name")
    play_session = fields.CharField(
        max_length=32, null=True, description="Jellyfin PlaySessionId of the reported play"
    )
    reported_item = fields.CharField(
        max_length=32, null=True, description="The item Jellyfin was told is playing"
    )
    version = fields.IntField(default=0, description="Bumped by every change")
    updated_at: datetime = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "player_queues"

    def __str__(self) -> str:
        return f"queue of user {self.owner_id} ({len(self.entries)} entries)"  # type: ignore[attr-defined]
