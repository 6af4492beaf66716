"""Real small audio files for the download tests: an MP3 encoded with LAME, tagged by mutagen."""

from __future__ import annotations

import io
import math
import struct

import lameenc
from mutagen.easyid3 import EasyID3
from mutagen.mp3 import MP3

RATE = 8000


def mp3(
    title: str,
    artist: str,
    album: str,
    *,
    track: int | None = None,
    seconds: float = 1.0,
    mbid: str | None = None,
) -> bytes:
    """A valid mono MP3 of a quiet tone with ID3 tags (title, artist, album, track, MBID)."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    frames = int(RATE * seconds)
    pcm = b"".join(
        struct.pack("<h", int(2000 * math.sin(2 * math.pi * 440 * n / RATE))) for n in range(frames)
    )
    data = io.BytesIO(bytes(encoder.encode(pcm) + encoder.flush()))
    audio = MP3(data, ID3=EasyID3)
    audio.add_tags(ID3=EasyID3)
    assert audio.tags is not None
    audio.tags["title"] = title
    audio.tags["artist"] = artist
    audio.tags["album"] = album
    if track is not None:
        audio.tags["tracknumber"] = str(track)
    if mbid is not None:
        audio.tags["musicbrainz_trackid"] = mbid
    data.seek(0)
    audio.save(data)
    return data.getvalue()
