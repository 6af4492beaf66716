"""An album through Lidarr: add the artist if missing, monitor the album, search, follow the
queue (webhook first, polling as the fallback), map the imported paths, ask for a scan.

Lidarr's webhook says what happened: `Grab` (with the `downloadId` later failures carry),
`Download` (imported: the album's `mbId` and the absolute paths of its files), and
`DownloadFailure` / `ImportFailure` (only the `downloadId`). Polling the queue and the album's
track files catches what a lost webhook would have said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from companion.downloads import jobs
from companion.downloads.models import DownloadJob
from companion.downloads.runtime import Runtime
from companion.downloads.soulseek import scan_placed
from companion.library.track_keys import album_key, artist_key
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.downloads import (
    AlbumDownloader,
    AlbumInfo,
    AlbumTarget,
    DownloadRefused,
    QueueEntry,
)

NOT_SET_UP = "Lidarr is not set up: add the Lidarr integration (administrators)."
NO_TARGET = (
    "Lidarr's root folder and profiles are not chosen: an administrator picks them on the "
    "Downloads page."
)
NO_RELEASE_POLLS = 3
LIDARR_STATES = ("searching", "queued", "downloading", "importing")


@dataclass(frozen=True)
class LidarrNotice:
    """What a Lidarr webhook says, reduced to what downloads act on."""

    event_type: str
    download_id: str | None = None
    album_ids: tuple[int, ...] = ()
    album_mbids: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    release_title: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _target(rt: Runtime) -> AlbumTarget | None:
    s = rt.settings
    if not (s.lidarr_folder and s.quality_profile and s.metadata_profile):
        return None
    return AlbumTarget(s.lidarr_folder, s.quality_profile, s.metadata_profile)


def _best(job: DownloadJob, found: list[AlbumInfo]) -> AlbumInfo | None:
    """The looked-up album that is the wanted one (same title and artist)."""
    title = album_key(job.album if job.kind == "track" else job.title)
    artist = artist_key(job.artists[0]) if job.artists else ""
    for info in found:
        if album_key(info.title) == title and (
            not artist or artist_key(info.artist_name) == artist
        ):
            return info
    return None


class LidarrSteps:
    """One step of a Lidarr job at a time; webhooks move jobs in between."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def step(self, job: DownloadJob, queue: dict[int, QueueEntry] | None) -> None:
        """Advance the job as far as it can go now."""
        albums = self.rt.providers.albums
        if albums is None:
            await jobs.move(
                self.rt.bus, job, "waiting", reason=NOT_SET_UP, check_in=self.rt.timings.retry_max
            )
            return
        target = _target(self.rt)
        if target is None or not self.rt.settings.ready:
            await jobs.move(
                self.rt.bus, job, "waiting", reason=NO_TARGET, check_in=self.rt.timings.retry_max
            )
            return
        try:
            await self._advance(albums, target, job, queue)
        except (ProviderUnavailable, CredentialsRejected) as err:
            await self.rt.wait_for_service(job, str(err))
            return
        except DownloadRefused as err:
            await jobs.move(self.rt.bus, job, "failed", reason=str(err))
            return
        await self.rt.recovered(job)

    async def _advance(
        self,
        albums: AlbumDownloader,
        target: AlbumTarget,
        job: DownloadJob,
        queue: dict[int, QueueEntry] | None,
    ) -> None:
        if job.state == "importing" and job.library_paths:
            await scan_placed(self.rt, job)
            return
        if job.state == "waiting":
            await self._start(albums, target, job)
            return
        album_id = job.details.get("album_id")
        if job.state == "searching" and album_id is None:
            await self._await_listing(albums, job)
            return
        if queue is None:
            queue = {e.album_id: e for e in await albums.queue()}
        entry = queue.get(int(album_id)) if album_id is not None else None
        if entry is not None:
            await self._from_queue(job, entry)
        elif job.state == "searching":
            await self._search_done(albums, job)
        else:
            await self._left_queue(albums, job)

    async def _start(self, albums: AlbumDownloader, target: AlbumTarget, job: DownloadJob) -> None:
        info = await self._resolve(albums, job)
        if info is None:
            what = job.album if job.kind == "track" else job.title
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason=f"Lidarr's metadata has no album \u201c{what}\u201d by {', '.join(job.artists) or 'that artist'}.",
            )
            return
        job.provider = "lidarr"
        if job.kind == "album" and job.album_mbid is None:
            job.album_mbid = info.album_mbid
        job.details = {"album": asdict(info), "polls": 0}
        album_id = await albums.album_id(info.album_mbid)
        if album_id is None:
            await albums.add_artist(info, target)
            job.details = {**job.details, "added_at": jobs.now().isoformat()}
            await jobs.move(
                self.rt.bus,
                job,
                "searching",
                reason=f"Lidarr is adding {info.artist_name}",
                check_in=min(2.0, self.rt.timings.lidarr_poll),
            )
            return
        await self._search(albums, job, album_id)

    async def _resolve(self, albums: AlbumDownloader, job: DownloadJob) -> AlbumInfo | None:
        if job.kind == "album" and job.album_mbid:
            found = await albums.lookup_albums(f"lidarr:{job.album_mbid}", limit=5)
            exact = [i for i in found if i.album_mbid == job.album_mbid]
            if exact:
                return exact[0]
        album = job.album if job.kind == "track" else job.title
        if not album:
            return None
        artist = job.artists[0] if job.artists else ""
        return _best(job, await albums.lookup_albums(f"{artist} {album}".strip(), limit=20))

    async def _await_listing(self, albums: AlbumDownloader, job: DownloadJob) -> None:
        mbid = str(job.details.get("album", {}).get("album_mbid", ""))
        album_id = await albums.album_id(mbid)
        if album_id is not None:
            await self._search(albums, job, album_id)
            return
        added = datetime.fromisoformat(str(job.details.get("added_at") or jobs.now().isoformat()))
        if jobs.now() - added > self.rt.timings.album_listed_within:
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason="Lidarr added the artist but never listed the album (its metadata server "
                "may be down or missing the album). Retry later.",
            )
            return
        await jobs.later(job, min(2.0, self.rt.timings.lidarr_poll))

    async def _search(self, albums: AlbumDownloader, job: DownloadJob, album_id: int) -> None:
        command_id = await albums.search(album_id)
        job.details = {**job.details, "album_id": album_id, "command_id": command_id, "polls": 0}
        title = job.details.get("album", {}).get("title") or job.title
        await jobs.move(
            self.rt.bus,
            job,
            "searching",
            reason=f"Lidarr is searching for \u201c{title}\u201d",
            check_in=min(2.0, self.rt.timings.lidarr_poll),
        )

    async def _search_done(self, albums: AlbumDownloader, job: DownloadJob) -> None:
        status, message = await albums.command_status(int(job.details.get("command_id") or 0))
        if status in ("queued", "started"):
            await jobs.later(job, min(2.0, self.rt.timings.lidarr_poll))
            return
        if status != "completed":
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason=f"Lidarr's search {status}: {message or ''}".strip(),
            )
            return
        if await self._imported(albums, job):
            return
        polls = int(job.details.get("polls", 0)) + 1
        job.details = {**job.details, "polls": polls}
        if polls >= NO_RELEASE_POLLS:
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason=f"Lidarr found no release to download ({message or 'no reports'}).",
            )
            return
        await jobs.later(job, self.rt.timings.lidarr_poll)

    async def _from_queue(self, job: DownloadJob, entry: QueueEntry) -> None:
        if entry.download_id:
            job.details = {**job.details, "download_id": entry.download_id}
        poll = self.rt.timings.lidarr_poll
        if entry.state == "failed":
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason=f"Lidarr: {entry.message or 'the download failed'}",
            )
        elif entry.state == "queued":
            await jobs.move(
                self.rt.bus,
                job,
                "queued",
                reason="Queued in Lidarr's download client",
                check_in=poll,
                announce_it=job.state != "queued",
            )
        elif entry.state == "downloading":
            await jobs.move(
                self.rt.bus,
                job,
                "downloading",
                reason=entry.title,
                percent=entry.percent,
                check_in=poll,
                announce_it=job.state != "downloading" or entry.percent != job.percent,
            )
        else:
            await jobs.move(
                self.rt.bus,
                job,
                "importing",
                reason="Lidarr is importing",
                percent=100.0,
                check_in=poll,
                announce_it=job.state != "importing",
            )

    async def _left_queue(self, albums: AlbumDownloader, job: DownloadJob) -> None:
        if await self._imported(albums, job):
            return
        await jobs.move(
            self.rt.bus,
            job,
            "failed",
            reason="Lidarr removed the download without importing it (see Lidarr → Activity).",
        )

    async def _imported(self, albums: AlbumDownloader, job: DownloadJob) -> bool:
        album_id = job.details.get("album_id")
        if album_id is None:
            return False
        files = await albums.album_files(int(album_id))
        if not files:
            return False
        await self.place(job, files)
        return True

    async def place(self, job: DownloadJob, lidarr_paths: list[str] | tuple[str, ...]) -> None:
        """Lidarr imported these files: map them to Jellyfin's names and ask for a scan."""
        settings = self.rt.settings
        job.library_paths = sorted({settings.jellyfin_from_lidarr(p) for p in lidarr_paths})
        job.details = {**job.details, "placed_at": jobs.now().isoformat(), "scan_pending": True}
        await jobs.move(
            self.rt.bus,
            job,
            "importing",
            reason="Imported by Lidarr; waiting for Jellyfin",
            percent=100.0,
            check_in=0.0,
        )
        await scan_placed(self.rt, job)

    # -- webhooks ----------------------------------------------------------------------------

    async def apply(self, notice: LidarrNotice) -> int:
        """Apply a webhook to the jobs it concerns; the number of jobs changed."""
        changed = 0
        for found in await self._concerned(notice):
            async with self.rt.locked(found.id) as job:
                if job is not None and await self._apply_one(job, notice):
                    changed += 1
        return changed

    async def _concerned(self, notice: LidarrNotice) -> list[DownloadJob]:
        found: dict[int, DownloadJob] = {}
        candidates = await DownloadJob.filter(
            provider="lidarr", state__in=(*LIDARR_STATES, "failed", "waiting")
        )
        for job in candidates:
            details = job.details
            album = details.get("album") or {}
            if (
                (notice.download_id and details.get("download_id") == notice.download_id)
                or details.get("album_id") in notice.album_ids
                or album.get("album_mbid") in notice.album_mbids
            ):
                found[job.id] = job
        return list(found.values())

    async def _apply_one(self, job: DownloadJob, notice: LidarrNotice) -> bool:
        kind = notice.event_type
        if kind == "Grab":
            job.details = {**job.details, "download_id": notice.download_id}
            if notice.album_ids and job.details.get("album_id") is None:
                job.details = {**job.details, "album_id": notice.album_ids[0]}
            await jobs.move(
                self.rt.bus,
                job,
                "queued",
                reason="Grabbed by Lidarr",
                check_in=self.rt.timings.lidarr_poll,
            )
            return True
        if kind == "Download":
            if job.state == "importing" and job.library_paths:
                return False
            await self.place(job, notice.paths)
            return True
        if kind == "DownloadFailure" and job.state in (*LIDARR_STATES, "failed"):
            title = notice.release_title or "the release"
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason=f"Lidarr: the download of {title} failed (Lidarr may grab another release).",
            )
            return True
        if kind == "ImportFailure" and job.state in (*LIDARR_STATES, "failed"):
            await jobs.move(
                self.rt.bus,
                job,
                "failed",
                reason="Lidarr could not import the download (see Lidarr → Activity → Queue).",
            )
            return True
        return False
