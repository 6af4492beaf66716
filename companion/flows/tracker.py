"""Moving every week along: downloads started and followed, files placed and linked, links
seen in the library index, failed downloads replaced from the reserve, playlists filled in,
and kept tracks added to "<flow> kept" once Jellyfin has them in their new place.

`tick()` does one pass and is what tests drive; `run()` repeats it on a timer and whenever
the library changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.events import Event, EventBus
from companion.flows.candidates import Candidate
from companion.flows.fetch import Fetcher, FetchStatus
from companion.flows.files import StepError
from companion.flows.layout import FlowFolders
from companion.flows.models import Flow, FlowFile, FlowLink, FlowRun, FlowTrack
from companion.flows.placement import adopt_download, link_file, reusable_file
from companion.flows.playlist import add_kept, sync_week
from companion.library.models import Favorite, LibraryTrack
from companion.library.music import MusicServices
from companion.library.track_keys import path_key
from companion.playlists.service import PlaylistService
from companion.providers import CredentialsRejected, ProviderUnavailable

_LOGGER = logging.getLogger(__name__)

# Flow downloads started at once, across flows (the downloads worker queues the rest).
MAX_FETCHES = 8
RESCAN_AFTER = timedelta(minutes=10)
Scanner = Callable[[list[str]], Awaitable[bool]]


def candidate_of(track: FlowTrack) -> Candidate:
    """The candidate a track row was made from."""
    return Candidate(
        source=track.source,
        title=track.title,
        artists=tuple(track.artists),
        album=track.album,
        duration_s=track.duration_s,
        mbid=track.mbid,
    )


class FlowTracker:
    """One pass over every active week (and kept tracks waiting for their new item)."""

    def __init__(
        self,
        *,
        folders: Callable[[], Awaitable[FlowFolders | None]],
        fetcher: Fetcher,
        scanner: Scanner,
        playlists: PlaylistService,
        music: MusicServices,
        bus: EventBus,
        lock: asyncio.Lock,
    ) -> None:
        self._folders = folders
        self._fetcher = fetcher
        self._scanner = scanner
        self._playlists = playlists
        self._music = music
        self._bus = bus
        # The journal runner's lock: files are never placed while a reset removes files.
        self._lock = lock
        self._wake = asyncio.Event()
        self.interval = 15.0
        # The owner of the week being advanced (progress events go to them only).
        self._user: User | None = None

    def wake(self) -> None:
        """Run a pass soon (a library change, a new week)."""
        self._wake.set()

    async def run(self, interval: float) -> None:
        """Repeat passes until cancelled (every `self.interval` seconds, or when woken)."""
        self.interval = interval
        while True:
            try:
                await self.tick()
            except Exception:
                _LOGGER.exception("Flows pass failed; the next one tries again")
            self._wake.clear()
            try:
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def tick(self) -> None:
        """One pass."""
        folders = await self._folders()
        if folders is None:
            return
        runs = await FlowRun.filter(state="active").prefetch_related("flow__user")
        for run in runs:
            self._user = run.flow.user
            await self._advance(folders, run)
        await self._kept(folders)

    async def _advance(self, folders: FlowFolders, run: FlowRun) -> None:
        flow: Flow = run.flow
        tracks = await FlowTrack.filter(run_id=run.id, role="pick").order_by("position")
        fetching = await FlowTrack.filter(state="fetching").count()
        for track in tracks:
            if track.state == "waiting":
                if await self._reuse(folders, flow, track):
                    continue
                if fetching < MAX_FETCHES:
                    fetching += 1
                    await self._start(folders, flow, track)
            elif track.state == "fetching":
                await self._poll(folders, flow, run, track)
            elif track.state == "replaced":
                await self._replace(run, track)
        await self._indexed(folders, run)
        await self._sync_playlist(flow, run)

    async def _reuse(self, folders: FlowFolders, flow: Flow, track: FlowTrack) -> bool:
        async with self._lock:
            file = await reusable_file(track.key)
            if file is None:
                return False
            await self._linked(folders, flow, track, file)
        return True

    async def _start(self, folders: FlowFolders, flow: Flow, track: FlowTrack) -> None:
        folder = str(PurePosixPath(folders.flows_path) / flow.folder)
        owner: int = flow.user_id  # type: ignore[attr-defined]
        try:
            status = await self._fetcher.start(candidate_of(track), owner, folder)
        except (ProviderUnavailable, CredentialsRejected) as err:
            # The source is down: the track waits for the next pass.
            track.reason = str(err)
            await track.save(update_fields=["reason"])
            return
        await self._apply(track, status)

    async def _poll(self, folders: FlowFolders, flow: Flow, run: FlowRun, track: FlowTrack) -> None:
        try:
            status = await self._fetcher.poll(dict(track.fetch), candidate_of(track))
        except (ProviderUnavailable, CredentialsRejected) as err:
            track.reason = str(err)
            await track.save(update_fields=["reason"])
            return
        if status.phase == "done" and status.path:
            try:
                async with self._lock:
                    file = await adopt_download(folders, flow, track, status.path)
                    await self._linked(folders, flow, track, file)
                return
            except (OSError, StepError) as err:
                # slskd's folder is not where the companion looks, or the disk is full.
                _LOGGER.warning("Flow %s: a download could not be placed: %s", flow.id, err)
                status = FetchStatus(
                    "failed",
                    status.handle,
                    reason=f"The downloaded file could not be placed ({err}). Check slskd's "
                    "download folder in the Downloads settings.",
                )
        await self._apply(track, status)
        if status.phase == "failed":
            await self._replace(run, track)

    async def _apply(self, track: FlowTrack, status: FetchStatus) -> None:
        track.fetch = status.handle
        track.percent = status.percent
        track.reason = status.reason
        track.state = "failed" if status.phase == "failed" else "fetching"
        await track.save(update_fields=["fetch", "percent", "reason", "state", "updated_at"])
        self._progress(track, status.phase)

    async def _linked(
        self, folders: FlowFolders, flow: Flow, track: FlowTrack, file: FlowFile
    ) -> None:
        link = await link_file(folders, flow, file)
        track.file_id, track.link_id = file.id, link.id
        track.state, track.percent, track.reason = "placed", 100.0, None
        if link.item_id:
            track.state, track.item_id = "indexed", link.item_id
        await track.save()
        if link.item_id is None:
            await self._scanner([folders.jellyfin_path(str(link.path).rsplit("/", 1)[0])])
        self._progress(track, track.state)

    async def _replace(self, run: FlowRun, failed: FlowTrack) -> None:
        """A failed pick gives its place to the first reserve track."""
        reserve = (
            await FlowTrack.filter(run_id=run.id, role="reserve", state="waiting")
            .order_by("position")
            .first()
        )
        if reserve is None:
            return
        failed.role = "reserve"
        reserve.role, reserve.position = "pick", failed.position
        failed.position = 100_000 + failed.position
        await failed.save(update_fields=["role", "position"])
        await reserve.save(update_fields=["role", "position"])

    async def _indexed(self, folders: FlowFolders, run: FlowRun) -> None:
        placed = await FlowTrack.filter(run_id=run.id, state="placed").prefetch_related("link")
        if not placed:
            return
        by_hash: dict[str, tuple[FlowTrack, FlowLink]] = {}
        for track in placed:
            link: FlowLink | None = track.link
            if link is not None:
                by_hash[path_key(link.jellyfin_path) or ""] = (track, link)
        rows = await LibraryTrack.filter(path_hash__in=list(by_hash)).values_list(
            "path_hash", "item_id"
        )
        found = {str(h): str(i) for h, i in rows}
        now = datetime.now(UTC)
        for digest, (track, link) in by_hash.items():
            item_id = found.get(digest)
            if item_id is None:
                if track.updated_at and now - track.updated_at > RESCAN_AFTER:
                    # Jellyfin missed the scan request (down, or busy): ask once more.
                    await self._scanner([folders.jellyfin_path(link.path.rsplit("/", 1)[0])])
                    await track.save(update_fields=["updated_at"])
                continue
            track.state, track.item_id = "indexed", item_id
            await track.save(update_fields=["state", "item_id", "updated_at"])
            await FlowLink.filter(id=link.id).update(item_id=item_id)
            self._progress(track, "indexed")

    async def _sync_playlist(self, flow: Flow, run: FlowRun) -> None:
        user = self._user
        if user is None:
            return
        if await sync_week(self._playlists, user, flow, run):
            run.ready_at = datetime.now(UTC)
            await run.save(update_fields=["ready_at"])
            count = await FlowTrack.filter(run_id=run.id, role="pick", state="indexed").count()
            self._bus.publish(
                Event(
                    "flow.ready",
                    {
                        "flow_id": flow.id,
                        "flow": flow.name,
                        "week": run.week,
                        "tracks": count,
                        "playlist_id": flow.playlist_id,
                    },
                    user_id=user.jellyfin_id,
                )
            )

    async def _kept(self, folders: FlowFolders) -> None:
        """Promoted files Jellyfin now indexes in the library: into "<flow> kept"."""
        waiting = (
            await FlowTrack.filter(state__in=("promoted", "kept"))
            .filter(kept_item_id__isnull=True)
            .prefetch_related("run__flow", "file")
        )
        for track in waiting:
            flow: Flow = track.run.flow
            item_id = await self._kept_item(folders, track)
            if item_id is None:
                continue
            user = await User.get_or_none(id=flow.user_id)  # type: ignore[attr-defined]
            if user is None:
                continue
            try:
                await add_kept(self._playlists, user, flow, item_id)
                await self._refavorite(user, track, item_id)
            except Exception as err:
                _LOGGER.warning("Flow %s: kept track not added yet: %s", flow.id, err)
                continue
            track.kept_item_id, track.state = item_id, "kept"
            await track.save(update_fields=["kept_item_id", "state", "updated_at"])

    async def _kept_item(self, folders: FlowFolders, track: FlowTrack) -> str | None:
        if track.kind == "library":
            return track.item_id
        file: FlowFile | None = track.file
        if file is None or not file.library_path:
            return None
        digest = path_key(folders.jellyfin_path(file.library_path))
        row = await LibraryTrack.get_or_none(path_hash=digest)
        return row.item_id if row is not None else None

    async def _refavorite(self, user: User, track: FlowTrack, item_id: str) -> None:
        """A favorite on the flow's copy carries over to the kept file's new item."""
        if track.kind == "library" or not track.item_id or not user.jellyfin_id:
            return
        was = await Favorite.exists(user_id=user.jellyfin_id, item_id=track.item_id)
        if was:
            cred = await self._music.credential(principal_for(user))
            await self._music.favorites.set(cred, item_id, True)

    def _progress(self, track: FlowTrack, phase: str) -> None:
        data: dict[str, Any] = {
            "track_id": track.id,
            "run_id": track.run_id,  # type: ignore[attr-defined]
            "state": track.state,
            "phase": phase,
            "percent": track.percent,
            "title": track.title,
        }
        user_id = self._user.jellyfin_id if self._user is not None else None
        self._bus.publish(Event("flow.progress", data, user_id=user_id))
