"""slskd as the core's file source: searches, one-file downloads and their transfers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from companion.providers import ProviderUnavailable
from companion.providers.downloads import (
    DownloadRefused,
    FolderListing,
    PeerFile,
    SearchStatus,
    Transfer,
    TransferPhase,
)
from integrations.slskd.client import SlskdClient
from integrations.slskd.exceptions import (
    SlskdAuthenticationError,
    SlskdBusyError,
    SlskdConnectionError,
    SlskdError,
    SlskdNotConnectedError,
    SlskdNotFoundError,
    SlskdResponseError,
)
from integrations.slskd.models import SlskdTransfer

_T = TypeVar("_T")

UNREACHABLE = "slskd is slow or unreachable. Check your slskd instance."
REJECTED = "slskd returned 401. Check the API key in the slskd integration."
NOT_CONNECTED = "slskd is not connected to the Soulseek network; waiting for it to reconnect."
BUSY_RETRIES = 5


async def _call(action: Callable[[], Awaitable[_T]]) -> _T:
    try:
        return await action()
    except SlskdAuthenticationError as err:
        raise DownloadRefused(REJECTED) from err
    except SlskdNotConnectedError as err:
        raise ProviderUnavailable(NOT_CONNECTED) from err
    except SlskdConnectionError as err:
        raise ProviderUnavailable(UNREACHABLE) from err
    except SlskdError as err:
        raise ProviderUnavailable(f"slskd answered an error: {err}") from err


def transfer(t: SlskdTransfer) -> Transfer:
    """A slskd transfer as the core sees it: its phase from the flags string."""
    names = t.flags
    phase: TransferPhase
    error = None
    if t.succeeded:
        phase = "succeeded"
    elif t.failure is not None:
        phase, error = "failed", t.failure + (f": {t.exception}" if t.exception else "")
    elif "InProgress" in names:
        phase = "downloading"
    else:
        # Requested, Queued (Locally or Remotely), Initializing: nothing arrives yet.
        phase = "queued"
    return Transfer(
        id=t.id,
        username=t.username,
        filename=t.filename,
        phase=phase,
        state=t.state,
        size=t.size,
        bytes_transferred=t.bytes_transferred,
        percent=t.percent,
        place_in_queue=t.place_in_queue,
        error=error,
    )


class SlskdFiles:
    """`companion.providers.downloads.FileSource` over a SlskdClient."""

    name = "slskd"

    def __init__(self, client: SlskdClient, downloads_dir: str) -> None:
        self.client = client
        self.downloads_dir = downloads_dir
        # slskd answers 429 to a second concurrent POST to searches or downloads.
        self._posting = asyncio.Lock()

    async def _post(self, action: Callable[[], Awaitable[_T]]) -> _T:
        async with self._posting:
            for attempt in range(BUSY_RETRIES):
                try:
                    return await _call(action)
                except ProviderUnavailable as err:
                    if not isinstance(err.__cause__, SlskdBusyError) or attempt == BUSY_RETRIES - 1:
                        raise
                await asyncio.sleep(0.2 * (attempt + 1))
        raise ProviderUnavailable(UNREACHABLE)  # pragma: no cover - the loop returns or raises

    async def start_search(self, text: str, timeout_s: float) -> str:
        """POST /searches with the timeout in milliseconds."""
        search = await self._post(
            lambda: self.client.search(text, timeout_ms=int(timeout_s * 1000))
        )
        return search.id

    async def search_status(self, search_id: str) -> SearchStatus:
        """GET /searches/{id}; a search slskd forgot counts as finished and empty."""
        try:
            search = await _call(lambda: self.client.get_search(search_id))
        except ProviderUnavailable as err:
            if isinstance(err.__cause__, SlskdNotFoundError):
                return SearchStatus(done=True, state="Completed, Missing")
            raise
        return SearchStatus(
            done=search.complete,
            state=search.state,
            response_count=search.response_count,
            file_count=search.file_count,
        )

    async def search_results(self, search_id: str) -> list[PeerFile]:
        """Every file of the finished search's responses."""
        try:
            files = await _call(lambda: self.client.search_files(search_id))
        except ProviderUnavailable as err:
            if isinstance(err.__cause__, SlskdNotFoundError):
                return []
            raise
        return [
            PeerFile(
                username=f.username,
                filename=f.filename,
                size=f.size,
                extension=f.extension,
                bitrate=f.bitrate,
                bit_depth=f.bit_depth,
                sample_rate=f.sample_rate,
                length_s=float(f.length) if f.length is not None else None,
                free_slot=f.free_slot,
                queue_length=f.queue_length,
                upload_speed=f.upload_speed,
                locked=f.locked,
            )
            for f in files
        ]

    async def delete_search(self, search_id: str) -> None:
        """DELETE /searches/{id}; an unknown one is already gone."""
        try:
            await _call(lambda: self.client.delete_search(search_id))
        except ProviderUnavailable as err:
            if not isinstance(err.__cause__, SlskdNotFoundError):
                raise

    async def enqueue(self, file: PeerFile) -> Transfer | None:
        """POST /transfers/downloads/{user}; None when the peer is offline or refused it."""
        try:
            enqueued = await self._post(
                lambda: self.client.enqueue(file.username, file.filename, file.size)
            )
        except ProviderUnavailable as err:
            cause = err.__cause__
            # An offline or blacklisted user is a 500 with a text body: try another peer.
            if isinstance(cause, SlskdResponseError) and cause.status in (400, 500):
                return None
            raise
        return transfer(enqueued[0]) if enqueued else None

    async def transfers(self) -> list[Transfer]:
        """Every download transfer."""
        return [transfer(t) for t in await _call(self.client.downloads)]

    async def cancel(self, username: str, transfer_id: str, *, remove: bool = True) -> None:
        """Cancel (and forget) a transfer; an unknown one is already gone."""
        try:
            await _call(lambda: self.client.cancel_download(username, transfer_id, remove=remove))
        except ProviderUnavailable as err:
            if not isinstance(err.__cause__, SlskdNotFoundError):
                raise

    async def listing(self) -> FolderListing:
        """The download folder's own path and the names at its top."""
        listing = await _call(self.client.downloads_listing)
        return FolderListing(path=listing.path or self.downloads_dir, names=listing.names)
