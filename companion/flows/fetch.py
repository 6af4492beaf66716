"""Fetching one flow track as a file, through the downloads capability's fetch hook.

`DownloadService.fetch` runs the download like any other (slskd, the downloads ranking,
retries, a restart picks it up) but places the file in the flow's own folder as
`Artist/Album/NN - Title.ext` and stops there: no library scan, no arrival, no import rows.
Its wanted item is the user's (source "flow"), so it also shows on the Downloads page.
The handle kept on the track is plain JSON (the job id), so polling survives restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from companion.downloads.service import DownloadService
from companion.downloads.wanted import Want, clean_mbid
from companion.flows.candidates import Candidate
from companion.providers import ProviderUnavailable

Phase = Literal["searching", "queued", "downloading", "done", "failed"]
# The downloads capability's job states, as a flow shows them.
PHASES: dict[str, Phase] = {
    "waiting": "searching",
    "searching": "searching",
    "queued": "queued",
    "downloading": "downloading",
    "importing": "downloading",
    "placed": "done",
    "in_library": "done",
    "failed": "failed",
    "cancelled": "failed",
}


@dataclass(frozen=True, slots=True)
class FetchStatus:
    """Where a fetch is; `path` is the finished file as the companion sees it."""

    phase: Phase
    handle: dict[str, Any]
    percent: float | None = None
    path: str | None = None
    reason: str | None = None


class Fetcher(Protocol):
    """Starts and follows the download of one track into a folder."""

    async def start(self, candidate: Candidate, owner_id: int, folder: str) -> FetchStatus:
        """Begin fetching into `folder`; the handle to poll with."""
        ...

    async def poll(self, handle: dict[str, Any], candidate: Candidate) -> FetchStatus:
        """Where a fetch is now."""
        ...

    async def cancel(self, handle: dict[str, Any]) -> None:
        """Give a fetch up (best effort)."""
        ...


def want_of(candidate: Candidate) -> Want:
    """The downloads capability's description of the track."""
    return Want(
        "track",
        candidate.title,
        candidate.artists,
        candidate.album,
        candidate.duration_s,
        clean_mbid(candidate.mbid),
    )


def status_of(job: dict[str, Any] | None, handle: dict[str, Any]) -> FetchStatus:
    """A downloads job state as a fetch status."""
    if job is None:
        return FetchStatus("failed", handle, reason="The download was forgotten.")
    phase = PHASES.get(str(job.get("state")), "searching")
    placed = job.get("placed")
    if phase == "done" and not placed:
        # Only a file in the flow's folder counts.
        return FetchStatus("failed", handle, reason="The download ended outside the flow.")
    return FetchStatus(
        phase,
        handle,
        job.get("percent"),
        str(placed) if placed and phase == "done" else None,
        job.get("reason") if phase == "failed" else None,
    )


class DownloadsFetcher:
    """`Fetcher` over the downloads capability (looked up per call: it starts after flows)."""

    def __init__(self, downloads: DownloadService | None) -> None:
        self.downloads = downloads

    def _service(self) -> DownloadService:
        if self.downloads is None:
            raise ProviderUnavailable("Downloads are not running.")
        return self.downloads

    async def start(self, candidate: Candidate, owner_id: int, folder: str) -> FetchStatus:
        """Ask the downloads capability to fetch the track into the folder."""
        item = await self._service().fetch(owner_id, want_of(candidate), Path(folder))
        handle = {"job_id": int(item["job_id"])}
        return status_of(await self._service().state(handle["job_id"]), handle)

    async def poll(self, handle: dict[str, Any], candidate: Candidate) -> FetchStatus:
        """The job's state."""
        job_id = handle.get("job_id")
        if not isinstance(job_id, int):
            return FetchStatus("failed", handle, reason="The download was forgotten.")
        return status_of(await self._service().state(job_id), handle)

    async def cancel(self, handle: dict[str, Any]) -> None:
        """Cancel the job (nobody else shares a flow's fetch: its folder is the flow's)."""
        job_id = handle.get("job_id")
        if isinstance(job_id, int) and self.downloads is not None:
            await self.downloads.cancel_job(job_id)
