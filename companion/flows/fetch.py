"""Fetching one flow track as a file, through the peer-to-peer file source (slskd).

The handle of a fetch is plain JSON kept on the track, so a restart carries on polling where
it was: searching → queued/downloading → done (the file's local path) or failed (why).
Until the downloads capability offers a "fetch one track into this folder" hook, flows drive
the `FileSource` provider here, choosing files with the downloads capability's ranking.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal, Protocol

from companion.downloads.ranking import Preferences, rank, search_text
from companion.downloads.wanted import Want, clean_mbid
from companion.flows.candidates import Candidate
from companion.providers import Providers, ProviderUnavailable
from companion.providers.downloads import DownloadRefused, FileSource, PeerFile

SEARCH_SECONDS = 20.0
# A transfer that moves no byte for this long is given up (peers that never upload).
STALL_SECONDS = 30 * 60

Phase = Literal["searching", "queued", "downloading", "done", "failed"]


@dataclass(frozen=True, slots=True)
class FetchStatus:
    """Where a fetch is; `path` is the finished file as the companion sees it."""

    phase: Phase
    handle: dict[str, Any]
    percent: float | None = None
    path: str | None = None
    reason: str | None = None


class Fetcher(Protocol):
    """Starts and follows the download of one track."""

    async def start(self, candidate: Candidate) -> FetchStatus:
        """Begin fetching; the handle to poll with."""
        ...

    async def poll(self, handle: dict[str, Any], candidate: Candidate) -> FetchStatus:
        """Move a fetch along and report where it is."""
        ...

    async def cancel(self, handle: dict[str, Any]) -> None:
        """Give a fetch up (best effort)."""
        ...


def want_of(candidate: Candidate) -> Want:
    """The downloads capability's description of the track (its ranking rules apply)."""
    return Want(
        "track",
        candidate.title,
        candidate.artists,
        candidate.album,
        candidate.duration_s,
        clean_mbid(candidate.mbid),
    )


def landed_path(local_dir: str, remote: str) -> str:
    """Where slskd writes a finished file: <downloads>/<last remote folder>/<file name>."""
    parts = PureWindowsPath(remote.replace("/", "\\")).parts
    tail = parts[-2:] if len(parts) > 1 else parts[-1:]
    return str(PurePosixPath(local_dir, *tail))


class SlskdFetcher:
    """`Fetcher` over the `FileSource` provider (looked up per call: it may come and go)."""

    def __init__(self, providers: Providers, local_dir: str | None) -> None:
        self._providers = providers
        self.local_dir = local_dir
        # The install's download preferences (formats, least bitrate), from Downloads.
        self.preferences = Preferences()

    def _source(self) -> FileSource:
        source = self._providers.files
        if source is None:
            raise ProviderUnavailable("slskd is not set up (Integrations → slskd).")
        return source

    async def start(self, candidate: Candidate) -> FetchStatus:
        """Start a search for the track."""
        text = search_text(want_of(candidate))
        search_id = await self._source().start_search(text, SEARCH_SECONDS)
        return FetchStatus("searching", {"search_id": search_id, "tried": []})

    async def poll(self, handle: dict[str, Any], candidate: Candidate) -> FetchStatus:
        """Search done → queue the best file; transfer done → the landed file."""
        source = self._source()
        if "transfer_id" not in handle:
            return await self._after_search(source, handle, candidate)
        for transfer in await source.transfers():
            if transfer.id != handle["transfer_id"]:
                continue
            if transfer.phase == "succeeded":
                local = self.local_dir or source.downloads_dir
                return FetchStatus("done", handle, 100.0, landed_path(local, transfer.filename))
            if transfer.phase == "failed":
                return await self._next_file(source, handle, candidate, transfer.error)
            moved = transfer.bytes_transferred
            if moved != handle.get("bytes"):
                handle = {**handle, "bytes": moved, "moved_at": time.time()}
            elif time.time() - float(handle.get("moved_at", time.time())) > STALL_SECONDS:
                await self.cancel(handle)
                return await self._next_file(source, handle, candidate, "stalled")
            phase: Phase = "downloading" if transfer.phase == "downloading" else "queued"
            return FetchStatus(phase, handle, transfer.percent)
        return await self._next_file(source, handle, candidate, "the transfer disappeared")

    async def _after_search(
        self, source: FileSource, handle: dict[str, Any], candidate: Candidate
    ) -> FetchStatus:
        status = await source.search_status(handle["search_id"])
        if not status.done:
            return FetchStatus("searching", handle)
        files = await source.search_results(handle["search_id"])
        await source.delete_search(handle["search_id"])
        ranked = rank(want_of(candidate), files, self.preferences)
        options = [{"username": f.username, "filename": f.filename, "size": f.size} for f in ranked]
        return await self._next_file(source, {**handle, "options": options[:5]}, candidate, None)

    async def _next_file(
        self,
        source: FileSource,
        handle: dict[str, Any],
        candidate: Candidate,
        error: str | None,
    ) -> FetchStatus:
        tried = list(handle.get("tried", []))
        options = [o for o in handle.get("options", []) if o["filename"] not in tried]
        for option in options:
            tried.append(option["filename"])
            peer = PeerFile(option["username"], option["filename"], int(option["size"]))
            try:
                transfer = await source.enqueue(peer)
            except DownloadRefused as err:
                error = str(err)
                continue
            if transfer is None:
                continue
            fresh = {
                "search_id": handle.get("search_id"),
                "options": handle.get("options", []),
                "tried": tried,
                "transfer_id": transfer.id,
                "username": transfer.username,
                "bytes": 0,
                "moved_at": time.time(),
            }
            return FetchStatus("queued", fresh, 0.0)
        reason = "Nobody on Soulseek shares it right now."
        if error:
            reason = f"The download failed ({error}) and no other peer has it."
        return FetchStatus("failed", {**handle, "tried": tried}, reason=reason)

    async def cancel(self, handle: dict[str, Any]) -> None:
        """Cancel the transfer, if one was queued."""
        if "transfer_id" in handle and self._providers.files is not None:
            with contextlib.suppress(ProviderUnavailable):
                await self._providers.files.cancel(handle["username"], handle["transfer_id"])
