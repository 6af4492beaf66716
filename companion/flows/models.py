"""Tortoise models of weekly flows: the flows, their weekly runs and tracks, the files and links
on disk (reference-counted), and the journal that makes resets and promotions crash-safe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class Flow(Model):
    """A user's weekly discovery flow: its size, schedule, options and mix of sources."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="flows", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    folder = fields.CharField(
        max_length=255, unique=True, description="<user>/<flow> below the flows and links roots"
    )
    size_tracks: int | None = fields.IntField(null=True, description="Tracks per week")
    size_gb: float | None = fields.FloatField(null=True, description="Gigabytes per week")
    day = fields.IntField(description="Weekday of the reset, 0 = Monday")
    time = fields.CharField(max_length=5, description="HH:MM in the install's time zone")
    one_per_artist = fields.BooleanField(default=True)
    blocklist: list[str] = fields.JSONField(default=list, description="Artists never suggested")
    sources: dict[str, Any] = fields.JSONField(
        default=dict, description="Weights per source (listenbrainz, audiomuse, ollama), options"
    )
    keep_plays = fields.IntField(default=3, description="Plays in the week that keep a track")
    enabled = fields.BooleanField(default=True)
    playlist_id: int | None = fields.IntField(
        null=True, description="The companion playlist of the week, renamed every week"
    )
    kept_playlist_id: int | None = fields.IntField(
        null=True, description="The companion playlist '<flow> kept'"
    )
    next_run_at: datetime | None = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "flows"
        unique_together = (("user_id", "name"),)
        indexes = (("next_run_at",),)

    def __str__(self) -> str:
        return self.name


class FlowRun(Model):
    """One week of a flow: its tracks and its Jellyfin playlist, until the next reset."""

    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "models.Flow", related_name="runs", on_delete=fields.CASCADE
    )
    week = fields.CharField(max_length=16, description="ISO week, e.g. 2026-W49")
    state = fields.CharField(
        max_length=16, default="building", description="building, planned, active, resetting, done"
    )
    notices: list[str] = fields.JSONField(default=list, description="What a source reported")
    counts: dict[str, int] = fields.JSONField(default=dict, description="Reset outcome")
    started_at = fields.DatetimeField(auto_now_add=True)
    ready_at: datetime | None = fields.DatetimeField(null=True)
    reset_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "flow_runs"
        indexes = (("flow_id", "state"),)

    def __str__(self) -> str:
        return f"{self.week} of flow {self.flow_id} ({self.state})"  # type: ignore[attr-defined]


class FlowFile(Model):
    """A downloaded file in the flows folder, shared by every flow that links to it."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, description="Track key (artist + title) for reuse")
    path = fields.CharField(max_length=1024, unique=True, description="Local path")
    size = fields.BigIntField(default=0)
    state = fields.CharField(
        max_length=16, default="present", description="present, promoted, deleted"
    )
    library_path = fields.CharField(
        max_length=1024, null=True, description="Local path in the library once promoted"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "flow_files"
        indexes = (("key", "state"),)

    def __str__(self) -> str:
        return self.path


class FlowLink(Model):
    """A symlink in the Jellyfin library's flows folder pointing at a FlowFile."""

    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "models.Flow", related_name="links", on_delete=fields.CASCADE
    )
    file: fields.ForeignKeyRelation[FlowFile] = fields.ForeignKeyField(
        "models.FlowFile", related_name="links", on_delete=fields.RESTRICT
    )
    path = fields.CharField(max_length=1024, unique=True, description="Local path of the link")
    jellyfin_path = fields.CharField(max_length=1024, description="The link as Jellyfin sees it")
    item_id = fields.CharField(max_length=32, null=True, description="Jellyfin item once indexed")
    state = fields.CharField(max_length=16, default="live", description="live, removed")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "flow_links"
        indexes = (("flow_id", "state"), ("file_id", "state"))

    def __str__(self) -> str:
        return self.path


class FlowTrack(Model):
    """One track of a week: a pick or a reserve, from a library item or a download."""

    id = fields.IntField(primary_key=True)
    run: fields.ForeignKeyRelation[FlowRun] = fields.ForeignKeyField(
        "models.FlowRun", related_name="tracks", on_delete=fields.CASCADE
    )
    position = fields.IntField(description="Order in the playlist (picks) or reserve queue")
    role = fields.CharField(max_length=8, default="pick", description="pick or reserve")
    source = fields.CharField(max_length=16, description="listenbrainz, audiomuse or ollama")
    origin = fields.CharField(max_length=64, default="", description="Playlist kind, cf, llm")
    why: str | None = fields.TextField(null=True)
    key = fields.CharField(max_length=64, description="Track key (artist + title)")
    title = fields.CharField(max_length=512)
    artists: list[str] = fields.JSONField(default=list)
    album = fields.CharField(max_length=512, null=True)
    duration_s: float | None = fields.FloatField(null=True)
    mbid = fields.CharField(max_length=36, null=True)
    kind = fields.CharField(max_length=8, default="download", description="library or download")
    item_id = fields.CharField(
        max_length=32, null=True, description="Jellyfin item: the library's, or the link's"
    )
    state = fields.CharField(
        max_length=16,
        default="waiting",
        description="waiting, fetching, placed, indexed, failed, replaced, kept, promoted, removed",
    )
    file: fields.ForeignKeyNullableRelation[FlowFile] = fields.ForeignKeyField(
        "models.FlowFile", related_name="tracks", null=True, on_delete=fields.SET_NULL
    )
    link: fields.ForeignKeyNullableRelation[FlowLink] = fields.ForeignKeyField(
        "models.FlowLink", related_name="tracks", null=True, on_delete=fields.SET_NULL
    )
    fetch: dict[str, Any] = fields.JSONField(default=dict, description="Download handle")
    percent: float | None = fields.FloatField(null=True)
    reason: str | None = fields.TextField(null=True)
    decision = fields.CharField(
        max_length=8, null=True, description="keep or remove, chosen by the user"
    )
    kept_item_id = fields.CharField(
        max_length=32, null=True, description="The promoted file's item in the library"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "flow_tracks"
        indexes = (("run_id", "role", "state"), ("state",), ("key",))

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"


class FlowJournal(Model):
    """A reset or promotion written down before it starts, step by step, replayed at start."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, description="reset, promote or remove")
    flow_id: int | None = fields.IntField(null=True)
    run_id: int | None = fields.IntField(null=True)
    steps: list[list[Any]] = fields.JSONField(description="[op, args...] in order")
    done = fields.IntField(default=0, description="Steps known to be finished")
    data: dict[str, Any] = fields.JSONField(default=dict, description="What to record at the end")
    state = fields.CharField(max_length=16, default="pending", description="pending or done")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "flow_journal"
        indexes = (("state",),)

    def __str__(self) -> str:
        return f"{self.kind} journal {self.id} ({self.done}/{len(self.steps)})"
