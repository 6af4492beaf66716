"""M3U and M3U8 playlists: `#EXTINF:<secs>,<Artist> - <Title>` lines, each before a path."""

from __future__ import annotations

import re
from pathlib import PureWindowsPath

from companion.imports.parsers.types import MAX_ROWS, SourcePlaylist, SourceTrack, bad_file

_EXTINF = re.compile(r"^#EXTINF:\s*(-?\d+(?:\.\d+)?)?[^,]*,(.*)$")
_PLAYLIST = re.compile(r"^#PLAYLIST:\s*(.+)$")


def _from_path(path: str) -> tuple[str, tuple[str, ...]]:
    """Title and artist guessed from a file name: "Artist - Title.mp3" or "01 Title.mp3"."""
    stem = PureWindowsPath(path.replace("/", "\\")).stem
    stem = re.sub(r"^\d{1,3}[\s._-]+", "", stem)
    artist, sep, title = stem.partition(" - ")
    return (title.strip(), (artist.strip(),)) if sep else (stem.strip(), ())


def parse_m3u(text: str, name: str) -> SourcePlaylist:
    """Read an (extended) M3U playlist."""
    if "\x00" in text:
        raise bad_file("The M3U file holds binary data.", "import_unreadable")
    tracks: list[SourceTrack] = []
    pending: tuple[float | None, str] | None = None
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("#"):
            info = _EXTINF.match(line)
            if info:
                secs = float(info.group(1)) if info.group(1) else None
                pending = (secs if secs and secs > 0 else None, info.group(2).strip())
            elif (playlist := _PLAYLIST.match(line)) is not None:
                name = playlist.group(1).strip() or name
            continue
        duration, label = pending if pending else (None, "")
        pending = None
        artist, sep, title = label.partition(" - ")
        if sep and title.strip():
            artists: tuple[str, ...] = (artist.strip(),)
            title = title.strip()
        else:
            title, artists = _from_path(line)
            title = label.strip() or title
        if not title:
            continue
        tracks.append(SourceTrack(title=title, artists=artists, duration_s=duration, path=line))
        if len(tracks) > MAX_ROWS:
            raise bad_file(f"The playlist has more than {MAX_ROWS} tracks.", "import_too_many")
    if not tracks:
        raise bad_file("The M3U file lists no tracks.", "import_empty")
    return SourcePlaylist(name=name, source="m3u", tracks=tuple(tracks))
