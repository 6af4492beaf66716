"""Jobs move through their states here: saved, and announced to every user who wants them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from companion.downloads.models import DownloadJob, WantedItem
from companion.downloads.wanted import Want
from companion.events import Event, EventBus
from companion.media import make_ref

PROGRESS_EVENT = "download.progress"
FINISHED_EVENT = "download.finished"
FAILED_EVENT = "download.failed"
ACTIVE = ("waiting", "searching", "queued", "downloading", "importing")
# "placed": a fetch into a folder of the caller's (flows) finished; no library involved.
DONE = ("in_library", "placed", "failed", "cancelled")
# Details that survive a restart of the job from the start.
KEPT_DETAILS = ("target", "pinned")
STATES = (*ACTIVE, *DONE)


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


def want_of(job: DownloadJob) -> Want:
    """The job's wanted thing."""
    return Want(
        kind="album" if job.kind == "album" else "track",
        title=job.title,
        artists=tuple(job.artists),
        album=job.album,
        duration_s=job.duration_s,
        mbid=job.mbid,
        album_mbid=job.album_mbid,
        artist_mbid=job.artist_mbid,
    )


def kept(job: DownloadJob) -> dict[str, Any]:
    """The details a job keeps when it starts over (a fetch's folder, a chosen file)."""
    return {k: job.details[k] for k in KEPT_DETAILS if k in job.details}


def item_dto(wanted: WantedItem, job: DownloadJob) -> dict[str, Any]:
    """The API shape of a wanted item (its job's state)."""
    return {
        "id": wanted.id,
        "job_id": job.id,
        "kind": job.kind,
        "title": job.title,
        "artists": list(job.artists),
        "album": job.album,
        "duration_s": job.duration_s,
        "mbid": job.mbid,
        "album_mbid": job.album_mbid,
        "provider": job.provider,
        "state": "cancelled" if wanted.cancelled else job.state,
        "percent": job.percent,
        "reason": job.reason,
        "source": wanted.source,
        "import_id": wanted.import_job_id,
        "refs": [make_ref(i) for i in job.item_ids],
        "placed": job.details.get("placed"),
        "created_at": wanted.created_at.isoformat() if wanted.created_at else None,
        "updated_at": job.updated_at.isoformat() if job.updated_at else None,
    }


async def watchers(job: DownloadJob) -> list[tuple[WantedItem, str | None]]:
    """The job's wanted items that are not cancelled, with their owners' Jellyfin ids."""
    rows = await WantedItem.filter(job_id=job.id, cancelled=False).prefetch_related("owner")
    return [(w, w.owner.jellyfin_id) for w in rows]


async def announce(bus: EventBus, job: DownloadJob, kind: str = PROGRESS_EVENT) -> None:
    """Publish the job's state to each user who wants it."""
    for wanted, user in await watchers(job):
        data = item_dto(wanted, job)
        if kind == FINISHED_EVENT:
            data["message"] = f"Downloaded and in the library: {want_of(job).label}" + (
                f" (via {job.provider})" if job.provider else ""
            )
        elif kind == FAILED_EVENT:
            data["message"] = f"Download failed: {want_of(job).label}: {job.reason}"
        bus.publish(Event(kind, data, user_id=user, source="downloads"))


async def move(
    bus: EventBus,
    job: DownloadJob,
    state: str,
    *,
    reason: str | None = None,
    percent: float | None = None,
    check_in: float | None = 0.0,
    announce_it: bool = True,
) -> None:
    """Put a job into a state (and when the worker should look next), save it, announce it."""
    changed = state != job.state
    if changed:
        job.state_since = now()
    job.state = state
    job.reason = reason
    job.percent = percent
    job.next_check_at = now() + timedelta(seconds=check_in) if check_in is not None else None
    if state in DONE:
        job.next_check_at = None
        job.finished_at = now()
    await job.save()
    if announce_it:
        kind = FAILED_EVENT if changed and state == "failed" else PROGRESS_EVENT
        await announce(bus, job, kind)


async def later(job: DownloadJob, seconds: float) -> None:
    """Save the job and look at it again after a while, with no event."""
    job.next_check_at = now() + timedelta(seconds=seconds)
    await job.save()
