"""History import jobs: preview (stage rows) then import (commit them), one at a time per user,
with live progress as `history.import` events and clear errors for users.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from companion.cluster.base import Cluster
from companion.errors import BadRequest, CompanionError, Conflict, NotFound, ServiceUnavailable
from companion.events import Event, EventBus
from companion.history.import_commit import commit_import
from companion.history.import_jellyfin import JellyfinOptions, JellyfinPreview
from companion.history.import_models import HistoryImport, HistoryImportRow
from companion.media import UserCredential
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.capabilities import not_supported
from companion.providers.history import PluginMissing, PluginQueryFailed

_LOGGER = logging.getLogger(__name__)

EVENT = "history.import"
RUNNING = ("previewing", "importing")
PLUGIN_MISSING = (
    "The Playback Reporting plugin is not installed on Jellyfin. Install it from Dashboard → "
    "Plugins → Catalog, or import without it."
)
INTERRUPTED = "The companion stopped while this ran. Nothing was written; start it again."
# Progress events at most this often (the last one always goes out).
PROGRESS_SECONDS = 0.2

Progress = Callable[[int, int], Awaitable[None]]


class Stager(Protocol):
    """Reads one source and stages what an import would add."""

    async def probe(self) -> None:
        """Fail fast, before a job exists, when the source cannot be read at all."""
        ...

    async def run(self, job: HistoryImport, progress: Progress) -> dict[str, Any]:
        """Stage rows for the job; return the preview summary."""
        ...


def user_error(err: Exception) -> CompanionError | None:
    """The API error for a source failure (None when it is unexpected)."""
    if isinstance(err, CompanionError):
        return err
    if isinstance(err, PluginMissing):
        return Conflict(PLUGIN_MISSING, code="playback_reporting_missing")
    if isinstance(err, PluginQueryFailed):
        return ServiceUnavailable(str(err), code="playback_reporting_failed")
    if isinstance(err, CredentialsRejected):
        return BadRequest(str(err), code="source_rejected")
    if isinstance(err, ProviderUnavailable):
        return ServiceUnavailable(str(err), code="source_unreachable")
    return None


def job_dict(job: HistoryImport) -> dict[str, Any]:
    """The API shape of a job."""
    return {
        "id": job.id,
        "source": job.source,
        "state": job.state,
        "options": job.options,
        "done": job.done,
        "total": job.total,
        "summary": job.summary,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


class JellyfinStager:
    """Stages the user's Jellyfin user data and Playback Reporting rows."""

    def __init__(self, providers: Providers, cred: UserCredential, options: JellyfinOptions):
        self._providers = providers
        self._cred = cred
        self._options = options

    def _source(self) -> Any:
        source = self._providers.play_history
        if source is None:
            raise not_supported(self._providers, "per_play_history") or ServiceUnavailable(
                code="jellyfin_unreachable"
            )
        return source

    async def probe(self) -> None:
        """One played track and, when asked for, the plugin's row count."""
        source = self._source()
        await source.played_page(self._cred, 0, 1)
        if self._options.playback_reporting == "on":
            await source.activity_count(self._cred.user_id)

    async def run(self, job: HistoryImport, progress: Progress) -> dict[str, Any]:
        """Stage everything (see JellyfinPreview)."""
        preview = JellyfinPreview(self._source(), self._cred, job, self._options, progress)
        return await preview.run()


def _job_key(job_id: int) -> str:
    return f"history-import:{job_id}"


