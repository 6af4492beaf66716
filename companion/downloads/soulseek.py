"""A track through slskd: search, choose, download, detect the end, place, ask for a scan.

States: waiting → searching (search running) → queued (the peer's queue) → downloading
(percent) → importing (moved into the library, waiting for Jellyfin) → in_library, or failed.
A failed, rejected or stalled transfer, or a file that is not audio, moves on to the next
candidate; when none is left the next search text is tried, then the job fails with the reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from companion.downloads import jobs
from companion.downloads.models import DownloadJob
from companion.downloads.placing import PlaceError, place
from companion.downloads.ranking import describe_rejections, rank, search_text
from companion.downloads.runtime import Runtime
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.downloads import DownloadRefused, FileSource, PeerFile, Transfer

_LOGGER = logging.getLogger(__name__)

NOT_SET_UP = "slskd is not set up: add the slskd integration (administrators)."
NO_FOLDERS = (
    "The library folder or slskd's download folder is not set: an administrator chooses them "
    "on the Downloads page."
)
TRANSFER_STATES = ("queued", "downloading")


def _peer(data: dict[str, Any]) -> PeerFile:
    return PeerFile(**data)


def _downloaded_path(folder: Path, remote: str) -> Path | None:
    """Where slskd put a finished file: `<downloads>/<last remote folder>/<file name>`."""
    parts = remote.replace("/", "\\").split("\\")
    name = parts[-1]
    candidates = []
    if len(parts) > 1:
        candidates.append(folder / parts[-2] / name)
    candidates.append(folder / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    # Releases differ in the subfolder they use; look a little deeper for the name.
    for depth in ("*", "*/*", "*/*/*"):
        for found in folder.glob(f"{depth}/{name}" if depth else name):
            if found.is_file():
                return found
    return None


class SoulseekSteps:
    """One step of a slskd job at a time; the worker calls `step` when the job is due."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _files(self) -> FileSource | None:
        return self.rt.providers.files

    async def step(self, job: DownloadJob, transfers: dict[str, Transfer] | None) -> None:
        """Advance the job as far as it can go now."""
        files = self._files()
        if files is None:
            await jobs.move(
                self.rt.bus, job, "waiting", reason=NOT_SET_UP, check_in=self.rt.timings.retry_max
            )
            return
        settings = self.rt.settings
        fetch = "target" in job.details
        if not settings.slskd_folder or not (settings.ready or fetch):
            await jobs.move(
                self.rt.bus, job, "waiting", reason=NO_FOLDERS, check_in=self.rt.timings.retry_max
            )
            return
        try:
            await self._advance(files, job, transfers)
        except (ProviderUnavailable, CredentialsRejected) as err:
            await self.rt.wait_for_service(job, str(err))
            return
        except DownloadRefused as err:
            await jobs.move(self.rt.bus, job, "failed", reason=str(err))
            return
        await self.rt.recovered(job)

    async def _advance(
        self, files: FileSource, job: DownloadJob, transfers: dict[str, Transfer] | None
    ) -> None:
        if job.state == "waiting":
            await self._search(files, job, first=True)
        elif job.state == "searching":
            await self._poll_search(files, job)
        elif job.state in TRANSFER_STATES:
            if transfers is None:
                transfers = {t.id: t for t in await files.transfers()}
            await self._poll_transfer(files, job, transfers)
        elif job.state == "importing":
            await self.scan(job)

    # -- searching ---------------------------------------------------------------------------

    async def _search(self, files: FileSource, job: DownloadJob, *, first: bool) -> None:
        want = jobs.want_of(job)
        if first:
            queries = [search_text(want)]
            alternative = search_text(want, with_artist=False)
            if len(alternative.split()) >= 2 and alternative not in queries:
                queries.append(alternative)
            pinned = job.details.get("pinned")
            job.details = {"queries": queries, "tried": [], "candidates": [], **jobs.kept(job)}
            if isinstance(pinned, dict):
                # A file chosen in the dashboard's Soulseek search is tried before searching.
                job.provider = "slskd"
                job.details = {**job.details, "candidates": [pinned], "candidate": -1}
                await self._next_candidate(files, job, None)
                return
        queries = list(job.details.get("queries") or [])
        if not queries:
            await self._give_up(job)
            return
        text = queries.pop(0)
        search_id = await files.start_search(text, self.rt.timings.search_timeout)
        job.details = {**job.details, "queries": queries, "search_id": search_id, "text": text}
        job.provider = "slskd"
        await jobs.move(
            self.rt.bus,
            job,
            "searching",
            reason=f"Searching Soulseek for \u201c{text}\u201d",
            check_in=self.rt.timings.search_poll,
        )

    async def _poll_search(self, files: FileSource, job: DownloadJob) -> None:
        search_id = str(job.details.get("search_id") or "")
        status = await files.search_status(search_id)
        if not status.done:
            await jobs.later(job, self.rt.timings.search_poll)
            return
        if status.state.endswith("Missing"):
            # slskd restarted and forgot it: search again with the same words.
            job.details = {
                **job.details,
                "queries": [job.details.get("text"), *job.details.get("queries", [])],
            }
            await self._search(files, job, first=False)
            return
        found = await files.search_results(search_id)
        await files.delete_search(search_id)
        prefs = self.rt.settings.preferences
        want = jobs.want_of(job)
        best = rank(want, found, prefs)
        if not best:
            note = describe_rejections(want, found, prefs)
            tried = [
                *job.details.get("tried", []),
                {
                    "search": job.details.get("text"),
                    "outcome": f"{len(found)} files" + (f" ({note})" if note else ""),
                },
            ]
            job.details = {**job.details, "tried": tried}
            await self._search(files, job, first=False)
            return
        job.details = {**job.details, "candidates": [asdict(f) for f in best], "candidate": -1}
        await self._next_candidate(files, job, None)

    # -- transfers ---------------------------------------------------------------------------

    async def _next_candidate(self, files: FileSource, job: DownloadJob, why: str | None) -> None:
        details = dict(job.details)
        current = details.get("transfer")
        tried = list(details.get("tried", []))
        if current:
            tried.append(
                {"username": current["username"], "filename": current["filename"], "outcome": why}
            )
            try:
                await files.cancel(current["username"], current["id"], remove=True)
            except ProviderUnavailable:
                _LOGGER.info("slskd: could not cancel transfer %s", current["id"])
        details.update(transfer=None, tried=tried, bytes=0)
        candidates = details.get("candidates", [])
        index = int(details.get("candidate", -1))
        while index + 1 < len(candidates):
            index += 1
            peer = _peer(candidates[index])
            transfer = await files.enqueue(peer)
            if transfer is None:
                tried.append(
                    {
                        "username": peer.username,
                        "filename": peer.filename,
                        "outcome": "offline or refused",
                    }
                )
                continue
            details.update(
                candidate=index,
                transfer={
                    "id": transfer.id,
                    "username": peer.username,
                    "filename": peer.filename,
                    "size": peer.size,
                },
            )
            job.details = details
            job.progress_at = jobs.now()
            await jobs.move(
                self.rt.bus,
                job,
                "queued",
                reason=f"Queued with {peer.username}",
                check_in=self.rt.timings.transfer_poll,
            )
            return
        job.details = details
        await self._search(files, job, first=False)

    async def _poll_transfer(
        self, files: FileSource, job: DownloadJob, transfers: dict[str, Transfer]
    ) -> None:
        current = job.details.get("transfer") or {}
        transfer = transfers.get(str(current.get("id")))
        if transfer is None:
            await self._next_candidate(files, job, "slskd no longer lists the transfer")
            return
        if transfer.phase == "failed":
            await self._next_candidate(files, job, transfer.error or transfer.state)
            return
        if transfer.phase == "succeeded":
            await self._arrived(files, job, transfer)
            return
        now = jobs.now()
        moved = transfer.bytes_transferred > int(job.details.get("bytes", 0))
        if moved:
            job.progress_at = now
            job.details = {**job.details, "bytes": transfer.bytes_transferred}
        since = job.progress_at or job.state_since
        if now - since > self.rt.stall_after:
            await self._next_candidate(
                files, job, f"stalled ({transfer.state}) for {self.rt.stall_after}"
            )
            return
        if transfer.phase == "queued":
            place_note = f", place {transfer.place_in_queue}" if transfer.place_in_queue else ""
            reason = f"Queued with {transfer.username}{place_note}"
            if job.state == "queued" and job.reason == reason and not moved:
                # Nothing changed: no write; the job stays due and is looked at next tick.
                return
            await jobs.move(
                self.rt.bus,
                job,
                "queued",
                reason=reason,
                check_in=self.rt.timings.transfer_poll,
                announce_it=job.state != "queued" or job.reason is None,
            )
            return
        percent = round(transfer.percent, 1)
        await jobs.move(
            self.rt.bus,
            job,
            "downloading",
            reason=f"From {transfer.username}",
            percent=percent,
            check_in=self.rt.timings.transfer_poll,
            announce_it=job.state != "downloading" or percent != job.percent,
        )

    async def _arrived(self, files: FileSource, job: DownloadJob, transfer: Transfer) -> None:
        folder = Path(str(self.rt.settings.slskd_folder))
        source = await asyncio.to_thread(_downloaded_path, folder, transfer.filename)
        if source is None:
            await self._next_candidate(
                files,
                job,
                f"finished, but the file is not in {folder} (check slskd's folder on the Downloads page)",
            )
            return
        fetch = job.details.get("target")
        library = Path(str(fetch or self.rt.settings.companion_folder))
        try:
            target, _tags = await asyncio.to_thread(place, source, library, jobs.want_of(job))
        except PlaceError as err:
            if err.next_candidate:
                await self._next_candidate(files, job, err.message)
            else:
                await jobs.move(self.rt.bus, job, "failed", reason=err.message)
            return
        current = job.details.get("transfer") or {}
        # Tidying slskd's list only: a failure here changes nothing.
        with contextlib.suppress(ProviderUnavailable):
            await files.cancel(str(current.get("username")), str(current.get("id")), remove=True)
        if fetch:
            # A fetch for a flow: the file is where its owner wanted it, no scan, no arrival.
            job.details = {
                **job.details,
                "placed": str(target),
                "placed_at": jobs.now().isoformat(),
            }
            await jobs.move(self.rt.bus, job, "placed", reason=None, percent=100.0)
            return
        seen_as = self.rt.settings.jellyfin_path(target)
        job.library_paths = [seen_as] if seen_as else []
        job.details = {
            **job.details,
            "placed": str(target),
            "placed_at": jobs.now().isoformat(),
            "scan_pending": True,
        }
        await jobs.move(
            self.rt.bus,
            job,
            "importing",
            reason="In the library folder; waiting for Jellyfin",
            percent=100.0,
            check_in=0.0,
        )
        # Tell Jellyfin now rather than at the next tick: this is on the arrival's clock.
        await scan_placed(self.rt, job)

    async def scan(self, job: DownloadJob) -> None:
        """Ask Jellyfin to look at the placed files' folders (again, after a long wait)."""
        await scan_placed(self.rt, job)

    async def _give_up(self, job: DownloadJob) -> None:
        tried = job.details.get("tried", [])
        outcomes = "; ".join(
            f"{t.get('username') or t.get('search')}: {t.get('outcome')}" for t in tried[-4:]
        )
        label = jobs.want_of(job).label
        await jobs.move(
            self.rt.bus,
            job,
            "failed",
            reason=f"No Soulseek peer delivered {label}" + (f" ({outcomes})" if outcomes else ""),
        )


async def scan_placed(rt: Runtime, job: DownloadJob) -> None:
    """Scan the folders of the job's placed files in Jellyfin; retried while Jellyfin is down."""
    pending = bool(job.details.get("scan_pending"))
    placed_at = job.details.get("scanned_at") or job.details.get("placed_at")
    stale = (
        placed_at is not None
        and jobs.now() - datetime.fromisoformat(placed_at) > rt.timings.rescan_after
    )
    if not (pending or stale) or not job.library_paths:
        await jobs.later(job, rt.timings.rescan_after.total_seconds())
        return
    folders = rt.providers.library_folders
    if folders is None:
        await rt.wait_for_service(job, "Jellyfin is not set up.")
        return
    paths = sorted({str(PurePosixPath(p).parent) for p in job.library_paths})
    try:
        await folders.scan_paths(paths)
    except (ProviderUnavailable, CredentialsRejected) as err:
        await rt.wait_for_service(job, str(err))
        return
    job.details = {**job.details, "scan_pending": False, "scanned_at": jobs.now().isoformat()}
    await jobs.later(job, rt.timings.rescan_after.total_seconds())
