"""Downloads as users drive them: want things, see the list, retry, cancel, search, settings."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from companion.accounts.auth import Principal
from companion.downloads import config, jobs, probe
from companion.downloads.arrival import Arrival
from companion.downloads.lidarr import LidarrNotice
from companion.downloads.models import DownloadJob, WantedItem
from companion.downloads.runtime import Runtime
from companion.downloads.search import Searches
from companion.downloads.wanted import Want
from companion.downloads.worker import DownloadWorker
from companion.errors import CompanionError, Conflict, Forbidden, InvalidInput, NotFound
from companion.events import EventBus, Unsubscribe
from companion.imports.filling import Filler
from companion.imports.models import ImportJob, ImportRow
from companion.imports.rows import WAITING_STATES
from companion.providers import Providers
from companion.providers.downloads import PeerFile

_LOGGER = logging.getLogger(__name__)

MAX_LIST = 500
MAX_ROWS = 1000
SOURCES = ("import", "search", "flow")


class DownloadService:
    """Every download operation of the API, the dashboard and the Lidarr webhook."""

    def __init__(
        self,
        providers: Providers,
        bus: EventBus,
        filler: Filler | None = None,
        timings: config.Timings | None = None,
    ) -> None:
        self.rt = Runtime(providers, bus, timings or config.Timings())
        self.worker = DownloadWorker(self.rt)
        self.arrival = Arrival(self.rt, filler)
        self.searches = Searches(self.rt)
        self._unsubscribe: Unsubscribe | None = None

    async def start(self) -> None:
        """Load the settings, follow library changes, start the worker."""
        self.rt.settings = await config.load()
        self._unsubscribe = self.arrival.subscribe()
        await self.start_worker()

    async def load(self) -> None:
        """Load the settings and follow library changes (every replica)."""
        self.rt.settings = await config.load()
        self._unsubscribe = self.arrival.subscribe()

    async def start_worker(self) -> None:
        """Requeue interrupted jobs and start the worker (one replica's work)."""
        # Jobs a restart interrupted in the middle of a step are due again now.
        await DownloadJob.filter(state__in=jobs.ACTIVE, next_check_at=None).update(
            next_check_at=jobs.now()
        )
        self.worker.start()

    async def stop_worker(self) -> None:
        """Stop the worker (jobs stay for the replica that runs it next)."""
        await self.worker.stop()

    async def stop(self) -> None:
        """Stop the worker and the subscription (jobs stay for the next start)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.worker.stop()

    @staticmethod
    def _owner(principal: Principal) -> int:
        if principal.user_id is None:
            raise Forbidden("Sign in to download music.")
        return principal.user_id

    # -- wanting -----------------------------------------------------------------------------

    async def want(
        self,
        principal: Principal,
        want: Want,
        *,
        source: str = "search",
        import_ref: tuple[int, int] | None = None,
        candidate: PeerFile | None = None,
    ) -> dict[str, Any]:
        """Want a track or album: one download however many ask for it; the item's state."""
        owner = self._owner(principal)
        created = await self._job_for(want)
        async with self.rt.locked(created.id) as fresh:
            job = fresh or created
            if candidate is not None and job.state == "waiting" and not job.details:
                job.details = {"pinned": asdict(candidate)}
                await job.save()
            if job.state in ("failed", "cancelled"):
                await self._restart(job)
        async with in_transaction() as conn:
            wanted = await WantedItem.get_or_none(owner_id=owner, job_id=job.id, using_db=conn)
            if wanted is None:
                wanted = await WantedItem.create(
                    owner_id=owner,
                    job_id=job.id,
                    source=source,
                    import_job_id=import_ref[0] if import_ref else None,
                    import_row_id=import_ref[1] if import_ref else None,
                    using_db=conn,
                )
            elif wanted.cancelled or import_ref:
                wanted.cancelled = False
                if import_ref:
                    wanted.import_job_id, wanted.import_row_id = import_ref
                await wanted.save(using_db=conn)
        self.worker.notify()
        return jobs.item_dto(wanted, job)

    async def _job_for(self, want: Want) -> DownloadJob:
        key = want.key
        job = await DownloadJob.get_or_none(key=key)
        if job is not None:
            return job
        try:
            return await DownloadJob.create(
                key=key,
                kind=want.kind,
                title=want.title[:512],
                artists=[a[:512] for a in want.artists[:20]],
                album=(want.album or "")[:512] or None,
                duration_s=want.duration_s,
                mbid=want.mbid,
                album_mbid=want.album_mbid,
                artist_mbid=want.artist_mbid,
                next_check_at=jobs.now(),
            )
        except IntegrityError:
            # Two requests for the same thing at once: the other one created it.
            return await DownloadJob.get(key=key)

    async def _restart(self, job: DownloadJob) -> None:
        job.details, job.library_paths, job.item_ids = jobs.kept(job), [], []
        job.attempts, job.progress_at, job.finished_at = 0, None, None
        if job.kind == "track" or job.provider == "slskd":
            job.provider = None
        await jobs.move(self.rt.bus, job, "waiting", reason=None, check_in=0.0)

    async def fetch(self, owner_id: int, want: Want, folder: Path) -> dict[str, Any]:
        """Fetch one track into `folder` (as `Artist/Album/NN - Title.ext`) for a flow: no scan,
        no arrival, no import rows; it ends "placed" with `placed` set (or failed). Its state
        is `state(job_id)` and `download.progress` events for the owner; cancel with
        `cancel_job`. The same track fetched into another folder is another download."""
        if want.kind != "track":
            raise InvalidInput("Only tracks can be fetched into a folder.")
        target = str(folder)
        digest = hashlib.sha1(target.encode(), usedforsecurity=False).hexdigest()[:12]
        created = await self._job_for(replace(want, scope=f"fetch:{digest}"))
        async with self.rt.locked(created.id) as fresh:
            job = fresh or created
            if "target" not in job.details:
                job.details = {**job.details, "target": target}
                await job.save()
            if job.state in ("failed", "cancelled"):
                await self._restart(job)
        wanted, _ = await WantedItem.get_or_create(
            owner_id=owner_id, job_id=job.id, defaults={"source": "flow"}
        )
        if wanted.cancelled:
            wanted.cancelled = False
            await wanted.save()
        self.worker.notify()
        return jobs.item_dto(wanted, job)

    async def state(self, job_id: int) -> dict[str, Any] | None:
        """A job's state, percent, reason and placed path (None when there is no such job)."""
        job = await DownloadJob.get_or_none(id=job_id)
        if job is None:
            return None
        return {
            "job_id": job.id,
            "state": job.state,
            "percent": job.percent,
            "reason": job.reason,
            "placed": job.details.get("placed"),
        }

    async def cancel_job(self, job_id: int) -> None:
        """Stop a job for everyone who wants it (a flow's fetch it no longer needs)."""
        async with self.rt.locked(job_id) as job:
            if job is None or job.state not in jobs.ACTIVE:
                return
            await WantedItem.filter(job_id=job_id).update(cancelled=True)
            await self._stop_job(job)
            await jobs.move(self.rt.bus, job, "cancelled", reason="Cancelled")

    async def want_import_rows(
        self, principal: Principal, import_id: int, indexes: list[int] | None
    ) -> list[dict[str, Any]]:
        """Want the waiting rows of one of the user's imports (all of them, or some)."""
        owner = self._owner(principal)
        job = await ImportJob.get_or_none(id=import_id, owner_id=owner)
        if job is None:
            raise NotFound("No such import.", code="import_not_found")
        rows = ImportRow.filter(job_id=job.id, state__in=WAITING_STATES, picked=False)
        if indexes is not None:
            rows = rows.filter(index__in=indexes)
        out = []
        for row in await rows.order_by("index").limit(MAX_ROWS):
            want = Want(
                kind="track",
                title=row.title,
                artists=tuple(row.artists),
                album=row.album,
                duration_s=row.duration_s,
                mbid=row.mbid,
            )
            out.append(
                await self.want(principal, want, source="import", import_ref=(job.id, row.id))
            )
        return out

    # -- the list ----------------------------------------------------------------------------

    async def items(self, principal: Principal, everyone: bool = False) -> list[dict[str, Any]]:
        """The user's wanted items, newest first (administrators may ask for everyone's)."""
        query = (
            WantedItem.all()
            if everyone and principal.is_admin
            else WantedItem.filter(owner_id=self._owner(principal))
        )
        rows = await query.order_by("-id").limit(MAX_LIST).prefetch_related("job")
        return [jobs.item_dto(w, w.job) for w in rows]

    async def _item(self, principal: Principal, wanted_id: int) -> WantedItem:
        query = WantedItem.filter(id=wanted_id)
        if not principal.is_admin:
            query = query.filter(owner_id=self._owner(principal))
        wanted = await query.prefetch_related("job").first()
        if wanted is None:
            raise NotFound("No such wanted item.", code="download_not_found")
        return wanted

    async def get(self, principal: Principal, wanted_id: int) -> dict[str, Any]:
        """One wanted item."""
        wanted = await self._item(principal, wanted_id)
        return jobs.item_dto(wanted, wanted.job)

    async def retry(self, principal: Principal, wanted_id: int) -> dict[str, Any]:
        """Try a failed or cancelled item again (from the start)."""
        wanted = await self._item(principal, wanted_id)
        async with self.rt.locked(wanted.job.id) as fresh:
            job = fresh or wanted.job
            if job.state == "in_library":
                raise Conflict("It is already in the library.", code="download_in_library")
            if wanted.cancelled:
                wanted.cancelled = False
                await wanted.save()
            if job.state in ("failed", "cancelled"):
                await self._restart(job)
            else:
                # Waiting on an outage: look now instead of after the backoff.
                job.attempts = 0
                await jobs.later(job, 0.0)
        self.worker.notify()
        return jobs.item_dto(wanted, job)

    async def cancel(self, principal: Principal, wanted_id: int) -> dict[str, Any]:
        """Stop wanting it; the download stops when nobody else wants it."""
        wanted = await self._item(principal, wanted_id)
        async with self.rt.locked(wanted.job.id) as fresh:
            job = fresh or wanted.job
            if job.state == "in_library":
                raise Conflict("It is already in the library.", code="download_in_library")
            wanted.cancelled = True
            await wanted.save()
            others = await WantedItem.filter(job_id=job.id, cancelled=False).exists()
            if not others and job.state in jobs.ACTIVE:
                await self._stop_job(job)
                await jobs.move(
                    self.rt.bus, job, "cancelled", reason="Cancelled", announce_it=False
                )
        return jobs.item_dto(wanted, job)

    async def _stop_job(self, job: DownloadJob) -> None:
        transfer = job.details.get("transfer") if job.provider == "slskd" else None
        files = self.rt.providers.files
        if transfer and files is not None:
            try:
                await files.cancel(str(transfer["username"]), str(transfer["id"]), remove=True)
            except CompanionError:
                raise
            except Exception as err:  # the transfer may already be gone; the job stops anyway
                _LOGGER.info("Cancelling slskd transfer %s: %s", transfer.get("id"), err)

    # -- Lidarr's webhook --------------------------------------------------------------------

    async def receive_lidarr(self, notice: LidarrNotice) -> int:
        """Apply a Lidarr webhook to the jobs it concerns, then let the worker go on."""
        changed = await self.worker.lidarr.apply(notice)
        if changed:
            self.worker.notify()
        return changed

    # -- settings ----------------------------------------------------------------------------

    async def settings_view(self) -> dict[str, Any]:
        """The settings and what the services offer to choose from."""
        return {"settings": self.rt.settings.as_dict(), **await self.searches.choices()}

    async def save_settings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check the new mapping with probe files; save only when every check passes."""
        new = config.parse(body, self.rt.settings)
        checks = await probe.check(new, self.rt.providers)
        failed = [c for c in checks if not c.ok]
        if failed:
            raise CompanionError(
                failed[0].message,
                code="downloads_mapping_failed",
                status=400,
                details={"checks": [c.as_dict() for c in checks]},
            )
        new = replace(new, checked_at=jobs.now().isoformat())
        await config.save(new)
        self.rt.settings = new
        # Jobs that waited for the settings can go on now.
        await DownloadJob.filter(state="waiting").update(next_check_at=jobs.now())
        self.worker.notify()
        return {"settings": new.as_dict(), "checks": [c.as_dict() for c in checks]}

    def validate_source(self, source: str) -> str:
        """A wanted item's source name, or 400."""
        if source not in SOURCES:
            raise InvalidInput(
                f"'source' must be one of {', '.join(SOURCES)}.", details={"field": "source"}
            )
        return source
