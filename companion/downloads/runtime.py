"""What every download step needs: providers, the bus, timings, settings, and outage backoff."""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from companion.downloads import jobs
from companion.downloads.config import FolderSettings, Timings
from companion.downloads.models import DownloadJob
from companion.events import EventBus
from companion.providers import Providers


@dataclass
class Runtime:
    """Shared by the worker, the steps of each provider, the arrival and the service."""

    providers: Providers
    bus: EventBus
    timings: Timings = field(default_factory=Timings)
    settings: FolderSettings = field(default_factory=FolderSettings)
    # A job's lock lives while someone holds or waits for it (weak values), so none pile up.
    _locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    @asynccontextmanager
    async def locked(self, job_id: int) -> AsyncIterator[DownloadJob | None]:
        """The job, fresh from the database, while nobody else changes it (worker, webhook,
        arrival and users take turns per job); None when it is gone."""
        lock = self._locks.get(job_id)
        if lock is None:
            lock = self._locks[job_id] = asyncio.Lock()
        async with lock:
            yield await DownloadJob.get_or_none(id=job_id)

    @property
    def stall_after(self) -> timedelta:
        """How long a transfer may make no progress before the next candidate is tried."""
        return timedelta(minutes=self.settings.stall_minutes)

    def backoff(self, attempts: int) -> float:
        """Seconds before retrying after a service outage: doubling, capped, with jitter."""
        t = self.timings
        delay = min(t.retry_base * (2 ** min(attempts, 16)), t.retry_max)
        return float(delay * random.uniform(0.8, 1.2))

    async def wait_for_service(self, job: DownloadJob, reason: str) -> None:
        """The provider is down: keep the job's state, say why, look again after a backoff."""
        job.attempts += 1
        delay = self.backoff(job.attempts - 1)
        await jobs.move(
            self.bus,
            job,
            job.state,
            reason=f"{reason} Retrying in {max(1, round(delay))} s.",
            percent=job.percent,
            check_in=delay,
        )

    async def recovered(self, job: DownloadJob) -> None:
        """The provider answered again: forget the outage count."""
        if job.attempts:
            job.attempts = 0
            await job.save(update_fields=["attempts", "updated_at"])