class HistoryImports:
    """Runs import jobs in the background; the API and the websocket only start and read."""

    def __init__(self, providers: Providers, bus: EventBus) -> None:
        self._providers = providers
        self._bus = bus
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Alone by default; the app hands in the replicas' cluster.
        self.cluster = Cluster()

    async def recover(self) -> None:
        """Jobs a restart interrupted: a preview is dropped, an import goes back to previewed.

        With replicas, a job another replica is running (it holds the job's cluster lock) is
        left alone.
        """
        for job in await HistoryImport.filter(state__in=RUNNING):
            if await self.cluster.held_elsewhere(_job_key(job.id)):
                continue
            if job.state == "importing":
                # The preview stands: importing it again adds only what is still missing.
                job.state = "previewed"
            else:
                await HistoryImportRow.filter(job_id=job.id).delete()
                job.state, job.error = "failed", INTERRUPTED
            await job.save()

    async def close(self) -> None:
        """Cancel running jobs (a restart finds them through recover)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def jellyfin(self, cred: UserCredential, options: JellyfinOptions) -> JellyfinStager:
        """The stager of a Jellyfin import."""
        return JellyfinStager(self._providers, cred, options)

    # -- starting ----------------------------------------------------------------------------

    async def _ensure_idle(self, user_id: str) -> None:
        if await HistoryImport.exists(user_id=user_id, state__in=RUNNING):
            raise Conflict(
                "An import is already running; wait for it to finish.", code="import_running"
            )

    async def preview(
        self, user_id: str, source: str, options: dict[str, Any], stager: Stager
    ) -> dict[str, Any]:
        """Check the source answers, create a job and stage its rows in the background."""
        await self._ensure_idle(user_id)
        try:
            await stager.probe()
        except Exception as err:
            mapped = user_error(err)
            if mapped is None:
                raise
            raise mapped from err
        job = await HistoryImport.create(user_id=user_id, source=source, options=options)
        self._spawn(job, self._run_preview(job, stager))
        return job_dict(job)

    async def commit(self, user_id: str, job_id: int) -> dict[str, Any]:
        """Import a previewed job in the background (page by page; re-running adds nothing)."""
        job = await self._owned(user_id, job_id)
        if job.state != "previewed":
            raise Conflict(
                f"This import is {job.state}; only a finished preview can be imported.",
                code="import_not_previewed",
            )
        await self._ensure_idle(user_id)
        job.state, job.done = "importing", 0
        await job.save()
        self._spawn(job, self._run_commit(job))
        return job_dict(job)

    async def discard(self, user_id: str, job_id: int) -> None:
        """Forget a job that is not running (its staged rows go with it)."""
        job = await self._owned(user_id, job_id)
        if job.state in RUNNING:
            raise Conflict("This import is still running.", code="import_running")
        await job.delete()

    def _spawn(self, job: HistoryImport, work: Awaitable[None]) -> None:
        async def runner() -> None:
            try:
                # Held while it runs: a replica restarting meanwhile does not "recover" it.
                async with self.cluster.lock(_job_key(job.id)):
                    await work
            finally:
                self._tasks.pop(job.id, None)

        self._tasks[job.id] = asyncio.create_task(runner(), name=f"history-import-{job.id}")

    async def wait(self, job_id: int) -> None:
        """Wait until a job's background work ends (tests and benchmarks)."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # -- running -----------------------------------------------------------------------------

    def _progress(self, job: HistoryImport, phase: str) -> Progress:
        last = [0.0]

        async def report(done: int, total: int) -> None:
            job.done, job.total = done, total
            now = time.monotonic()
            if now - last[0] < PROGRESS_SECONDS and done < total:
                return
            last[0] = now
            await HistoryImport.filter(id=job.id).update(done=done, total=total)
            self._publish(job, phase)

        return report

    def _publish(self, job: HistoryImport, phase: str) -> None:
        data = {"job_id": job.id, "source": job.source, "phase": phase, **job_dict(job)}
        self._bus.publish(Event(EVENT, data, user_id=job.user_id))

    async def _run_preview(self, job: HistoryImport, stager: Stager) -> None:
        try:
            summary = await stager.run(job, self._progress(job, "preview"))
        except asyncio.CancelledError:
            raise
        except Exception as err:
            await HistoryImportRow.filter(job_id=job.id).delete()
            await self._fail(job, err, "preview")
            return
        job.summary, job.state = summary, "previewed"
        job.finished_at = datetime.now(UTC)
        await job.save()
        self._publish(job, "preview")

    async def _run_commit(self, job: HistoryImport) -> None:
        try:
            result = await commit_import(job, self._progress(job, "import"))
        except asyncio.CancelledError:
            raise
        except Exception as err:
            # The preview still stands: importing it again adds only what is still missing.
            await self._fail(job, err, "import", state="previewed")
            return
        job.result, job.state = result, "done"
        job.finished_at = datetime.now(UTC)
        await job.save()
        self._publish(job, "import")

    async def _fail(
        self, job: HistoryImport, err: Exception, phase: str, state: str = "failed"
    ) -> None:
        mapped = user_error(err)
        if mapped is None:
            _LOGGER.exception("History import %s failed", job.id, exc_info=err)
            message = "The import failed unexpectedly. Check the companion log."
        else:
            message = mapped.message
        job.state, job.error = state, message
        job.finished_at = datetime.now(UTC)
        await job.save()
        self._publish(job, phase)

    # -- reading -----------------------------------------------------------------------------

    async def _owned(self, user_id: str, job_id: int) -> HistoryImport:
        job = await HistoryImport.get_or_none(id=job_id, user_id=user_id)
        if job is None:
            raise NotFound("No such import.", code="import_not_found")
        return job

    async def list(self, user_id: str) -> list[dict[str, Any]]:
        """The user's imports, newest first."""
        jobs = await HistoryImport.filter(user_id=user_id).order_by("-id").limit(50)
        return [job_dict(j) for j in jobs]

    async def get(self, user_id: str, job_id: int) -> dict[str, Any]:
        """One of the user's imports."""
        return job_dict(await self._owned(user_id, job_id))

    async def unmatched(self, user_id: str, job_id: int, offset: int, limit: int) -> dict[str, Any]:
        """Listens of a job that matched no library track, kept aside for the user to see."""
        await self._owned(user_id, job_id)
        query = HistoryImportRow.filter(job_id=job_id, kind="unmatched")
        total = await query.count()
        rows = await query.order_by("-started_at", "id").offset(offset).limit(limit)
        return {
            "items": [
                {
                    "artist": r.artist,
                    "title": r.title,
                    "album": r.album or None,
                    "listened_at": r.started_at.isoformat() if r.started_at else None,
                }
                for r in rows
            ],
            "total": total,
            "offset": offset,
            "limit": limit,
        }
