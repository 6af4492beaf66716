"""Tortoise model of vibe queues built through AudioMuse-AI or Jellyfin's InstantMix."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class VibeQueue(Model):
    """A queue of Jellyfin tracks built from seeds; extended while its user keeps listening."""

    id = fields.CharField(max_length=32, primary_key=True, description="Public id, 32 hex")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="vibe_queues", on_delete=fields.CASCADE
    )
    jellyfin_user_id = fields.CharField(
        max_length=32, description="The owner's Jellyfin user id (playback events carry it)"
    )
    mode = fields.CharField(max_length=16, description="similar, recent, text, alchemy, ...")
    seeds: dict[str, Any] = fields.JSONField(default=dict, description="The request's seeds")
    engine = fields.CharField(max_length=16, description="audiomuse or instantmix")
    notice: str | None = fields.TextField(null=True, description="Why a fallback was used")
    item_ids: list[str] = fields.JSONField(default=list, description="Jellyfin item ids in order")
    session_id = fields.CharField(
        max_length=64, null=True, description="The Jellyfin session it was last sent to"
    )
    extensions = fields.IntField(default=0, description="How often it was extended")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "vibe_queues"
        indexes = (("jellyfin_user_id", "updated_at"),)

    def __str__(self) -> str:
        return f"{self.mode} queue {self.id}"
