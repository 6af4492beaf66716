"""Deterministic media payloads: valid WAV audio generated lazily, and small PNG images."""

from __future__ import annotations

import math
import struct
import zlib
from functools import lru_cache

WAV_HEADER = 44
CHANNELS = 2  # 8-bit stereo: the byte rate is twice the sample rate
_PERIOD = 2048  # the byte pattern repeats, so any byte range is computable on the fly


def sample_rate_for(bitrate: int) -> int:
    """The WAV sample rate whose 8-bit stereo byte rate matches a declared bitrate."""
    return max(4000, bitrate // (8 * CHANNELS))


def wav_size(bitrate: int, runtime_ticks: int) -> int:
    """The file size a track of this bitrate and duration has: header plus bitrate x time."""
    rate = sample_rate_for(bitrate)
    frames = rate * runtime_ticks // 10_000_000
    return WAV_HEADER + frames * CHANNELS


def wav_header(total: int, rate: int) -> bytes:
    """Return a RIFF/WAVE header for 8-bit stereo PCM at `rate` Hz with total file size."""
    data = total - WAV_HEADER
    return (
        b"RIFF"
        + struct.pack("<I", total - 8)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, CHANNELS, rate, rate * CHANNELS, CHANNELS, 8)
        + b"data"
        + struct.pack("<I", data)
    )


@lru_cache(maxsize=512)
def _pattern(item_id: str, rate: int) -> bytes:
    # A per-track tone (frequency derived from the id) so files differ but are deterministic.
    freq = 220 + int(item_id[:4], 16) % 660
    out = bytearray()
    for n in range(_PERIOD // CHANNELS):
        out += bytes([int(128 + 60 * math.sin(2 * math.pi * freq * n / rate))]) * CHANNELS
    return bytes(out)


def wav_range(item_id: str, total: int, start: int, end: int, rate: int) -> bytes:
    """Return bytes [start, end] (inclusive) of the track's file without building it whole."""
    out = bytearray()
    if start < WAV_HEADER:
        out += wav_header(total, rate)[start : min(end + 1, WAV_HEADER)]
        start = WAV_HEADER
    if start <= end:
        pat = _pattern(item_id, rate)
        off = (start - WAV_HEADER) % _PERIOD
        need = end - start + 1
        reps = (off + need) // _PERIOD + 1
        out += (pat * reps)[off : off + need]
    return bytes(out)


@lru_cache(maxsize=1024)
def png(seed: str, size: int = 16) -> bytes:
    """Return a small valid PNG whose colour is derived from seed."""
    r, g, b = (int(seed[i : i + 2], 16) for i in (0, 2, 4))
    row = b"\x00" + bytes((r, g, b)) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
