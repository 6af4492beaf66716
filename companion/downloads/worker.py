"""The download worker: every tick, the due jobs take one step each; state lives in the database.

One call lists slskd's transfers and one Lidarr's queue for all due jobs of a tick, so a hundred
downloads in flight cost the same few requests as one. A restart loses nothing: jobs are rows,
and the first tick picks up every job that was due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from companion.downloads import jobs
from companion.downloads.lidarr import LidarrSteps
from companion.downloads.models import DownloadJob
from companion.downloads.runtime import Runtime
from companion.downloads.soulseek import TRANSFER_STATES, SoulseekSteps
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.downloads import QueueEntry, Transfer

_LOGGER = logging.getLogger(__name__)

BATCH = 200
CONCURRENCY = 8
NOTHING_SET_UP = (
    "Neither slskd nor Lidarr is set up: an administrator adds one of them on the "
    "Integrations page."
)
ALBUMS_NEED_LIDARR = "Albums download through Lidarr: an administrator adds the Lidarr integration."


class DownloadWorker:
    """Drives due jobs; `wake()` makes it look now (a new request, a webhook, new settings)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.soulseek = SoulseekSteps(rt)
        self.lidarr = LidarrSteps(rt)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._gate = asyncio.Semaphore(CONCURRENCY)
        self.steps = 0
        # Wakes the loop after a change; with replicas, on the replica that runs it.
        self.notify: Callable[[], None] = self.wake

    def start(self) -> None:
        """Start the loop (jobs left by a previous run are due at once)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="downloads")

    async def stop(self) -> None:
        """Stop the loop; jobs stay in the database for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look at the due jobs now."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                _LOGGER.exception("The download worker's tick failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.rt.timings.tick):
                    await self._wake.wait()

    async def run_once(self) -> int:
        """One step of every due job; the number of jobs stepped."""
        due = (
            await DownloadJob.filter(state__in=jobs.ACTIVE, next_check_at__lte=jobs.now())
            .order_by("next_check_at")
            .limit(BATCH)
        )
        if not due:
            return 0
        transfers = await self._transfers(due)
        queue = await self._queue(due)
        await asyncio.gather(*(self._step(job, transfers, queue) for job in due))
        return len(due)

    async def _transfers(self, due: list[DownloadJob]) -> dict[str, Transfer] | None:
        files = self.rt.providers.files
        if files is None or not any(
            j.provider == "slskd" and j.state in TRANSFER_STATES for j in due
        ):
            return None
        try:
            return {t.id: t for t in await files.transfers()}
        except (ProviderUnavailable, CredentialsRejected):
            return None  # each job finds out on its own and backs off

    async def _queue(self, due: list[DownloadJob]) -> dict[int, QueueEntry] | None:
        albums = self.rt.providers.albums
        if albums is None or not any(j.provider == "lidarr" and j.state != "waiting" for j in due):
            return None
        try:
            return {e.album_id: e for e in await albums.queue()}
        except (ProviderUnavailable, CredentialsRejected):
            return None

    async def _step(
        self,
        job: DownloadJob,
        transfers: dict[str, Transfer] | None,
        queue: dict[int, QueueEntry] | None,
    ) -> None:
        async with self._gate, self.rt.locked(job.id) as fresh:
            if fresh is None or fresh.state not in jobs.ACTIVE:
                return
            job = fresh
            self.steps += 1
            try:
                provider = job.provider or self._choose(job)
                if provider == "slskd":
                    await self.soulseek.step(job, transfers)
                elif provider == "lidarr":
                    await self.lidarr.step(job, queue)
                else:
                    reason = ALBUMS_NEED_LIDARR if job.kind == "album" else NOTHING_SET_UP
                    await jobs.move(
                        self.rt.bus,
                        job,
                        "waiting",
                        reason=reason,
                        check_in=self.rt.timings.retry_max,
                    )
            except Exception:
                _LOGGER.exception("Download %s: a step failed; it is retried later", job.id)
                await self.rt.wait_for_service(job, "An unexpected error happened (see the log).")

    def _choose(self, job: DownloadJob) -> str | None:
        """Albums go to Lidarr; tracks to slskd, else to Lidarr (their album) when it knows it."""
        providers = self.rt.providers
        if "target" in job.details:
            return "slskd" if providers.files is not None else None
        if job.kind == "album":
            return "lidarr" if providers.albums is not None else None
        if providers.files is not None:
            return "slskd"
        if providers.albums is not None and job.album:
            return "lidarr"
        return None
