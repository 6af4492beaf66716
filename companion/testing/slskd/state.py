"""The fake slskd's world: peers and their shared files, searches and download transfers.

Follows slskd's source (reference services.md §2): searches fill `responses` only once they
complete; transfer states are .NET flags strings ("Queued, Remotely", "Completed, Succeeded");
a finished file lands in `<downloads>/<last remote directory>/<file name>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Behaviour = Literal["ok", "reject", "error", "timeout", "stall", "stall_progress", "offline"]
_WORDS = re.compile(r"[^\w]+")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class SharedFile:
    """A file a peer shares: its remote path (backslashes) and its bytes."""

    filename: str
    content: bytes
    bitrate: int | None = None
    length: int | None = None
    bit_depth: int | None = None
    sample_rate: int | None = None
    locked: bool = False

    @property
    def extension(self) -> str:
        """The extension slskd reports (lower case, no dot)."""
        base = self.filename.replace("\\", "/").rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[-1].lower() if "." in base else ""

    def as_dict(self) -> dict[str, Any]:
        """File.cs: null attributes are omitted."""
        out: dict[str, Any] = {
            "filename": self.filename,
            "size": len(self.content),
            "extension": self.extension,
            "code": 1,
            "isLocked": self.locked,
        }
        for key, value in (
            ("bitRate", self.bitrate),
            ("length", self.length),
            ("bitDepth", self.bit_depth),
            ("sampleRate", self.sample_rate),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass
class Peer:
    """A Soulseek user: slot, queue, speed, files, and how its uploads behave."""

    username: str
    files: list[SharedFile] = field(default_factory=list)
    free_slot: bool = True
    queue_length: int = 0
    upload_speed: int = 1_000_000
    behaviour: Behaviour = "ok"


@dataclass
class Search:
    """A search: responses are written once it completes (SearchService.cs)."""

    id: str
    text: str
    timeout_ms: int
    state: str = "InProgress"
    started_at: str = field(default_factory=_now)
    responses: list[dict[str, Any]] = field(default_factory=list)
    response_count: int = 0
    file_count: int = 0

    def as_dict(self, include_responses: bool) -> dict[str, Any]:
        """The Search object."""
        out: dict[str, Any] = {
            "id": self.id,
            "searchText": self.text,
            "state": self.state,
            "isComplete": "Completed" in self.state,
            "startedAt": self.started_at,
            "fileCount": self.file_count,
            "lockedFileCount": 0,
            "responseCount": self.response_count,
            "token": 1,
        }
        if include_responses:
            out["responses"] = self.responses
        return out


@dataclass
class TransferRecord:
    """A download transfer and where it is."""

    id: str
    username: str
    filename: str
    size: int
    state: str = "Requested"
    bytes: int = 0
    place_in_queue: int | None = None
    exception: str | None = None
    requested_at: str = field(default_factory=_now)
    ended_at: str | None = None
    removed: bool = False

    @property
    def directory(self) -> str:
        """The remote parent directory (backslash path)."""
        return self.filename.replace("/", "\\").rsplit("\\", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        """Transfer.cs (nulls omitted)."""
        out: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "direction": "Download",
            "filename": self.filename,
            "size": self.size,
            "startOffset": 0,
            "state": self.state,
            "stateDescription": self.state,
            "requestedAt": self.requested_at,
            "bytesTransferred": self.bytes,
            "averageSpeed": 0.0,
            "bytesRemaining": self.size - self.bytes,
            "percentComplete": round(100.0 * self.bytes / self.size, 2) if self.size else 0.0,
            "attempts": 1,
        }
        if self.place_in_queue is not None:
            out["placeInQueue"] = self.place_in_queue
        if self.exception:
            out["exception"] = self.exception
        if self.ended_at:
            out["endedAt"] = self.ended_at
        return out


class World:
    """Peers, searches and transfers, with the timing of a (fast) network."""

    def __init__(self, downloads: Path, *, step: float = 0.05, search_seconds: float = 0.1) -> None:
        self.downloads = downloads
        self.step = step
        self.search_seconds = search_seconds
        self.peers: dict[str, Peer] = {}
        self.searches: dict[str, Search] = {}
        self.transfers: dict[str, TransferRecord] = {}
        self.logged_in = True
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Any) -> None:
        """Run background work that stop() cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel every search and transfer in flight."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # -- searches ----------------------------------------------------------------------------

    def start_search(self, search_id: str, text: str, timeout_ms: int) -> Search:
        """Register a search; it completes after the (short) search time."""
        search = Search(search_id, text, timeout_ms)
        self.searches[search_id] = search
        self.spawn(self._run_search(search))
        return search

    def _matches(self, text: str) -> list[dict[str, Any]]:
        wanted = [w for w in _WORDS.split(text.lower()) if w]
        out = []
        for peer in self.peers.values():
            if peer.behaviour == "offline":
                continue
            hits = [
                f
                for f in peer.files
                if all(w in _WORDS.sub(" ", f.filename.lower()).split() for w in wanted)
            ]
            if not hits:
                continue
            out.append(
                {
                    "username": peer.username,
                    "token": 1,
                    "fileCount": len([f for f in hits if not f.locked]),
                    "lockedFileCount": len([f for f in hits if f.locked]),
                    "hasFreeUploadSlot": peer.free_slot,
                    "queueLength": peer.queue_length,
                    "uploadSpeed": peer.upload_speed,
                    "files": [f.as_dict() for f in hits if not f.locked],
                    "lockedFiles": [f.as_dict() for f in hits if f.locked],
                }
            )
        return out

    async def _run_search(self, search: Search) -> None:
        responses = self._matches(search.text)
        # While running only the counts move; responses are written at the end.
        await asyncio.sleep(min(self.search_seconds, search.timeout_ms / 1000.0) / 2)
        search.response_count = len(responses)
        search.file_count = sum(r["fileCount"] for r in responses)
        await asyncio.sleep(min(self.search_seconds, search.timeout_ms / 1000.0) / 2)
        search.responses = responses
        search.state = "Completed, TimedOut"

    # -- transfers ---------------------------------------------------------------------------

    def shared(self, username: str, filename: str) -> SharedFile | None:
        """The file a peer shares under that exact remote name."""
        peer = self.peers.get(username)
        if peer is None:
            return None
        return next((f for f in peer.files if f.filename == filename), None)

    def enqueue(self, username: str, filename: str, size: int) -> TransferRecord:
        """Record a download and start moving it along."""
        record = TransferRecord(str(uuid.uuid4()), username, filename, size)
        self.transfers[record.id] = record
        self.spawn(self._run_transfer(record))
        return record

    async def _run_transfer(self, record: TransferRecord) -> None:
        peer = self.peers[record.username]
        shared = self.shared(record.username, record.filename)
        await asyncio.sleep(self.step)
        record.state = "Queued, Remotely"
        record.place_in_queue = peer.queue_length
        for _ in range(min(peer.queue_length, 50)):
            await asyncio.sleep(self.step)
            if self._ended(record):
                return
        if peer.behaviour == "stall":
            await asyncio.Event().wait()  # queued forever, as a peer who never uploads
        if self._ended(record):
            return
        if peer.behaviour in ("reject", "timeout"):
            self._finish(record, "Rejected" if peer.behaviour == "reject" else "TimedOut")
            return
        record.state, record.place_in_queue = "Initializing", None
        await asyncio.sleep(self.step)
        record.state = "InProgress"
        content = shared.content if shared is not None else b""
        chunks = 4
        for n in range(1, chunks + 1):
            await asyncio.sleep(self.step)
            if self._ended(record):
                return
            if peer.behaviour == "stall_progress" and n == 2:
                record.bytes = len(content) // chunks
                await asyncio.Event().wait()  # stuck mid-file
            if peer.behaviour == "error" and n == 3:
                record.exception = "Remote connection closed"
                self._finish(record, "Errored")
                return
            record.bytes = len(content) * n // chunks
        self._write(record, content)
        self._finish(record, "Succeeded")

    def _ended(self, record: TransferRecord) -> bool:
        return "Completed" in record.state

    def _finish(self, record: TransferRecord, flag: str) -> None:
        record.state = f"Completed, {flag}"
        record.ended_at = _now()

    def _write(self, record: TransferRecord, content: bytes) -> None:
        # <downloads>/<last component of the remote parent directory>/<file name>.
        parts = record.filename.replace("/", "\\").split("\\")
        folder = parts[-2] if len(parts) > 1 else ""
        target = self.downloads / folder / parts[-1] if folder else self.downloads / parts[-1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    def cancel(self, record: TransferRecord, remove: bool) -> None:
        """DELETE: an unfinished transfer ends Cancelled; remove drops the record."""
        if not self._ended(record):
            self._finish(record, "Cancelled")
        if remove:
            record.removed = True
            self.transfers.pop(record.id, None)
