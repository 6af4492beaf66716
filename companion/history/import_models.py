"""Tortoise models of history imports: the jobs, their staged rows, and undated play counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model


class HistoryImport(Model):
    """One import of a user's old plays: previewed first (rows staged), then committed."""

    id = fields.IntField(primary_key=True)
    user_id = fields.CharField(max_length=32, description="Jellyfin user id")
    source = fields.CharField(max_length=16, description="jellyfin, listenbrainz or lastfm")
    options: dict[str, Any] = fields.JSONField(default=dict, description="What the user chose")
    state = fields.CharField(
        max_length=16,
        default="previewing",
        description="previewing, previewed, importing, done or failed",
    )
    done = fields.IntField(default=0, description="Rows read (or written) so far")
    total = fields.IntField(default=0, description="Rows to read (or write), when known")
    summary: dict[str, Any] = fields.JSONField(default=dict, description="The preview's counts")
    result: dict[str, Any] = fields.JSONField(default=dict, description="What the import added")
    error: str | None = fields.TextField(null=True, description="Why it failed, for the user")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "history_imports"
        indexes = (("user_id", "created_at"),)

    def __str__(self) -> str:
        return f"import {self.id} ({self.source}, {self.state})"


class HistoryImportRow(Model):
    """A row a preview staged: a dated play to add, an undated count, or an unmatched listen."""

    id = fields.BigIntField(primary_key=True)
    job: fields.ForeignKeyRelation[HistoryImport] = fields.ForeignKeyField(
        "models.HistoryImport", related_name="rows", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=10, description="dated, undated or unmatched")
    origin = fields.CharField(
        max_length=16, description="userdata, playbackreport, listenbrainz or lastfm"
    )
    item_id = fields.CharField(max_length=32, null=True, description="Jellyfin item id")
    started_at: datetime | None = fields.DatetimeField(null=True)
    duration_s = fields.IntField(default=0, description="Seconds listened, when known")
    count = fields.IntField(default=0, description="undated: the server's play count")
    artist = fields.CharField(max_length=512, default="")
    title = fields.CharField(max_length=512, default="")
    album = fields.CharField(max_length=512, default="")
    client = fields.CharField(max_length=255, default="")
    device = fields.CharField(max_length=255, default="")

    class Meta:
        table = "history_import_rows"
        indexes = (("job_id", "kind", "started_at"), ("job_id", "item_id"))

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id or self.title}"


class UndatedPlays(Model):
    """Plays a source counted without dates (Jellyfin's PlayCount beyond the dated plays)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.CharField(max_length=32, description="Jellyfin user id")
    item_id = fields.CharField(max_length=32, description="Jellyfin item id")
    source = fields.CharField(max_length=16, default="jellyfin")
    count = fields.IntField(description="Plays without a date")
    dated_seen = fields.IntField(
        default=0, description="Dated plays of the item the companion had at the last import"
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "undated_plays"
        unique_together = (("user_id", "item_id", "source"),)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.count} undated plays of {self.item_id}"
