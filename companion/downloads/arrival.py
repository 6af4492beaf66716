"""Arrival: a downloaded file shows up in Jellyfin, the wanted item is in the library.

Whenever the library changes (socket LibraryChanged, webhook ItemAdded, or an index sync) the
jobs that placed files and wait for Jellyfin are matched: by path first (Jellyfin's name of the
placed file), then by recording MBID, then by the import matcher among the new tracks. Then
every user who wanted it hears `download.finished`, and import rows that waited for it are
filled into their playlists (pushed to Jellyfin as every playlist edit is).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.expressions import Q

from companion.downloads import jobs
from companion.downloads.models import DownloadJob, WantedItem
from companion.downloads.runtime import Runtime
from companion.events import Event, Unsubscribe
from companion.imports.filling import Filler
from companion.imports.matching import TrackQuery, match_tracks
from companion.imports.models import ImportRow
from companion.imports.rows import query_of
from companion.library.models import LibraryTrack
from companion.library.track_keys import path_key
from companion.library.transient import outside, transient_folders

_LOGGER = logging.getLogger(__name__)

LIBRARY_EVENTS = ("library.changed", "library.index_synced", "library.index_progress")
# Tracks Jellyfin dates a little before the placing (clock skew between the hosts).
SKEW = timedelta(minutes=10)


class Arrival:
    """Matches waiting jobs to new library tracks and announces what arrived."""

    def __init__(self, rt: Runtime, filler: Filler | None) -> None:
        self.rt = rt
        self._filler = filler

    def subscribe(self) -> Unsubscribe:
        """Follow library changes and finished index syncs."""
        return self.rt.bus.subscribe(self.on_event, LIBRARY_EVENTS, name="download-arrival")

    async def on_event(self, event: Event) -> None:
        """Bus handler: match waiting jobs against what the change brought."""
        data = event.data
        if event.type == "library.changed":
            ids = [*data.get("added", ()), *data.get("updated", ())]
            if ids:
                await self.check(ids)
        elif event.type == "library.index_synced" or (
            event.type == "library.index_progress"
            and data.get("total") is not None
            and data.get("done", 0) >= data.get("total", 0)
        ):
            await self.check(None)

    async def check(self, item_ids: Iterable[str] | None) -> int:
        """Match every job waiting for Jellyfin; return how many arrived."""
        waiting = [j for j in await DownloadJob.filter(state="importing") if j.library_paths]
        if not waiting:
            return 0
        new = list(item_ids) if item_ids is not None else None
        arrived = 0
        for candidate in waiting:
            found = await self.match(candidate, new)
            if not found:
                continue
            async with self.rt.locked(candidate.id) as job:
                if job is None or job.state != "importing":
                    continue
                await self.arrived(job, found)
                arrived += 1
        return arrived

    async def match(self, job: DownloadJob, new: list[str] | None) -> list[str]:
        """The items of the job's files, or [] while (some of) them are still missing."""
        hashes = [h for h in (path_key(p) for p in job.library_paths) if h]
        rows = await LibraryTrack.filter(path_hash__in=hashes).values_list("item_id", "path_hash")
        by_path = {str(h): str(i) for i, h in rows}
        if len(by_path) >= len(set(hashes)):
            return [by_path[h] for h in dict.fromkeys(hashes)]
        if by_path and job.kind == "album":
            # Jellyfin adds an album's tracks in batches: wait for the rest.
            job.percent = 100.0
            return []
        if job.kind != "track":
            return []
        placed = job.details.get("placed_at")
        since = datetime.fromisoformat(placed) - SKEW if placed else None
        fresh = (
            Q(item_id__in=new) if new is not None else Q(date_created__gte=since) if since else Q()
        )
        if job.mbid:
            mbid_rows = await LibraryTrack.filter(
                fresh,
                Q(mbid_recording=job.mbid) | Q(mbid_track=job.mbid),
                outside(await transient_folders()),
            ).values_list("item_id", flat=True)
            if mbid_rows:
                return [str(mbid_rows[0])]
        query = TrackQuery(
            title=job.title,
            artists=tuple(job.artists),
            album=job.album,
            duration_s=job.duration_s,
            mbid=job.mbid,
        )
        (result,) = await match_tracks([query])
        if (
            result.state == "matched"
            and result.item_id
            and await LibraryTrack.filter(fresh, item_id=result.item_id).exists()
        ):
            return [result.item_id]
        return []

    async def arrived(self, job: DownloadJob, item_ids: list[str]) -> None:
        """Mark the job in the library, announce it, fill the import rows that waited."""
        job.item_ids = item_ids
        await jobs.move(
            self.rt.bus, job, "in_library", reason=None, percent=100.0, announce_it=False
        )
        await jobs.announce(self.rt.bus, job, jobs.FINISHED_EVENT)
        await WantedItem.filter(job_id=job.id, cancelled=False).update(notified=True)
        _LOGGER.info("Download %s arrived in the library as %s", job, ", ".join(item_ids))
        await self._fill_rows(job, item_ids)

    async def _fill_rows(self, job: DownloadJob, item_ids: list[str]) -> None:
        if self._filler is None:
            return
        row_ids = await WantedItem.filter(
            job_id=job.id, cancelled=False, import_row_id__not_isnull=True
        ).values_list("import_row_id", flat=True)
        if not row_ids:
            return
        rows = await ImportRow.filter(id__in=[r for r in row_ids if isinstance(r, int)])
        found: dict[int, str] = {}
        for row in rows:
            if len(item_ids) == 1:
                found[row.id] = item_ids[0]
                continue
            # An album arrived for a track's row: the matcher picks the row's track from it.
            (result,) = await match_tracks([query_of(row)])
            if result.item_id in item_ids:
                found[row.id] = str(result.item_id)
        if found:
            await self._filler.place(found)
