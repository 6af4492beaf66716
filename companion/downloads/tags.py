"""Reading a downloaded file's tags with mutagen (which also tells audio from anything else)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen

# Raw ID3 frames of formats mutagen has no "easy" view for (WAV, AIFF).
_ID3 = {
    "title": "TIT2",
    "artist": "TPE1",
    "albumartist": "TPE2",
    "album": "TALB",
    "tracknumber": "TRCK",
    "discnumber": "TPOS",
}


@dataclass(frozen=True, slots=True)
class FileTags:
    """What the file says about itself."""

    title: str | None
    artist: str | None
    album_artist: str | None
    album: str | None
    track_number: int | None
    disc_number: int | None
    length_s: float
    mbid: str | None


def _text(tags: Any, key: str) -> str | None:
    try:
        value = tags.get(key)
    except (KeyError, ValueError):
        return None
    if value is None:
        return None
    value = getattr(value, "text", value)
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


def _number(value: str | None) -> int | None:
    head = (value or "").split("/")[0].strip()
    return int(head) if head.isdigit() else None


def read_tags(path: Path) -> FileTags | None:
    """The file's tags, or None when mutagen does not recognise it as audio (blocking)."""
    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError):
        return None
    if audio is None or getattr(audio, "info", None) is None:
        return None
    tags = audio.tags
    values: dict[str, str | None] = dict.fromkeys(_ID3)
    mbid = None
    if tags is not None:
        raw = hasattr(tags, "getall")  # a plain ID3 (WAV, AIFF), not an easy view
        for name, frame in _ID3.items():
            values[name] = _text(tags, frame if raw else name)
        if raw:
            ufid = tags.get("UFID:http://musicbrainz.org")
            mbid = ufid.data.decode("ascii", "replace") if ufid is not None else None
        else:
            mbid = _text(tags, "musicbrainz_trackid")
    return FileTags(
        title=values["title"],
        artist=values["artist"],
        album_artist=values["albumartist"],
        album=values["album"],
        track_number=_number(values["tracknumber"]),
        disc_number=_number(values["discnumber"]),
        length_s=float(getattr(audio.info, "length", 0.0) or 0.0),
        mbid=mbid.lower() if mbid else None,
    )
