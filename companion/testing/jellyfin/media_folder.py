"""A real folder in the fake's music library: files put there are scanned when Jellyfin is told.

Jellyfin's library monitor takes `POST /Library/Media/Updated` paths, waits
`LibraryMonitorDelay` (60 s by default; short here unless realistic) and refreshes the folder:
new audio files become items read from their tags, announced as LibraryChanged on the socket
and ItemAdded on the Webhook plugin. Files are read with mutagen, as TagLib reads them there.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mutagen

from .library import Track
from .services import Services
from .wire import TICKS_PER_SECOND

log = logging.getLogger(__name__)

# ID3 frames of formats without an "easy" tag view (WAV, AIFF).
_ID3 = {
    "title": "TIT2",
    "artist": "TPE1",
    "albumartist": "TPE2",
    "album": "TALB",
    "tracknumber": "TRCK",
    "date": "TDRC",
    "genre": "TCON",
}
_MB_ID3 = {
    "musicbrainz_releasegroupid": "TXXX:MusicBrainz Release Group Id",
    "musicbrainz_albumid": "TXXX:MusicBrainz Album Id",
    "musicbrainz_artistid": "TXXX:MusicBrainz Artist Id",
}


@dataclass(slots=True)
class ScannedFile:
    """What the fake serves for an item that came from a real file: its path and ids."""

    path: str
    provider_ids: dict[str, str] = field(default_factory=dict)

    def ids(self, recording: bool) -> dict[str, str]:
        """ProviderIds as the version writes them: before 10.11 the tag's recording id is
        filed as MusicBrainzTrack."""
        out = dict(self.provider_ids)
        if not recording and "MusicBrainzRecording" in out:
            out["MusicBrainzTrack"] = out.pop("MusicBrainzRecording")
        return out


@dataclass
class MediaFolder:
    """A real folder (`real`) that Jellyfin sees as `path`, and the files it has taken in."""

    real: Path
    path: str
    known: dict[str, str] = field(default_factory=dict)
    # False for a container mount Jellyfin sees (ValidatePath, links into it) but never scans.
    library: bool = True

    def real_of(self, path: str) -> Path | None:
        """The real location of a Jellyfin path inside this folder, else None."""
        root = self.path.rstrip("/")
        if path.rstrip("/") == root:
            return self.real
        if not path.startswith(root + "/"):
            return None
        rest = path[len(root) + 1 :]
        if any(part == ".." for part in rest.split("/")):
            return None
        return self.real / rest

    def path_of(self, real: Path) -> str:
        """The Jellyfin path of a real file inside this folder."""
        return f"{self.path.rstrip('/')}/{real.relative_to(self.real).as_posix()}"


def _first(tags: Any, key: str) -> str | None:
    try:
        value = tags.get(key)
    except (KeyError, ValueError):
        return None
    if value is None:
        return None
    if hasattr(value, "text"):
        value = value.text
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() or None if value is not None else None


def read_tags(path: Path) -> dict[str, Any] | None:
    """Title, artist, album, numbers, length and MusicBrainz ids of an audio file, or None."""
    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError):
        return None
    if audio is None:
        return None
    tags = audio.tags
    easy = tags is not None and not hasattr(tags, "getall")
    out: dict[str, Any] = {"length": float(getattr(audio.info, "length", 0.0) or 0.0)}
    for name, frame in _ID3.items():
        out[name] = _first(tags, name if easy else frame) if tags is not None else None
    for name, frame in _MB_ID3.items():
        out[name] = _first(tags, name if easy else frame) if tags is not None else None
    out["musicbrainz_trackid"] = None
    if tags is not None:
        if easy:
            out["musicbrainz_trackid"] = _first(tags, "musicbrainz_trackid")
        else:
            ufid = tags.get("UFID:http://musicbrainz.org")
            if ufid is not None:
                out["musicbrainz_trackid"] = ufid.data.decode("ascii", "replace")
    return out


def _number(value: str | None) -> int | None:
    head = (value or "").split("/")[0].strip()
    return int(head) if head.isdigit() else None


def _visible(folder: MediaFolder, real: Path) -> bool:
    """Jellyfin ignores every path component starting with "." (IgnorePatterns "**/.*") and a
    link whose target does not exist (is_file follows links)."""
    parts = real.relative_to(folder.real).parts
    return real.is_file() and not any(part.startswith(".") for part in parts)


def _drop_missing(svc: Services, folder: MediaFolder, under: Path) -> None:
    """A folder refresh removes the children whose files are gone (ItemDeleted, ItemsRemoved)."""
    prefix = folder.path_of(under) if under != folder.real else folder.path.rstrip("/")
    lib = svc.state.library
    for jf_path, track_id in list(folder.known.items()):
        if jf_path != prefix and not jf_path.startswith(prefix.rstrip("/") + "/"):
            continue
        real = folder.real_of(jf_path)
        if real is not None and _visible(folder, real):
            continue
        folder.known.pop(jf_path, None)
        track = lib.get(track_id)
        lib.scanned_files.pop(track_id, None)
        if isinstance(track, Track):
            svc.events.delete_track(track)


def scan(svc: Services, folder: MediaFolder, under: Path) -> list[str]:
    """Take in the new audio files below `under` and drop the gone ones; the new item ids."""
    _drop_missing(svc, folder, under)
    lib = svc.state.library
    new_ids: list[str] = []
    if under.is_file():
        files = [under]
    elif under.is_dir():
        files = sorted(p for p in under.rglob("*"))
    else:
        files = []
    for real in files:
        if not _visible(folder, real):
            continue
        jf_path = folder.path_of(real)
        if jf_path in folder.known:
            continue
        tags = read_tags(real)
        if tags is None:
            continue  # not audio: Jellyfin's resolvers skip it
        title = tags["title"] or real.stem
        artist = tags["albumartist"] or tags["artist"] or "Unknown Artist"
        album = tags["album"] or real.parent.name
        year = _number((tags["date"] or "")[:4])
        spec = {
            "artist": artist,
            "album": album,
            "title": title,
            "track_number": _number(tags["tracknumber"]),
            "duration_s": max(1, round(tags["length"])),
            "year": year,
            "genre": tags["genre"],
            "size_bytes": real.stat().st_size,
        }
        track, ids = lib.add_track(spec)
        track.runtime_ticks = int(tags["length"] * TICKS_PER_SECOND)
        track.container = real.suffix.lstrip(".").lower() or track.container
        provider: dict[str, str] = {}
        if tags["musicbrainz_trackid"]:
            provider["MusicBrainzRecording"] = tags["musicbrainz_trackid"]
        if tags["musicbrainz_releasegroupid"]:
            provider["MusicBrainzReleaseGroup"] = tags["musicbrainz_releasegroupid"]
        lib.scanned_files[track.id] = ScannedFile(jf_path, provider)
        if track.album_id in ids:
            lib.scanned_files[track.album_id] = ScannedFile(folder.path_of(real.parent))
        folder.known[jf_path] = track.id
        new_ids.extend(ids)
    if new_ids:
        svc.events.items_added(new_ids)
    return new_ids


class LibraryMonitor:
    """Collects reported paths and scans them after the monitor delay, as Jellyfin does."""

    def __init__(self, svc: Services, delay: float) -> None:
        self._svc = svc
        self.delay = delay
        self._pending: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self.scans = 0

    def report(self, paths: list[str]) -> None:
        """A path changed: (re)start the delay, then scan everything reported meanwhile."""
        self._pending.update(paths)
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.delay, self._run)

    def _run(self) -> None:
        self._timer = None
        paths, self._pending = self._pending, set()
        for path in sorted(paths):
            for folder in self._svc.state.music_folders:
                real = folder.real_of(path)
                if folder.library and real is not None:
                    scan(self._svc, folder, real)
        self.scans += 1
