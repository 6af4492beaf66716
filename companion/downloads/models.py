"""Tortoise models of downloads: one job per distinct wanted thing, and who wants it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class DownloadJob(Model):
    """One download (a track or an album), shared by everyone who wants the same thing."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=255, unique=True, description="What it is, normalised")
    kind = fields.CharField(max_length=8, description="track | album")
    provider = fields.CharField(max_length=16, null=True, description="lidarr | slskd")
    state = fields.CharField(
        max_length=16,
        default="waiting",
        description="waiting | searching | queued | downloading | importing | in_library | "
        "failed | cancelled",
    )
    percent: float | None = fields.FloatField(null=True)
    reason: str | None = fields.TextField(null=True, description="Why it failed or waits")
    title = fields.CharField(max_length=512)
    artists: list[str] = fields.JSONField(default=list)
    album = fields.CharField(max_length=512, null=True)
    duration_s: float | None = fields.FloatField(null=True)
    mbid = fields.CharField(max_length=36, null=True, description="Recording MBID")
    album_mbid = fields.CharField(max_length=36, null=True, description="Release-group MBID")
    artist_mbid = fields.CharField(max_length=36, null=True)
    attempts = fields.IntField(default=0, description="Retries after the provider was down")
    next_check_at: datetime | None = fields.DatetimeField(null=True)
    state_since = fields.DatetimeField(auto_now_add=True, description="When the state began")
    progress_at: datetime | None = fields.DatetimeField(null=True, description="Bytes last moved")
    details: dict[str, Any] = fields.JSONField(
        default=dict, description="Provider state: search, candidates, transfer, album ids"
    )
    library_paths: list[str] = fields.JSONField(
        default=list, description="Paths of the placed files, as Jellyfin sees them"
    )
    item_ids: list[str] = fields.JSONField(default=list, description="Items that arrived")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "download_jobs"
        indexes = (("state", "next_check_at"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.title} ({self.state})"


class WantedItem(Model):
    """A user wants a job's track or album (from an import row, a search, later a flow)."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="wanted", on_delete=fields.CASCADE
    )
    job: fields.ForeignKeyRelation[DownloadJob] = fields.ForeignKeyField(
        "models.DownloadJob", related_name="wanted", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=16, default="search", description="import | search | flow")
    import_job_id: int | None = fields.IntField(null=True, description="The import it came from")
    import_row_id: int | None = fields.BigIntField(null=True, description="Its import row")
    cancelled = fields.BooleanField(default=False)
    notified = fields.BooleanField(default=False, description="Its arrival was announced")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "download_wanted"
        unique_together = (("owner_id", "job_id"),)
        indexes = (("import_row_id",),)

    def __str__(self) -> str:
        return f"wanted item {self.id} ({self.source})"
