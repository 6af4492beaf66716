"""Tortoise models of playlist imports: jobs, their rows (wanted tracks) and remembered picks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class ImportJob(Model):
    """One playlist brought in from a file or another service, matched to library tracks."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="imports", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=255, description="The source playlist's name")
    source = fields.CharField(
        max_length=16, description="exportify, csv, m3u, jspf, xspf, deezer, ytmusic, spotify"
    )
    source_url: str | None = fields.TextField(null=True)
    notice: str | None = fields.TextField(null=True, description="What the source could not give")
    state = fields.CharField(
        max_length=16, default="matching", description="matching | ready | committed"
    )
    total = fields.IntField(default=0)
    done = fields.IntField(default=0, description="Rows matched so far (progress)")
    playlist_id: int | None = fields.IntField(
        null=True, description="The companion playlist made by commit"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    committed_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "import_jobs"
        indexes = (("owner_id", "created_at"), ("state",))

    def __str__(self) -> str:
        return f"{self.name} ({self.source}, {self.total} rows)"


class ImportRow(Model):
    """One wanted track: the source's fields, the match outcome, and whether it is filled in."""

    id = fields.BigIntField(primary_key=True)
    job: fields.ForeignKeyRelation[ImportJob] = fields.ForeignKeyField(
        "models.ImportJob", related_name="rows", on_delete=fields.CASCADE
    )
    index = fields.IntField(description="Position in the source playlist, from 0")
    title = fields.CharField(max_length=512)
    artists: list[str] = fields.JSONField(default=list)
    album = fields.CharField(max_length=512, null=True)
    duration_s = fields.FloatField(null=True)
    isrc = fields.CharField(max_length=32, null=True)
    mbid = fields.CharField(max_length=36, null=True, description="Recording MBID")
    path: str | None = fields.TextField(null=True)
    source_id = fields.CharField(
        max_length=128, null=True, description="The track's id at the source"
    )
    state = fields.CharField(
        max_length=16, default="unmatched", description="matched | ambiguous | unmatched | skipped"
    )
    item_id = fields.CharField(max_length=32, null=True, description="Matched track")
    confidence = fields.FloatField(default=0)
    method = fields.CharField(max_length=16, null=True, description="path, mbid, isrc, text, pick")
    reason: str | None = fields.TextField(null=True, description="Why it is not matched")
    candidates: list[dict[str, Any]] = fields.JSONField(default=list)
    picked = fields.BooleanField(default=False, description="Set by a person (pick or skip)")
    filled = fields.BooleanField(default=False, description="Its track is in the playlist")
    # Lookup keys, so library changes find the waiting rows they may fill without a scan.
    key_title = fields.CharField(max_length=512, default="")
    key_artist = fields.CharField(max_length=512, default="")
    filled_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "import_rows"
        unique_together = (("job_id", "index"),)
        indexes = (("key_title",), ("key_artist",), ("mbid",), ("isrc",))

    def __str__(self) -> str:
        return f"#{self.index} {self.title} ({self.state})"


class ImportPick(Model):
    """A person's choice for a source track, reused by their later imports."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="import_picks", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=64, description="SHA-1 of the row's title and artist keys")
    item_id = fields.CharField(max_length=32, description="The chosen track")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "import_picks"
        unique_together = (("owner_id", "key"),)

    def __str__(self) -> str:
        return f"{self.key} -> {self.item_id}"


class SourceAccount(Model):
    """A user's sign-in at a playlist service (Spotify): tokens encrypted, or a pending grant."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="source_accounts", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=16)
    tokens: str | None = fields.TextField(
        null=True, description="Fernet-encrypted OAuth tokens (JSON)"
    )
    pending_state = fields.CharField(max_length=64, null=True, description="OAuth state in flight")
    pending_verifier: str | None = fields.TextField(
        null=True, description="Fernet-encrypted PKCE verifier"
    )
    redirect_uri: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "import_source_accounts"
        unique_together = (("owner_id", "source"),)

    def __str__(self) -> str:
        return f"{self.source} account of user {self.owner_id}"  # type: ignore[attr-defined]
