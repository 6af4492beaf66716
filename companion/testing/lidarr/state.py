"""The fake Lidarr's world: a metadata catalogue, the library, commands, the queue, imports.

Follows Lidarr's source (reference services.md §1, growth.md §3): an added artist's albums are
listed only after its refresh ran; AlbumSearch grabs a release into the queue, which downloads,
imports (files written under the root folder) and sends `Grab`, then `Download` (imported)
webhooks; failures send `DownloadFailure` or `ImportFailure`, which carry no album, only the
`downloadId` of the Grab.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import re
import wave
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from mutagen.id3 import TALB, TIT2, TPE1, TPE2, TRCK, TXXX
from mutagen.wave import WAVE

Outcome = Literal["ok", "no_release", "download_failed", "import_failed"]
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "_"


def tagged_wav(title: str, artist: str, album: str, number: int, album_mbid: str) -> bytes:
    """A short valid WAV file with ID3 tags, as Lidarr's retagging would leave it."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 4000)
    path_free = io.BytesIO(buffer.getvalue())
    audio = WAVE(path_free)  # type: ignore[no-untyped-call]
    audio.add_tags()  # type: ignore[no-untyped-call]
    assert audio.tags is not None
    audio.tags.add(TIT2(encoding=3, text=title))
    audio.tags.add(TPE1(encoding=3, text=artist))
    audio.tags.add(TPE2(encoding=3, text=artist))
    audio.tags.add(TALB(encoding=3, text=album))
    audio.tags.add(TRCK(encoding=3, text=str(number)))
    audio.tags.add(TXXX(encoding=3, desc="MusicBrainz Release Group Id", text=album_mbid))
    audio.save(path_free)
    return path_free.getvalue()


@dataclass
class Release:
    """An album in the metadata catalogue (what lookups find), with how its search ends."""

    album_mbid: str
    title: str
    artist_mbid: str
    artist_name: str
    tracks: list[tuple[str, int]]
    year: int = 2020
    outcome: Outcome = "ok"


@dataclass
class LibraryAlbum:
    """An album in Lidarr's library."""

    id: int
    release: Release
    artist_id: int
    monitored: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QueueRecord:
    """A download in the queue."""

    id: int
    album: LibraryAlbum
    download_id: str
    size: int = 100_000_000
    size_left: int = 100_000_000
    status: str = "queued"
    tracked_state: str = "downloading"
    tracked_status: str = "ok"
    messages: list[dict[str, Any]] = field(default_factory=list)


