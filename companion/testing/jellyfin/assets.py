"""Deterministic media payloads: small valid WAV audio (lazily sized) and PNG images."""

from __future__ import annotations

import math
import struct
import zlib
from functools import lru_cache

WAV_HEADER = 44
SAMPLE_RATE = 8000
DEFAULT_SAMPLES = 4000  # half a second of 8-bit mono: a few KB per track
_PERIOD = 2048  # the sample pattern repeats, so any byte range is computable on the fly


def wav_size(size_bytes: int | None) -> int:
    """Return the total file size served for a track."""
    if size_bytes and size_bytes > WAV_HEADER:
        return size_bytes
    return WAV_HEADER + DEFAULT_SAMPLES


def wav_header(total: int) -> bytes:
    """Return a RIFF/WAVE header for 8 kHz 8-bit mono PCM with total file size."""
    data = total - WAV_HEADER
    return (
        b"RIFF"
        + struct.pack("<I", total - 8)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8)
        + b"data"
        + struct.pack("<I", data)
    )


@lru_cache(maxsize=512)
def _pattern(item_id: str) -> bytes:
    # A per-track tone (frequency derived from the id) so files differ but are deterministic.
    freq = 220 + int(item_id[:4], 16) % 660
    return bytes(
        int(128 + 60 * math.sin(2 * math.pi * freq * n / SAMPLE_RATE)) for n in range(_PERIOD)
    )


def wav_range(item_id: str, total: int, start: int, end: int) -> bytes:
    """Return bytes [start, end] (inclusive) of the track's file without building it whole."""
    out = bytearray()
    if start < WAV_HEADER:
        out += wav_header(total)[start : min(end + 1, WAV_HEADER)]
        start = WAV_HEADER
    if start <= end:
        pat = _pattern(item_id)
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