class LidarrWorld:
    """Catalogue, library, commands and the queue, moving on a (fast) clock."""

    def __init__(self, root_folders: dict[str, Path], *, step: float = 0.05) -> None:
        # Root folder path as Lidarr sees it -> the real folder the files are written to.
        self.root_folders = dict(root_folders)
        self.step = step
        self.refresh_seconds = step * 2
        self.catalogue: dict[str, Release] = {}
        self.artists: dict[int, dict[str, Any]] = {}
        self.albums: dict[int, LibraryAlbum] = {}
        self.commands: dict[int, dict[str, Any]] = {}
        self.queue: dict[int, QueueRecord] = {}
        self.webhook_url: str | None = None
        self.webhook_headers: dict[str, str] = {}
        self.webhooks_sent: list[dict[str, Any]] = []
        self._ids = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def next_id(self) -> int:
        """A fresh id (shared by every table, which is enough for a fake)."""
        self._ids += 1
        return self._ids

    def spawn(self, coro: Any) -> None:
        """Run background work that stop() cancels."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel everything in flight."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # -- library -----------------------------------------------------------------------------

    def artist_by_mbid(self, mbid: str) -> dict[str, Any] | None:
        """The library artist with that MusicBrainz id."""
        return next((a for a in self.artists.values() if a["foreignArtistId"] == mbid), None)

    def add_artist(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create the artist; its albums appear once the (asynchronous) refresh ran."""
        artist_id = self.next_id()
        root = str(body.get("rootFolderPath") or "")
        artist = {
            "id": artist_id,
            "artistName": body["artistName"],
            "foreignArtistId": body["foreignArtistId"],
            "path": f"{root.rstrip('/')}/{_safe(str(body['artistName']))}",
            "rootFolderPath": root,
            "qualityProfileId": body.get("qualityProfileId"),
            "metadataProfileId": body.get("metadataProfileId"),
            "monitored": bool(body.get("monitored", True)),
            "monitorNewItems": body.get("monitorNewItems", "all"),
            "added": _now(),
        }
        self.artists[artist_id] = artist
        options = body.get("addOptions") or {}
        to_monitor = set(options.get("albumsToMonitor") or ())
        monitor_all = options.get("monitor", "all") == "all"
        self.spawn(self._refresh(artist, to_monitor, monitor_all))
        return artist

    async def _refresh(
        self, artist: dict[str, Any], to_monitor: set[str], monitor_all: bool
    ) -> None:
        await asyncio.sleep(self.refresh_seconds)
        for release in self.catalogue.values():
            if release.artist_mbid != artist["foreignArtistId"]:
                continue
            if any(a.release is release for a in self.albums.values()):
                continue
            album = LibraryAlbum(self.next_id(), release, artist["id"])
            album.monitored = monitor_all or release.album_mbid in to_monitor
            self.albums[album.id] = album

    def album_by_mbid(self, mbid: str) -> LibraryAlbum | None:
        """The library album with that release-group id."""
        return next((a for a in self.albums.values() if a.release.album_mbid == mbid), None)

    # -- commands ----------------------------------------------------------------------------

    def command(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a command; AlbumSearch grabs a release for each album (or finds none)."""
        command: dict[str, Any] = {
            "id": self.next_id(),
            "name": name,
            "commandName": name,
            "status": "queued",
            "queued": _now(),
            "trigger": "manual",
            "body": body,
        }
        self.commands[command["id"]] = command
        if name.lower() == "refreshartist":
            self.spawn(self._run_refresh(command, int(body.get("artistId") or 0)))
            return command
        self.spawn(self._run_command(command, [int(i) for i in body.get("albumIds") or ()]))
        return command

    async def _run_refresh(self, command: dict[str, Any], artist_id: int) -> None:
        command["status"] = "started"
        artist = self.artists.get(artist_id)
        if artist is not None:
            await self._refresh(artist, set(), monitor_all=False)
        command["status"] = "completed"
        command["ended"] = _now()

    async def _run_command(self, command: dict[str, Any], album_ids: list[int]) -> None:
        await asyncio.sleep(self.step)
        command["status"] = "started"
        command["started"] = _now()
        grabbed = 0
        for album_id in album_ids:
            album = self.albums.get(album_id)
            if album is None or album.release.outcome == "no_release":
                continue
            grabbed += 1
            self._grab(album)
        await asyncio.sleep(self.step)
        command["status"] = "completed"
        command["ended"] = _now()
        command["message"] = f"{grabbed} report(s) downloaded"

    def _grab(self, album: LibraryAlbum) -> None:
        digest = hashlib.sha1(f"{album.id}:{self.next_id()}".encode(), usedforsecurity=False)
        record = QueueRecord(self.next_id(), album, digest.hexdigest().upper())
        self.queue[record.id] = record
        self.send(
            {
                "eventType": "Grab",
                "artist": self._webhook_artist(album),
                "albums": [self._webhook_album(album)],
                "release": {
                    "quality": "FLAC",
                    "qualityVersion": 1,
                    "releaseTitle": f"{album.release.artist_name} - {album.release.title} FLAC",
                    "indexer": "FakeIndexer",
                    "size": record.size,
                },
                "downloadClient": "SABnzbd",
                "downloadClientType": "Sabnzbd",
                "downloadId": record.download_id,
            }
        )
        self.spawn(self._download(record))

    async def _download(self, record: QueueRecord) -> None:
        record.status = "downloading"
        for n in range(1, 5):
            await asyncio.sleep(self.step)
            record.size_left = record.size * (4 - n) // 4
        outcome = record.album.release.outcome
        if outcome == "download_failed":
            record.status, record.tracked_state = "failed", "downloadFailedPending"
            self.send(
                {
                    "eventType": "DownloadFailure",
                    "downloadClient": "SABnzbd",
                    "downloadId": record.download_id,
                    "quality": "FLAC",
                    "qualityVersion": 1,
                    "releaseTitle": f"{record.album.release.title} FLAC",
                }
            )
            await asyncio.sleep(self.step)
            self.queue.pop(record.id, None)
            return
        record.status, record.tracked_state = "completed", "importPending"
        await asyncio.sleep(self.step)
        if outcome == "import_failed":
            record.tracked_status = "warning"
            record.messages = [
                {
                    "title": record.album.release.title,
                    "messages": ["No files found are eligible for import"],
                }
            ]
            self.send(
                {
                    "eventType": "ImportFailure",
                    "artist": self._webhook_artist(record.album),
                    "tracks": [],
                    "trackFiles": [],
                    "isUpgrade": False,
                    "downloadClient": "SABnzbd",
                    "downloadClientType": "Sabnzbd",
                    "downloadId": record.download_id,
                }
            )
            return
        record.tracked_state = "importing"
        files = self._import(record.album)
        record.tracked_state = "imported"
        self.queue.pop(record.id, None)
        self.send(
            {
                "eventType": "Download",
                "artist": self._webhook_artist(record.album),
                "album": self._webhook_album(record.album),
                "tracks": [
                    {"id": f["id"], "title": f["title"], "trackNumber": str(f["number"])}
                    for f in files
                ],
                "trackFiles": [
                    {
                        "id": f["id"],
                        "path": f["path"],
                        "quality": "FLAC",
                        "qualityVersion": 1,
                        "size": f["size"],
                        "dateAdded": _now(),
                    }
                    for f in files
                ],
                "isUpgrade": False,
                "downloadClient": "SABnzbd",
                "downloadClientType": "Sabnzbd",
                "downloadId": record.download_id,
            }
        )

    def _import(self, album: LibraryAlbum) -> list[dict[str, Any]]:
        artist = self.artists[int(album.artist_id)]
        root = str(artist["rootFolderPath"]).rstrip("/")
        real_root = self.root_folders[root]
        release = album.release
        folder = f"{_safe(release.artist_name)}/{_safe(release.title)} ({release.year})"
        for number, (title, _seconds) in enumerate(release.tracks, start=1):
            name = f"{_safe(release.artist_name)} - {_safe(release.title)} - {number:02d} - {_safe(title)}.wav"
            data = tagged_wav(title, release.artist_name, release.title, number, release.album_mbid)
            target = real_root / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            album.files.append(
                {
                    "id": self.next_id(),
                    "path": f"{root}/{folder}/{name}",
                    "albumId": album.id,
                    "title": title,
                    "number": number,
                    "size": len(data),
                }
            )
        return album.files

    # -- webhooks ----------------------------------------------------------------------------

    def _webhook_artist(self, album: LibraryAlbum) -> dict[str, Any]:
        artist = self.artists[album.artist_id]
        return {
            "id": artist["id"],
            "name": artist["artistName"],
            "path": artist["path"],
            "mbId": artist["foreignArtistId"],
        }

    def _webhook_album(self, album: LibraryAlbum) -> dict[str, Any]:
        return {
            "id": album.id,
            "mbId": album.release.album_mbid,
            "title": album.release.title,
            "albumType": "Album",
            "releaseDate": f"{album.release.year}-01-01T00:00:00Z",
        }

    def send(self, payload: dict[str, Any]) -> None:
        """Queue a webhook delivery (instanceName and applicationUrl on every payload)."""
        body = {"instanceName": "Lidarr", "applicationUrl": "", **payload}
        self.webhooks_sent.append(body)
        if self.webhook_url:
            self.spawn(self._post(body))

    async def _post(self, body: dict[str, Any]) -> None:
        import aiohttp

        assert self.webhook_url is not None
        # Lidarr's WebhookProxy posts JSON and logs a failure; it does not retry.
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with aiohttp.ClientSession() as http:
                await http.post(self.webhook_url, json=body, headers=self.webhook_headers)
